"""Staff pages that build a survey: list, create, edit, pages and questions, copy, templates, preview."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability, can
from civicpanel.common.sorting import list_sort, sort_rows
from civicpanel.surveys import conditions, selectors, services
from civicpanel.surveys.effort import survey_effort
from civicpanel.surveys.forms import PageForm, PurposeForm, QuestionForm, SurveyForm
from civicpanel.surveys.models import Question, Survey
from civicpanel.surveys.purpose import purpose_missing, survey_purpose
from civicpanel.surveys.questions import option_codes, option_label
from civicpanel.surveys.survey_templates import TEMPLATES
from civicpanel.surveys.views_answer import page_context


def add_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the named field if the form has it,
    else at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _flash(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@staff_view(Capability.RESULTS)
def survey_list_view(request):
    sorting = list_sort(request.GET, selectors.SURVEY_SORTS)
    surveys = sort_rows(selectors.survey_list(council=request.council), sorting, selectors.SURVEY_SORTS)
    return render(request, "surveys/staff/list.html", {
        "surveys": surveys, "sorting": sorting, "can_build": can(request.membership, Capability.SURVEYS),
        "templates": TEMPLATES.items(),
    })


@staff_view(Capability.SURVEYS)
@require_http_methods(["GET", "POST"])
def survey_create_view(request):
    form = SurveyForm(request.POST or None, languages=request.council.language_codes)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(council=request.council, actor=request.user, request=request,
                                            **form.service_kwargs())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Survey created. Now add its questions."))
            return redirect("staff:survey_detail", survey.pk)
    return render(request, "surveys/staff/survey_form.html", {"form": form, "survey": None})


@staff_view(Capability.SURVEYS)
@require_POST
def survey_from_template_view(request, key: str):
    try:
        survey = services.survey_from_template(council=request.council, actor=request.user, key=key, request=request)
    except ValidationError as error:
        _flash(request, error)
        return redirect("staff:surveys")
    messages.success(request, _("Survey created from the template. Adjust it to your area."))
    return redirect("staff:survey_detail", survey.pk)


@staff_view(Capability.SURVEYS)
def survey_detail_view(request, survey_id: int):
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    structure = selectors.survey_structure(survey)
    by_uid = structure.by_uid
    pages = []
    first, last = (structure.questions[0].pk, structure.questions[-1].pk) if structure.questions else (None, None)
    for page in structure.pages:
        items = []
        for question in page.survey_questions:
            items.append({
                "q": question, "number": structure.number_of(question) if question.answerable else None,
                "condition": conditions.describe(question.condition, by_uid),
                "codes": [(code, option_label(question, code)) for code in option_codes(question)],
                "details": question_details(question),
                "can_up": question.pk != first, "can_down": question.pk != last,
            })
        pages.append({"page": page, "items": items, "condition": conditions.describe(page.condition, by_uid)})
    return render(request, "surveys/staff/detail.html", {
        "survey": survey, "pages": pages, "kinds": Question.Kind.choices,
        "editable": survey.status != Survey.Status.CLOSED,
        "waves": selectors.wave_list(council=request.council, survey=survey),
        "counts": selectors.survey_counts(council=request.council, survey=survey),
        "purpose": survey_purpose(survey), "purpose_missing": purpose_missing(survey),
        "effort": survey_effort(council=request.council, survey=survey),
        "now_time": timezone.now(),
    })


@staff_view(Capability.SURVEYS)
@require_http_methods(["GET", "POST"])
def survey_edit_view(request, survey_id: int):
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    form = SurveyForm(request.POST or None, languages=request.council.language_codes, survey=survey)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_update(council=request.council, actor=request.user, survey=survey, request=request,
                                   **form.service_kwargs())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Survey saved."))
            return redirect("staff:survey_detail", survey.pk)
    return render(request, "surveys/staff/survey_form.html", {"form": form, "survey": survey})


@staff_view(Capability.SURVEYS)
@require_http_methods(["GET", "POST"])
def survey_purpose_view(request, survey_id: int):
    """Purpose before sending, decision and action afterwards. `?next=send` (from the send page
    that refused) returns there after saving."""
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    form = PurposeForm(request.POST or None, languages=request.council.language_codes, survey=survey)
    back_to_send = request.GET.get("next") == "send"
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_purpose_update(council=request.council, actor=request.user, survey=survey,
                                           request=request, **form.service_kwargs())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Purpose and decision saved."))
            return redirect("staff:survey_send" if back_to_send else "staff:survey_detail", survey.pk)
    return render(request, "surveys/staff/purpose_form.html", {
        "form": form, "survey": survey, "back_to_send": back_to_send,
    })


@staff_view(Capability.SURVEYS)
@require_POST
def survey_action_view(request, survey_id: int, action: str):
    """The one-click actions on a survey: copy, open, close, add a page."""
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    kwargs = {"council": request.council, "actor": request.user, "survey": survey, "request": request}
    try:
        if action == "copy":
            copy = services.survey_copy(**kwargs)
            messages.success(request, _("This is the copy. The original is unchanged."))
            return redirect("staff:survey_detail", copy.pk)
        if action == "open":
            services.survey_open(**kwargs)
            messages.success(request, _("The survey is open for answers."))
        elif action == "close":
            services.survey_close(**kwargs)
            messages.success(request, _("The survey is closed."))
        elif action == "add_page":
            services.page_add(**kwargs)
            messages.success(request, _("Page added at the end."))
        else:
            raise Http404
    except ValidationError as error:
        _flash(request, error)
    return redirect("staff:survey_detail", survey.pk)


def question_details(question: Question) -> str:
    """A one-line summary of a question's set-up for the builder list."""
    from civicpanel.common.models import translated

    settings = question.settings
    kind = question.kind
    if kind in (Question.Kind.SCALE, Question.Kind.MATRIX):
        text = _("Scale %(low)s–%(high)s") % {"low": settings.get("scale_min", 1), "high": settings.get("scale_max", 5)}
        ends = [translated(settings.get("low_label")), translated(settings.get("high_label"))]
        if any(ends):
            text += f" ({ends[0]} … {ends[1]})"
        if kind == Question.Kind.MATRIX:
            text += "; " + _("rows: %(rows)s") % {"rows": ", ".join(translated(r["label"]) for r in settings.get("rows", []))}
        return text
    if kind == Question.Kind.NUMBER and (settings.get("min") is not None or settings.get("max") is not None):
        return _("From %(low)s to %(high)s") % {"low": settings.get("min", "–"), "high": settings.get("max", "–")}
    if kind == Question.Kind.MULTI and settings.get("max_choices"):
        return _("At most %(n)s choices") % {"n": settings["max_choices"]}
    return ""


def _sources_before(structure, page) -> list[Question]:
    start = structure.page_start(page)
    return structure.questions[:start]


@staff_view(Capability.SURVEYS)
@require_http_methods(["GET", "POST"])
def page_edit_view(request, survey_id: int, page_id: int):
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    page = selectors.page_get(council=request.council, survey=survey, page_id=page_id)
    structure = selectors.survey_structure(survey)
    form = PageForm(request.POST or None, languages=request.council.language_codes, page=page,
                    sources=_sources_before(structure, page))
    if request.method == "POST" and form.is_valid():
        try:
            services.page_update(council=request.council, actor=request.user, page=page, title=form.titles(),
                                 condition=form.condition(), request=request)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Page saved."))
            return redirect("staff:survey_detail", survey.pk)
    return render(request, "surveys/staff/page_form.html", {"form": form, "survey": survey, "page": page})


@staff_view(Capability.SURVEYS)
@require_POST
def page_action_view(request, survey_id: int, page_id: int, action: str):
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    page = selectors.page_get(council=request.council, survey=survey, page_id=page_id)
    kwargs = {"council": request.council, "actor": request.user, "page": page, "request": request}
    try:
        if action == "up":
            services.page_move(direction=-1, **kwargs)
        elif action == "down":
            services.page_move(direction=1, **kwargs)
        elif action == "delete":
            services.page_delete(**kwargs)
            messages.success(request, _("Page deleted."))
        else:
            raise Http404
    except ValidationError as error:
        _flash(request, error)
    return redirect(f"{survey_detail_url(survey)}#page-{page.pk}")


def survey_detail_url(survey: Survey) -> str:
    from django.urls import reverse

    return reverse("staff:survey_detail", args=[survey.pk])


@staff_view(Capability.SURVEYS)
@require_http_methods(["GET", "POST"])
def question_create_view(request, survey_id: int, page_id: int):
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    page = selectors.page_get(council=request.council, survey=survey, page_id=page_id)
    kind = request.POST.get("kind") or request.GET.get("kind")
    if kind not in Question.Kind.values:
        raise Http404
    structure = selectors.survey_structure(survey)
    form = QuestionForm(request.POST if "text_" + request.council.language_codes[0] in request.POST else None,
                        languages=request.council.language_codes, kind=kind, sources=_sources_before(structure, page))
    if form.is_bound and form.is_valid():
        try:
            question = services.question_create(council=request.council, actor=request.user, page=page, kind=kind,
                                                request=request, **form.service_kwargs())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Question added."))
            return redirect(f"{survey_detail_url(survey)}#question-{question.pk}")
    return render(request, "surveys/staff/question_form.html", {
        "form": form, "survey": survey, "page": page, "kind": kind,
        "kind_label": Question.Kind(kind).label, "question": None,
    })


@staff_view(Capability.SURVEYS)
@require_http_methods(["GET", "POST"])
def question_edit_view(request, survey_id: int, question_id: int):
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    question = selectors.question_get(council=request.council, survey=survey, question_id=question_id)
    structure = selectors.survey_structure(survey)
    page = next(p for p in structure.pages if p.pk == question.page_id)
    form = QuestionForm(request.POST or None, languages=request.council.language_codes, kind=question.kind,
                        question=question, sources=_sources_before(structure, page))
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(council=request.council, actor=request.user, question=question,
                                     request=request, **form.service_kwargs())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Question saved."))
            return redirect(f"{survey_detail_url(survey)}#question-{question.pk}")
    return render(request, "surveys/staff/question_form.html", {
        "form": form, "survey": survey, "page": page, "kind": question.kind,
        "kind_label": question.get_kind_display(), "question": question,
    })


@staff_view(Capability.SURVEYS)
@require_POST
def question_action_view(request, survey_id: int, question_id: int, action: str):
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    question = selectors.question_get(council=request.council, survey=survey, question_id=question_id)
    kwargs = {"council": request.council, "actor": request.user, "question": question, "request": request}
    anchor = f"#question-{question.pk}"
    try:
        if action == "up":
            services.question_move(direction=-1, **kwargs)
        elif action == "down":
            services.question_move(direction=1, **kwargs)
        elif action == "place":
            # The drag-and-drop script: page and position to drop the question at.
            try:
                page = selectors.page_get(council=request.council, survey=survey, page_id=int(request.POST["page"]))
                index = int(request.POST["index"])
            except (KeyError, ValueError):
                raise Http404 from None
            services.question_place(page=page, index=index, **kwargs)
        elif action == "delete":
            services.question_delete(**kwargs)
            messages.success(request, _("Question deleted."))
            anchor = ""
        else:
            raise Http404
    except ValidationError as error:
        _flash(request, error)
    return redirect(survey_detail_url(survey) + anchor)


@staff_view(Capability.SURVEYS)
@require_http_methods(["GET", "POST"])
def preview_view(request, survey_id: int):
    """The survey exactly as a resident sees it; answers live only in the staff member's session
    (so conditions can be tried out) and are never saved."""
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    structure = selectors.survey_structure(survey)
    key = f"survey_preview_{survey.pk}"
    state = request.session.get(key) or {"values": {}, "others": {}, "page": 0}
    if request.GET.get("restart"):
        state = {"values": {}, "others": {}, "page": 0}
    errors: dict = {}
    flow = services.visible_flow(structure, state["values"])
    order = [p.pk for p, _qs in flow]
    if request.method == "POST" and flow:
        try:
            page_id = int(request.POST.get("page", "0"))
        except ValueError:
            page_id = 0
        current = next(((p, qs) for p, qs in flow if p.pk == page_id), None)
        if current is not None:
            result = services.read_page(structure=structure, page_questions=current[1], data=request.POST)
            state["values"].update(result.values)
            state["others"].update(result.others)
            errors = result.errors
            if not errors:
                flow = services.visible_flow(structure, state["values"])
                order = [p.pk for p, _qs in flow]
                position = order.index(page_id) if page_id in order else -1
                if position + 1 >= len(order):
                    request.session[key] = {"values": {}, "others": {}, "page": 0}
                    return render(request, "surveys/answer_message.html", {
                        "heading": _("Thank you!"), "survey": survey, "kind": "thanks", "preview": True,
                    })
                state["page"] = order[position + 1]
                request.session[key] = state
                return redirect("staff:survey_preview", survey.pk)
            state["page"] = page_id
    if not flow:
        messages.error(request, _("The survey has no questions to preview yet."))
        return redirect("staff:survey_detail", survey.pk)
    wanted = request.GET.get("page")
    if wanted and wanted.isdecimal() and int(wanted) in order:
        state["page"] = int(wanted)
    request.session[key] = state
    current_id = state["page"] if state["page"] in order else order[0]
    page = next(p for p, _qs in flow if p.pk == current_id)
    context = page_context(survey=survey, flow=flow, page=page, values=state["values"], others=state["others"],
                           errors=errors, structure=structure)
    context["preview"] = True
    return render(request, "surveys/answer_page.html", context)
