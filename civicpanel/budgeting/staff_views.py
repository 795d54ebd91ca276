"""Staff pages of participatory budgeting: rounds, screening ideas, assessing projects, voting
codes and paper ballots, the count, and updates on funded projects."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability, can
from civicpanel.budgeting import (
    counting,
    pabulib_io,
    participants,
    selectors,
    services,
    turnout,
    voting,
)
from civicpanel.budgeting.forms import (
    CodesForm,
    IdeaFilterForm,
    ImportForm,
    PaperForm,
    ProjectForm,
    ProjectUpdateForm,
    RoundForm,
    ScreenForm,
    SketchForm,
)
from civicpanel.budgeting.models import Idea, PaperEntry, Round
from civicpanel.common.csvio import csv_response
from civicpanel.common.sorting import list_sort, sort_rows


def _errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _flash(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _round(request, round_id: int) -> Round:
    return selectors.round_get(council=request.council, round_id=round_id)


@staff_view(Capability.BUDGETING)
def round_list_view(request):
    sorting = list_sort(request.GET, selectors.ROUND_SORTS)
    rounds = sort_rows(selectors.round_list(council=request.council), sorting, selectors.ROUND_SORTS)
    return render(request, "budgeting/staff/list.html", {"rounds": rounds, "sorting": sorting})


@staff_view(Capability.BUDGETING)
@require_http_methods(["GET", "POST"])
def round_create_view(request):
    form = RoundForm(request.POST or None, council=request.council,
                     initial={"currency": "NOK" if request.council.country == "NO" else "DKK",
                              "min_age": request.council.minimum_age})
    if request.method == "POST" and form.is_valid():
        try:
            rnd = services.round_create(council=request.council, actor=request.user, request=request,
                                        **form.service_kwargs())
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, _("Round created."))
            return redirect("staff:pb_round", rnd.pk)
    return render(request, "budgeting/staff/round_form.html", {"form": form, "round": None})


@staff_view(Capability.BUDGETING)
@require_http_methods(["GET", "POST"])
def round_edit_view(request, round_id: int):
    rnd = _round(request, round_id)
    form = RoundForm(request.POST or None, council=request.council, instance=rnd)
    if request.method == "POST" and form.is_valid():
        try:
            services.round_update(council=request.council, actor=request.user, round=rnd, request=request,
                                  **form.service_kwargs())
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, _("Round saved."))
            return redirect("staff:pb_round", rnd.pk)
    rnd.refresh_from_db()
    return render(request, "budgeting/staff/round_form.html", {"form": form, "round": rnd})


@staff_view(Capability.BUDGETING)
def round_view(request, round_id: int):
    rnd = _round(request, round_id)
    return render(request, "budgeting/staff/round.html", {
        "round": rnd, "timeline": selectors.timeline(rnd), "counts": selectors.counts(council=request.council, rnd=rnd),
        "projects": selectors.projects(council=request.council, rnd=rnd),
        "stages": Round.Stage.choices, "pots": voting.pots(rnd), "pb_files": pabulib_io.pot_keys(rnd),
        "evaluation": _evaluation(request, rnd),
    })


def _evaluation(request, rnd: Round) -> dict | None:
    """The evaluation surveys' action, for staff who may make surveys, once members took part.
    The follow-up opens a year after the round's end (its evaluation phase, else today)."""
    if not can(request.membership, Capability.SURVEYS):
        return None
    count = participants.participant_count(rnd)
    if not count:
        return None
    end = rnd.evaluation_starts or timezone.localdate()
    try:
        year_later = end.replace(year=end.year + 1)
    except ValueError:  # 29 February
        year_later = end.replace(year=end.year + 1, day=28)
    return {"participants": count, "set_key": participants.SET_KEY, "year_later": year_later}


@staff_view(Capability.BUDGETING)
@require_POST
def round_stage_view(request, round_id: int):
    rnd = _round(request, round_id)
    try:
        services.round_set_stage(council=request.council, actor=request.user, round=rnd,
                                 stage=request.POST.get("stage", ""), request=request)
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("The round's phase is changed."))
    return redirect("staff:pb_round", rnd.pk)


@staff_view(Capability.BUDGETING)
@require_POST
def round_count_view(request, round_id: int):
    rnd = _round(request, round_id)
    try:
        counting.round_count(council=request.council, actor=request.user, round=rnd, request=request)
    except ValidationError as error:
        _flash(request, error)
        return redirect("staff:pb_round", rnd.pk)
    messages.success(request, _("The vote is closed and counted. The result is public."))
    return redirect("budgeting:results", rnd.pk)


@staff_view(Capability.BUDGETING)
def ideas_view(request, round_id: int):
    """The round's ideas: counted per status, narrowed by status, district, category and words,
    sorted by any column, 25 a page; those waiting for screening show their form open."""
    rnd = _round(request, round_id)
    form = IdeaFilterForm(request.GET, rnd=rnd)
    chosen = selectors.IdeaFilter(**form.chosen())
    sorting = list_sort(request.GET, selectors.IDEA_SORTS)
    page = selectors.staff_ideas_page(council=request.council, rnd=rnd, chosen=chosen, sorting=sorting,
                                      page_number=request.GET.get("page"))
    counts = selectors.staff_idea_counts(council=request.council, rnd=rnd, chosen=chosen)
    return render(request, "budgeting/staff/ideas.html", {
        "round": rnd, "ideas": page.object_list, "page": page, "sorting": sorting, "filter_form": form,
        "filtered": any(vars(chosen).values()), "status_links": _status_links(request, counts, chosen.status),
        "back": request.GET.urlencode(), "form": ScreenForm(),
    })


def _status_links(request, counts: dict[str, int], current: str) -> list[dict]:
    """"All (40) · Waiting for screening (12) · ...": each a link to the list with that status and
    the rest of the filter and sort kept."""
    links = []
    for value, label in [("", _("All")), *Idea.Status.choices]:
        query = request.GET.copy()
        query.pop("page", None)
        query["status"] = value
        links.append({"label": label, "count": counts[value or "all"], "current": value == current,
                      "href": "?" + query.urlencode()})
    return links


@staff_view(Capability.BUDGETING)
@require_POST
def idea_screen_view(request, round_id: int, idea_id: int):
    rnd = _round(request, round_id)
    idea = selectors.idea_get(council=request.council, idea_id=idea_id, rnd=rnd)
    form = ScreenForm(request.POST)
    back = _ideas_list(rnd, request.POST.get("back", ""))
    if not form.is_valid():
        messages.error(request, _("Choose what to do with the idea."))
        return redirect(back)
    data = form.cleaned_data
    target = None
    if data["action"] == "merge" and data["merge_into"]:
        target = rnd.ideas.filter(pk=data["merge_into"]).first()
    try:
        services.idea_screen(council=request.council, actor=request.user, idea=idea, action=data["action"],
                             reason=data["reason"], merge_into=target, request=request)
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("Idea #%(number)s: saved.") % {"number": idea.pk})
    return redirect(back + f"#idea-{idea.pk}")


def _ideas_list(rnd, query: str) -> str:
    """Back to the idea list as it was filtered, sorted and paged when the idea was screened (the
    query string is read and written again, so nothing but parameters can ride along)."""
    kept = QueryDict(query[:2000]).copy()
    for name in list(kept):
        if name not in ("status", "district", "category", "words", "sort", "page"):
            del kept[name]
    url = reverse("staff:pb_ideas", args=[rnd.pk])
    return f"{url}?{kept.urlencode()}" if kept else url


@staff_view(Capability.BUDGETING)
@require_http_methods(["GET", "POST"])
def project_create_view(request, round_id: int):
    rnd = _round(request, round_id)
    initial = {}
    from_idea = request.GET.get("idea")
    if from_idea and from_idea.isdecimal():
        idea = rnd.ideas.filter(pk=int(from_idea)).first()
        if idea is not None:
            initial = {"ideas": [idea], "district": idea.district_id, "cost": idea.cost_estimate,
                       **{f"title_{lang}": idea.title for lang in request.council.language_codes[:1]}}
    form = ProjectForm(request.POST or None, rnd=rnd, initial=initial)
    if request.method == "POST" and form.is_valid():
        kwargs = form.service_kwargs()
        try:
            project = services.project_create(council=request.council, actor=request.user, round=rnd,
                                              request=request, **kwargs)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, _("Project %(number)s created.") % {"number": project.number})
            return redirect("staff:pb_project", rnd.pk, project.pk)
    return render(request, "budgeting/staff/project_form.html", {"form": form, "round": rnd, "project": None})


@staff_view(Capability.BUDGETING)
@require_http_methods(["GET", "POST"])
def project_view(request, round_id: int, project_id: int):
    rnd = _round(request, round_id)
    project = selectors.project_get(council=request.council, project_id=project_id, rnd=rnd)
    form = ProjectForm(request.POST or None, rnd=rnd, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(council=request.council, actor=request.user, project=project, request=request,
                                    **form.service_kwargs())
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, _("Assessment saved."))
            return redirect("staff:pb_project", rnd.pk, project.pk)
    return render(request, "budgeting/staff/project_form.html", {
        "form": form, "round": rnd, "project": project, "sketch_form": SketchForm(),
        "update_form": ProjectUpdateForm(languages=request.council.language_codes) if project.funded else None,
    })


@staff_view(Capability.BUDGETING)
@require_POST
def project_sketch_view(request, round_id: int, project_id: int):
    rnd = _round(request, round_id)
    project = selectors.project_get(council=request.council, project_id=project_id, rnd=rnd)
    form = SketchForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.project_add_sketch(council=request.council, actor=request.user, project=project,
                                        upload=form.cleaned_data["image"], alt=form.cleaned_data["alt"],
                                        request=request)
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(request, _("Sketch added."))
    else:
        messages.error(request, _("Choose a picture and say what it shows."))
    return redirect("staff:pb_project", rnd.pk, project.pk)


@staff_view(Capability.BUDGETING)
@require_POST
def project_update_view(request, round_id: int, project_id: int):
    rnd = _round(request, round_id)
    project = selectors.project_get(council=request.council, project_id=project_id, rnd=rnd)
    form = ProjectUpdateForm(request.POST, request.FILES, languages=request.council.language_codes)
    if form.is_valid():
        try:
            services.project_post_update(council=request.council, actor=request.user, project=project,
                                         request=request, **form.service_kwargs())
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(request, _("Update published."))
    else:
        messages.error(request, _("Give the status, the date and what happened."))
    return redirect("staff:pb_project", rnd.pk, project.pk)


def _pot_choices(rnd: Round):
    labels = {"district": _("District vote"), "city": _("City-wide vote")}
    return [(pot, labels[pot]) for pot in voting.pots(rnd)]


@staff_view(Capability.BUDGETING)
@require_http_methods(["GET", "POST"])
def paper_view(request, round_id: int):
    rnd = _round(request, round_id)
    form = PaperForm(request.POST or None, rnd=rnd, pot_choices=_pot_choices(rnd))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        numbers, points = data["choices"]
        try:
            voting.paper_enter(council=request.council, actor=request.user, round=rnd, code=data["code"],
                               pot=data["pot"], choices=numbers, points=points, district=data["district"],
                               age_band=data["age_band"], request=request)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, _("Paper ballot typed in. A second staff member must now confirm it."))
            return redirect("staff:pb_paper", rnd.pk)
    return render(request, "budgeting/staff/paper.html", {
        "round": rnd, "form": form, "entries": selectors.paper_entries(council=request.council, rnd=rnd),
        "codes_form": CodesForm(),
    })


@staff_view(Capability.BUDGETING)
@require_POST
def paper_decide_view(request, round_id: int, entry_id: int, action: str):
    rnd = _round(request, round_id)
    if action not in ("confirm", "reject"):
        raise Http404
    entry = PaperEntry.objects.filter(round=rnd, pk=entry_id).first()
    if entry is None:
        messages.error(request, _("This paper ballot has already been handled."))
        return redirect("staff:pb_paper", rnd.pk)
    try:
        if action == "confirm":
            voting.paper_confirm(council=request.council, actor=request.user, entry=entry, request=request)
            messages.success(request, _("Paper ballot confirmed and in the ballot box."))
        else:
            voting.paper_reject(council=request.council, actor=request.user, entry=entry, request=request)
            messages.success(request, _("Paper ballot removed. It can be typed in again."))
    except ValidationError as error:
        _flash(request, error)
    return redirect("staff:pb_paper", rnd.pk)


@staff_view(Capability.BUDGETING)
@require_POST
def codes_view(request, round_id: int):
    rnd = _round(request, round_id)
    form = CodesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Make between 1 and 20,000 codes at a time."))
        return redirect("staff:pb_paper", rnd.pk)
    try:
        codes = voting.codes_create(council=request.council, actor=request.user, round=rnd,
                                    count=form.cleaned_data["count"], request=request)
    except ValidationError as error:
        _flash(request, error)
        return redirect("staff:pb_paper", rnd.pk)
    return csv_response(f"voting-codes-round-{rnd.pk}.csv", [_("Voting code")], [[c] for c in codes])


@staff_view(Capability.BUDGETING)
@require_http_methods(["GET", "POST"])
def round_import_view(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        raw = upload.read(pabulib_io.MAX_BYTES + 1)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            form.add_error("file", _("The file is not UTF-8 text."))
        else:
            try:
                rnd = pabulib_io.round_import(council=request.council, actor=request.user, text=text,
                                              rule=form.cleaned_data["rule"],
                                              completion=form.cleaned_data["completion"],
                                              filename=upload.name, request=request)
            except ValidationError as error:
                _errors(form, error)
            else:
                messages.success(request, _("The file is imported and counted as a finished round. It is not "
                                            "public until you tick “shown to residents”."))
                return redirect("staff:pb_round", rnd.pk)
    return render(request, "budgeting/staff/import.html", {"form": form})


@staff_view(Capability.BUDGETING)
def round_export_view(request, round_id: int, key: str):
    rnd = _round(request, round_id)
    try:
        text = pabulib_io.round_export(rnd, key)
    except ValidationError as error:
        _flash(request, error)
        return redirect("staff:pb_round", rnd.pk)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="round-{rnd.pk}-{key}.pb"'
    return response


@staff_view(Capability.BUDGETING, Capability.RESULTS)
def turnout_view(request, round_id: int):
    rnd = _round(request, round_id)
    if not rnd.voter_records.exists():
        raise Http404
    return render(request, "budgeting/staff/turnout.html", {"round": rnd, "tables": turnout.turnout(rnd)})
