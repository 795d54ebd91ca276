"""Staff pages for choosing who is asked, sending, reminding, following and results."""

from __future__ import annotations

import datetime
import re
import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability, can
from civicpanel.common.formatting import number
from civicpanel.members.member_sets import member_set
from civicpanel.surveys import exports, results, selectors, services, waves
from civicpanel.surveys.audience import audience_plan, composition, profile_questions
from civicpanel.surveys.forms import AudienceForm
from civicpanel.surveys.invitations import invitation_preview
from civicpanel.surveys.next_steps import survey_next_steps
from civicpanel.surveys.purpose import LABELS, purpose_missing
from civicpanel.surveys.representativeness import survey_representativeness
from civicpanel.surveys.results_cache import survey_results
from civicpanel.surveys.sampling import DEFAULT_FEATURES, new_seed, population_features, sample_draw
from civicpanel.surveys.views_builder import add_errors

# The send page's last choice per survey (the query, seed included), kept in the staff member's
# session: leaving the page and coming back shows the same audience and the same drawn sample,
# until they choose to draw again or start afresh.
SESSION_KEY = "surveys.send.{survey_id}"
# Query parameters that steer the page rather than describe the audience.
CONTROL_PARAMS = {"redraw", "fresh", "csrfmiddlewaretoken", "action", "confirmation"}


def _audience_data(request, survey) -> tuple[QueryDict, bool]:
    """The audience as asked, or the last one kept in the session; and whether it was restored."""
    key = SESSION_KEY.format(survey_id=survey.pk)
    if request.method == "POST":
        return request.POST, False
    if request.GET.get("fresh"):
        request.session.pop(key, None)
        return QueryDict(), False
    if not request.GET and request.session.get(key):
        return QueryDict(request.session[key]), True
    return request.GET, False


def _remember(request, survey, data: QueryDict) -> None:
    kept = data.copy()
    for name in CONTROL_PARAMS:
        kept.pop(name, None)
    request.session[SESSION_KEY.format(survey_id=survey.pk)] = kept.urlencode()


def _first_recipient_preview(*, council, survey, member_ids, message_key: str) -> dict | None:
    member = selectors.member_first(council=council, member_ids=member_ids)
    if member is None:
        return None
    return invitation_preview(council=council, survey=survey, member=member, message_key=message_key)


@staff_view(Capability.SURVEYS)
@require_http_methods(["GET", "POST"])
def send_view(request, survey_id: int):
    """Choose the audience, see how many and how they are composed, then confirm and send.

    GET shows the audience (and a drawn sample, whose seed is kept until "Draw a new sample");
    POST "confirm" shows the confirmation page: the number of recipients and the e-mail as the
    first of them will get it; POST "send" from that page sends, once per confirmation key."""
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    if missing := purpose_missing(survey):
        # No audience can be chosen for a survey whose use nobody has written down.
        return render(request, "surveys/staff/send_needs_purpose.html", {
            "survey": survey, "missing": [LABELS[name] for name in missing],
        })
    questions = profile_questions(council=request.council)
    segments = list(selectors.segment_list(council=request.council))
    # Always bound: no filter at all is the whole panel, shown with its numbers straight away.
    data, restored = _audience_data(request, survey)
    features = [f for f in population_features(council=request.council) if f.usable]
    if data.get("audience") == "sample":
        data = data.copy()
        kept = QueryDict(request.session.get(SESSION_KEY.format(survey_id=survey.pk), ""))
        if data.get("redraw"):
            data["sample_seed"] = str(new_seed())
        elif not data.get("sample_seed", "").strip():
            # The seed drawn before, until staff draw again; else a random one. Shown in the
            # preview and carried to the send, so what is sent is what was shown.
            data["sample_seed"] = kept.get("sample_seed") or str(new_seed())
        if not data.getlist("sample_features"):
            data.setlist("sample_features", [f.key for f in features[:DEFAULT_FEATURES]])
    form = AudienceForm(data, questions=questions, segments=segments, sample_features=features, council=request.council)
    plan = draw = None
    if form.is_valid():
        action = request.POST.get("action") if request.method == "POST" else None
        if request.method == "GET":
            _remember(request, survey, data)
        try:
            if action == "save_segment":
                segment = services.segment_save(council=request.council, actor=request.user,
                                                name=form.cleaned_data["segment_name"], filters=form.filters(),
                                                request=request)
                messages.success(request, _("Segment “%(name)s” saved.") % {"name": segment.name})
                return redirect(f"{request.path}?segment={segment.pk}")
            confirmation = request.POST.get("confirmation", "")
            if action == "send" and CONFIRMATION_RE.fullmatch(confirmation):
                return _send(request, survey, form, confirmation)
        except ValidationError as error:
            add_errors(form, error)
        channel = form.chosen_channel()
        confirming = action in ("send", "confirm")
        # The confirmation page shows no composition: counted only if the send page is shown again.
        plan = audience_plan(council=request.council, survey=survey, filters=form.filters(), channel=channel,
                             with_composition=not confirming)
        sample = form.sample_request()
        if sample is not None:
            draw = sample_draw(council=request.council, survey=survey, member_ids=plan.ids, request=sample,
                               profiles=plan.profile_arrays(council=request.council))
        recipients = (draw.selected if draw is not None else plan.member_ids) if not (draw and draw.errors) else []
        preview = _first_recipient_preview(council=request.council, survey=survey, member_ids=recipients,
                                           message_key=waves.INVITATION_MESSAGE) if channel == "email" else None
        if action in ("send", "confirm") and not recipients and not form.errors and not (draw and draw.errors):
            form.add_error(None, _("Nobody to invite: everyone in this audience is left out or already invited."))
        if action in ("send", "confirm") and recipients and not form.errors:
            return render(request, "surveys/staff/send_confirm.html", {
                "survey": survey, "form": form, "plan": plan, "draw": draw, "recipients": len(recipients),
                "preview": preview, "send_at": form.cleaned_data.get("send_at"), "channel": channel,
                "confirmation": secrets.token_hex(16), "back_query": _query_without_controls(data),
                "fingerprint": draw.fingerprint() if draw is not None else "",
            })
        if confirming:
            plan.composition = composition(council=request.council, member_ids=plan.ids,
                                           profiles=plan.profile_arrays(council=request.council))
    else:
        preview = None
    return render(request, "surveys/staff/send.html", {"survey": survey, "form": form, "plan": plan, "draw": draw,
                                                        "restored": restored, "preview": preview,
                                                        "preparing": waves.preparing(survey),
                                                        "channel": form.chosen_channel() if form.is_valid() else "email"})


CONFIRMATION_RE = re.compile(r"[0-9a-f]{32}")


def _query_without_controls(data: QueryDict) -> str:
    kept = data.copy()
    for name in CONTROL_PARAMS:
        kept.pop(name, None)
    return kept.urlencode()


def _send(request, survey, form, confirmation: str):
    try:
        wave = services.wave_send(
            council=request.council, actor=request.user, survey=survey, filters=form.filters(),
            segment=form.chosen_segment(), send_at=form.cleaned_data.get("send_at") if form.chosen_channel() == "email" else None,
            sample=form.sample_request(), request=request, confirmation=confirmation, channel=form.chosen_channel(),
            sample_fingerprint=request.POST.get("sample_fingerprint", ""),
        )
    except IntegrityError:
        # Two clicks at the same moment: the other request sent it; show what it sent.
        wave = selectors.wave_by_confirmation(council=request.council, survey=survey, confirmation=confirmation)
    request.session.pop(SESSION_KEY.format(survey_id=survey.pk), None)
    if wave.channel != wave.Channel.EMAIL:
        messages.success(request, ngettext(
            "%(n)s member is invited on paper or by phone: print the questionnaire below.",
            "%(n)s members are invited on paper or by phone: print their questionnaires below.",
            wave.recipient_count) % {"n": number(wave.recipient_count)})
        return redirect("staff:survey_paper", survey.pk)
    if wave.prepared:
        text = ngettext("%(n)s invitation queued.", "%(n)s invitations queued.", wave.recipient_count) % {
            "n": number(wave.recipient_count)}
    else:
        text = ngettext("The invitation to %(n)s member is being prepared; it is queued as soon as it is ready.",
                        "The invitations to %(n)s members are being prepared; they are queued as soon as they are "
                        "ready, usually within a minute or two.", wave.recipient_count) % {
            "n": number(wave.recipient_count)}
    left = sum(wave.left_out.values())
    if left:
        text += " " + ngettext("%(n)s member left out (see the list before sending).",
                               "%(n)s members left out (see the list before sending).", left) % {"n": number(left)}
    messages.success(request, text)
    return redirect("staff:survey_progress", survey.pk)


@staff_view(Capability.SURVEYS)
@require_http_methods(["GET", "POST"])
def remind_view(request, survey_id: int):
    """GET: who would be reminded and the reminder as the first of them gets it; POST from that
    page: send it, once per confirmation key."""
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    confirmation = request.POST.get("confirmation", "")
    if request.method == "POST" and CONFIRMATION_RE.fullmatch(confirmation):
        try:
            wave = services.reminder_send(council=request.council, actor=request.user, survey=survey,
                                          due_only=False, request=request, confirmation=confirmation)
        except IntegrityError:
            wave = selectors.wave_by_confirmation(council=request.council, survey=survey, confirmation=confirmation)
        if wave is None:
            messages.info(request, _("Nobody to remind: everyone has answered or had all the reminders this survey allows."))
        else:
            messages.success(request, ngettext("Reminder queued for %(n)s member who has not answered.",
                                               "Reminder queued for %(n)s members who have not answered.",
                                               wave.recipient_count) % {"n": number(wave.recipient_count)})
        return redirect("staff:survey_progress", survey.pk)
    due = list(services.reminder_recipients(council=request.council, survey=survey))
    preview = None
    if due:
        preview = invitation_preview(council=request.council, survey=survey, member=due[0].member,
                                     message_key=services.REMINDER_MESSAGE)
    return render(request, "surveys/staff/remind_confirm.html", {
        "survey": survey, "recipients": len(due), "preview": preview, "confirmation": secrets.token_hex(16),
    })


@staff_view(Capability.SURVEYS)
@require_POST
def wave_cancel_view(request, survey_id: int, wave_id: int):
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    wave = selectors.wave_get(council=request.council, survey=survey, wave_id=wave_id)
    try:
        services.wave_cancel(council=request.council, actor=request.user, wave=wave, request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The scheduled sending is cancelled; no e-mail goes out and the invitations are withdrawn."))
    return redirect("staff:survey_progress", survey.pk)


@staff_view(Capability.RESULTS)
def progress_view(request, survey_id: int):
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    return render(request, "surveys/staff/progress.html", {
        "survey": survey, "rates": results.response_rates(council=request.council, survey=survey),
        "modes": results.modes_answered(council=request.council, survey=survey),
        "preparing": waves.preparing(survey),
        "can_send": can(request.membership, Capability.SURVEYS),
        "can_mailings": can(request.membership, Capability.MAILINGS),
    })


@staff_view(Capability.RESULTS)
def results_view(request, survey_id: int):
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    questions = profile_questions(council=request.council)
    by_mode = results.mode_breakdown()
    breakdown = by_mode if request.GET.get("by") == "mode" else next(
        (q for q in questions if q.key == request.GET.get("by")), None)
    # Weighted by default whenever population figures exist; "?weights=off" shows the raw figures.
    # Shown at once when only answers came since they were computed (with when and from how
    # many answers; the worker brings them up to date), computed here otherwise.
    figures = survey_results(council=request.council, survey=survey, breakdown=breakdown,
                             weights_on=request.GET.get("weights") != "off", earlier_allowed=True)
    return render(request, "surveys/staff/results.html", {
        "survey": survey, "items": figures["items"], "profile_questions": questions, "breakdown": breakdown,
        "hidden_groups": figures["hidden"], "min_group": results.MIN_GROUP, "mode_breakdown": by_mode,
        "can_build": can(request.membership, Capability.SURVEYS),
        "weighting": figures["weighting"], "weighted": figures["weighted"], "earlier": figures.get("earlier"),
        "next_steps": survey_next_steps(request, survey),
    })


@staff_view(Capability.RESULTS)
def representativeness_view(request, survey_id: int):
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    return render(request, "surveys/staff/representativeness.html", {
        "survey": survey, "report": survey_representativeness(council=request.council, survey=survey),
    })


@staff_view(Capability.RESULTS)
def export_view(request, survey_id: int, fmt: str):
    if fmt not in ("csv", "sav", "codebook"):  # the Excel file: views_exports (the worker makes it)
        raise Http404
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    return exports.responses_export(council=request.council, actor=request.user, survey=survey, fmt=fmt,
                                    request=request)


@staff_view(Capability.SURVEYS)
def audience_surveys_view(request, key: str, value: str):
    """Send a survey to a group another app knows of (e.g. those who attended an event): the
    open surveys, each with a link to its sending page with that group already chosen."""
    registered = member_set(key)
    if registered is None:
        raise Http404
    label = dict(registered.choices(request.council)).get(value)
    if label is None:
        raise Http404
    return render(request, "surveys/staff/audience_surveys.html", {
        "group": registered, "value": value, "label": label,
        "surveys": selectors.survey_list(council=request.council).filter(status="open"),
    })


GROUP_TEMPLATES = ("pb_evaluation", "pb_effects")


@staff_view(Capability.SURVEYS)
@require_POST
def audience_survey_create_view(request, key: str, value: str):
    """A draft survey from one of the group templates for a group another app knows of (e.g.
    the evaluation of a budgeting round, or its follow-up a year later). Nothing is sent: the
    draft opens, and its sending page has the group as a saved segment."""
    template = request.POST.get("template", "")
    if template not in GROUP_TEMPLATES:
        raise Http404
    opens_on = None
    raw = request.POST.get("opens_on", "")
    if raw:
        try:
            opens_on = datetime.date.fromisoformat(raw)
        except ValueError:
            raise Http404 from None
    try:
        survey, segment = services.survey_for_member_set(council=request.council, actor=request.user,
                                                         template=template, set_key=key, value=value,
                                                         opens_on=opens_on, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("staff:surveys")
    messages.success(request, _("Draft survey created. Adjust it, then send it to the saved segment “%(segment)s”.")
                     % {"segment": segment.name})
    return redirect("staff:survey_detail", survey.pk)
