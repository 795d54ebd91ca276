"""Residents' pages of a participatory-budgeting round: the round and its timeline, ideas,
proposing an idea, the vote, the result, one's own ballot, and what was built."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicpanel.accounts.permissions import membership_for
from civicpanel.budgeting import (
    explain,
    pabulib_io,
    resident_data,
    residents,
    selectors,
    services,
    voting,
)
from civicpanel.budgeting.forms import IdeaForm, ResidentAccessForm, ResidentEraseForm, ResidentForm
from civicpanel.budgeting.models import Idea, IdeaImage, Round
from civicpanel.common.security import client_ip, token_hash
from civicpanel.common.tokenurls import token_miss, token_url
from civicpanel.members import services as member_services
from civicpanel.members.views import SESSION_COUNCIL, SESSION_MEMBER


def _council(request):
    if not request.council:
        raise Http404
    return request.council


def _round(request, round_id: int) -> Round:
    return selectors.round_get(council=_council(request), round_id=round_id, public=True)


def current_member(request):
    council = _council(request)
    if request.session.get(SESSION_COUNCIL) != council.pk:
        return None
    return member_services.member_for_session(council=council, member_id=request.session.get(SESSION_MEMBER))


SESSION_RESIDENT = "budgeting.resident_id"
SESSION_RESIDENT_COUNCIL = "budgeting.council_id"


def current_resident(request):
    council = _council(request)
    if request.session.get(SESSION_RESIDENT_COUNCIL) != council.pk:
        return None
    return residents.resident_for_session(council=council, resident_id=request.session.get(SESSION_RESIDENT))


def current_voter(request) -> voting.Voter | None:
    member = current_member(request)
    if member is not None:
        return voting.voter_for_member(member)
    resident = current_resident(request)
    return voting.voter_for_resident(resident) if resident is not None else None


@never_cache
@require_http_methods(["GET", "POST"])
def resident_join_view(request, round_id: int):
    """A resident without panel membership takes part with a confirmed e-mail."""
    rnd = _round(request, round_id)
    if not rnd.allow_residents:
        raise Http404
    form = ResidentForm(request.POST or None, rnd=rnd)
    if request.method == "POST" and form.is_valid():
        key = f"{rnd.council_id}:{client_ip(request) or 'unknown'}"
        if member_services.rate_limit_hit(scope="pb-resident", key=key, limit=member_services.SIGNUP_LIMIT_PER_IP):
            response = render(request, "members/rate_limited.html", status=429)
            response["Retry-After"] = str(member_services.RATE_WINDOW)
            return response
        data = form.cleaned_data
        try:
            residents.resident_request(council=rnd.council, round=rnd, email=data["email"],
                                       postal_code=data["postal_code"], birth_year=data["birth_year"],
                                       district=data["district"], language=get_language() or "da",
                                       wants_updates=data["wants_updates"])
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            return render(request, "budgeting/resident_sent.html", {"round": rnd, "email": data["email"]})
    return render(request, "budgeting/resident_join.html", {"round": rnd, "form": form})


SESSION_CONFIRM_LINK = "budgeting.confirm_link"


@never_cache
@token_url
@require_http_methods(["GET", "POST"])
def resident_confirm_view(request, round_id: int, token: str):
    """The link from the e-mail: keep its hash in the session and go on to the address without
    the token (the page with the button: mail scanners open links). A POST straight to the link
    still confirms."""
    rnd = _round(request, round_id)
    if residents.resident_link_find(council=rnd.council, token=token) is None:
        token_miss(request)
        return render(request, "budgeting/resident_link_invalid.html", {"round": rnd}, status=410)
    if request.method == "POST":
        return _resident_confirm(request, rnd, hashed=token_hash(token))
    request.session[SESSION_CONFIRM_LINK] = token_hash(token)
    return redirect("budgeting:resident_confirm_continue", rnd.pk)


@never_cache
@require_http_methods(["GET", "POST"])
def resident_confirm_continue_view(request, round_id: int):
    rnd = _round(request, round_id)
    return _resident_confirm(request, rnd, hashed=request.session.get(SESSION_CONFIRM_LINK, ""))


def _resident_confirm(request, rnd: Round, *, hashed: str):
    council = rnd.council
    if request.method == "POST":
        resident = residents.resident_confirm(council=council, hashed=hashed)
        if resident is not None:
            request.session.cycle_key()
            request.session.pop(SESSION_CONFIRM_LINK, None)
            request.session[SESSION_RESIDENT] = resident.pk
            request.session[SESSION_RESIDENT_COUNCIL] = council.pk
            if getattr(resident, "returning", False):  # a link to one's own data
                return redirect("budgeting:my", rnd.pk)
            messages.success(request, _("Your e-mail is confirmed. You can take part in the round now."))
            return redirect("budgeting:round", rnd.pk)
    elif residents.resident_link_usable(council=council, hashed=hashed):
        return render(request, "budgeting/resident_confirm.html", {"round": rnd})
    return render(request, "budgeting/resident_link_invalid.html", {"round": rnd}, status=410)


@never_cache
@require_http_methods(["GET", "POST"])
def resident_access_view(request, round_id: int):
    """A resident who took part asks for a link to their own data; the page says the same
    whatever the address."""
    rnd = _round(request, round_id)
    form = ResidentAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = f"{rnd.council_id}:{client_ip(request) or 'unknown'}"
        if member_services.rate_limit_hit(scope="pb-access", key=key, limit=member_services.SIGNUP_LIMIT_PER_IP):
            response = render(request, "members/rate_limited.html", status=429)
            response["Retry-After"] = str(member_services.RATE_WINDOW)
            return response
        residents.resident_access_request(council=rnd.council, round=rnd, email=form.cleaned_data["email"])
        return render(request, "budgeting/resident_access_sent.html", {"round": rnd})
    return render(request, "budgeting/resident_access.html", {"round": rnd, "form": form})


def _resident_or_login(request, rnd: Round):
    resident = current_resident(request)
    if resident is None:
        return None, redirect("budgeting:resident_access", rnd.pk)
    return resident, None


@never_cache
def resident_data_view(request, round_id: int):
    rnd = _round(request, round_id)
    resident, response = _resident_or_login(request, rnd)
    if response:
        return response
    data = json.dumps(resident_data.resident_data(resident), ensure_ascii=False, indent=2)
    download = HttpResponse(data, content_type="application/json; charset=utf-8")
    download["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return download


@never_cache
@require_POST
def resident_updates_view(request, round_id: int):
    rnd = _round(request, round_id)
    resident, response = _resident_or_login(request, rnd)
    if response:
        return response
    residents.resident_updates_set(resident=resident, wants_updates=request.POST.get("wants_updates") == "on")
    messages.success(request, _("Your choice is saved."))
    return redirect("budgeting:my", rnd.pk)


@never_cache
@require_POST
def resident_erase_view(request, round_id: int):
    rnd = _round(request, round_id)
    resident, response = _resident_or_login(request, rnd)
    if response:
        return response
    form = ResidentEraseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm that your data should be erased."))
        return redirect("budgeting:my", rnd.pk)
    resident_data.resident_erase(resident=resident)
    request.session.flush()
    return render(request, "budgeting/resident_erased.html", {"round": rnd})


def round_list_view(request):
    council = _council(request)
    return render(request, "budgeting/round_list.html", {
        "rounds": selectors.round_list(council=council, public=True),
        "built": selectors.funded_projects(council=council).exists(),
    })


def round_view(request, round_id: int):
    rnd = _round(request, round_id)
    pots = voting.pots(rnd)
    return render(request, "budgeting/round.html", {
        "round": rnd, "timeline": selectors.timeline(rnd), "pots": pots,
        "district_budgets": rnd.district_budgets.select_related("district"),
        "rule_words": explain.rule_in_words(rnd),
        "projects": selectors.projects(council=rnd.council, rnd=rnd) if rnd.projects_frozen_at or rnd.stage in (
            Round.Stage.ASSESSMENT,) else [],
        "n_ideas": selectors.public_ideas(council=rnd.council, rnd=rnd).count(),
        "has_funded": rnd.is_counted and rnd.projects.filter(funded=True).exists(),
    })


def ideas_view(request, round_id: int):
    rnd = _round(request, round_id)
    return render(request, "budgeting/ideas.html", {"round": rnd,
                                                     "ideas": selectors.public_ideas(council=rnd.council, rnd=rnd)})


@never_cache
@require_http_methods(["GET", "POST"])
def idea_new_view(request, round_id: int):
    rnd = _round(request, round_id)
    if not rnd.accepts_ideas:
        messages.info(request, _("This round does not take ideas at the moment."))
        return redirect("budgeting:round", rnd.pk)
    member = current_member(request)
    resident = current_resident(request) if member is None else None
    if member is None and resident is None:
        return render(request, "budgeting/login_needed.html", {"round": rnd, "next": request.path})
    form = IdeaForm(request.POST or None, request.FILES or None, rnd=rnd)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.idea_submit(council=rnd.council, round=rnd, author_member=member, author_resident=resident,
                                 title=data["title"],
                                 description=data["description"], district=data["district"], place=data["place"],
                                 cost_estimate=data["cost_estimate"], category=data["category"],
                                 uploads=form.uploads())
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Thank you for your idea! Staff check each idea before it is shown to "
                                        "everyone; you will see it here within a few days."))
            return redirect("budgeting:my", rnd.pk)
    return render(request, "budgeting/idea_form.html", {"round": rnd, "form": form})


def projects_view(request, round_id: int):
    rnd = _round(request, round_id)
    return render(request, "budgeting/projects.html", {
        "round": rnd, "projects": selectors.projects(council=rnd.council, rnd=rnd).exclude(decision="pending")})


@never_cache
@require_http_methods(["GET", "POST"])
def vote_view(request, round_id: int, pot: str):
    rnd = _round(request, round_id)
    if pot not in voting.pots(rnd):
        raise Http404
    voter = current_voter(request)
    if voter is None:
        return render(request, "budgeting/login_needed.html", {"round": rnd, "next": request.path, "voting": True})
    problem = voting.eligibility_problem(rnd, voter)
    district = None
    if pot == "district":
        district_id = request.POST.get("district") or request.GET.get("district")
        options = {rd.district_id: rd.district for rd in rnd.district_budgets.select_related("district")}
        voted_in = voting.voted_district(rnd, voter)
        if voted_in is not None and voted_in.pk in options:
            district = voted_in  # a ballot can be changed, not moved to another district
        elif district_id and str(district_id).isdecimal() and int(district_id) in options:
            district = options[int(district_id)]
        elif voter.district is not None and voter.district.pk in options:
            district = voter.district
        if district is None:
            return render(request, "budgeting/choose_district.html", {"round": rnd, "districts": options.values()})
    existing = voting.ballot_of(rnd, voter, pot)
    error = None
    if request.method == "POST" and rnd.voting_open and not problem:
        choices = request.POST.getlist("project")
        points = []
        if rnd.ballot_kind == Round.BallotKind.POINTS:
            choices = [c for c in choices if request.POST.get(f"points_{c}", "").strip() not in ("", "0")]
            points = [request.POST.get(f"points_{c}", "") for c in choices]
        elif rnd.ballot_kind == Round.BallotKind.RANKING:
            ranked = []
            for key, value in request.POST.items():
                if key.startswith("rank_") and value.strip():
                    ranked.append((value.strip(), key[5:]))
            try:
                ranked.sort(key=lambda t: int(t[0]))
            except ValueError:
                ranked = []
                error = _("Ranks must be whole numbers: 1 for the project you want most.")
            ranks = [r for r, _c in ranked]
            if len(set(ranks)) != len(ranks):
                error = _("Give each project its own rank: two projects have the same number.")
            choices = [c for _r, c in ranked]
        if error is None:
            try:
                voting.ballot_cast(round=rnd, voter=voter, pot=pot, choices=choices, points=points, district=district)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, _("Thank you for voting! Your ballot is in the ballot box."))
                return redirect("budgeting:my", rnd.pk)
    budget = voting.pot_budget(rnd, pot, district)
    chosen = {}
    if existing is not None:
        chosen = {n: (existing.points[i] if existing.points else i + 1) for i, n in enumerate(existing.choices)}
    return render(request, "budgeting/vote.html", {
        "round": rnd, "pot": pot, "district": district, "budget": budget, "problem": problem, "error": error,
        "projects": voting.pot_projects(rnd, pot, district), "existing": existing, "chosen": chosen,
        "rule_words": explain.rule_in_words(rnd), "ballot_words": explain.ballot_in_words(rnd, budget),
        "posted": request.POST if error else None,
    }, status=400 if error else 200)


def results_view(request, round_id: int):
    rnd = _round(request, round_id)
    return render(request, "budgeting/results.html", {
        "round": rnd, "pots": selectors.results(council=rnd.council, rnd=rnd),
        "pb_files": pabulib_io.pot_keys(rnd) if rnd.is_counted else [],
        "rule_words": explain.rule_in_words(rnd),
    })


@never_cache
def my_view(request, round_id: int):
    rnd = _round(request, round_id)
    voter = current_voter(request)
    if voter is None:
        return render(request, "budgeting/login_needed.html", {"round": rnd, "next": request.path})
    ballots = []
    numbers = {p.number: p for p in rnd.projects.all()}
    for pot in voting.pots(rnd):
        ballot = voting.ballot_of(rnd, voter, pot)
        if ballot is not None:
            ballots.append({"pot": pot, "ballot": ballot, "district": ballot.district,
                            "projects": [numbers[n] for n in ballot.choices if n in numbers],
                            "helped": [numbers[n] for n in ballot.helped_pay if n in numbers]})
    if voter.member:
        ideas = Idea.objects.filter(round=rnd, author_member=voter.member)
    else:
        ideas = Idea.objects.filter(round=rnd, author_resident=voter.resident)
    return render(request, "budgeting/my.html", {"round": rnd, "ballots": ballots, "ideas": ideas,
                                                 "can_vote": rnd.voting_open, "pots": voting.pots(rnd),
                                                 "resident": voter.resident if not voter.member else None})


def pabulib_view(request, round_id: int, key: str):
    """The counted votes of one pot as open data: projects and anonymous ballots, no voter."""
    rnd = _round(request, round_id)
    if not rnd.is_counted:
        raise Http404
    try:
        text = pabulib_io.round_export(rnd, key)
    except ValidationError:
        raise Http404 from None
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="round-{rnd.pk}-{key}.pb"'
    return response


def image_view(request, key: str):
    """A re-encoded image, served with headers that stop any browser from treating it as anything else."""
    council = _council(request)
    image = IdeaImage.objects.filter(key=key).select_related("idea__round", "project__round", "update__project__round").first()
    if image is None:
        raise Http404
    owner = image.idea or image.project or (image.update.project if image.update_id else None)
    if owner is None or owner.council_id != council.pk:
        raise Http404
    public = owner.round.published and (not image.idea_id or image.idea.status == image.idea.Status.PUBLIC)
    if not public and membership_for(request.user, council) is None:  # staff screen what is not public yet
        raise Http404
    response = HttpResponse(bytes(image.data), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{image.key}.jpg"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=86400" if public else "private, no-store"
    return response


def built_view(request):
    council = _council(request)
    return render(request, "budgeting/built.html", {"projects": selectors.funded_projects(council=council)})

