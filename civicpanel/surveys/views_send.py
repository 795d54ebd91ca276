"""Staff pages for choosing who is asked, sending, reminding, following and results."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability, can
from civicpanel.surveys import exports, results, selectors, services
from civicpanel.surveys.audience import audience_plan, profile_questions
from civicpanel.surveys.forms import AudienceForm
from civicpanel.surveys.representativeness import survey_representativeness
from civicpanel.surveys.sampling import DEFAULT_FEATURES, new_seed, population_features, sample_draw
from civicpanel.surveys.views_builder import add_errors
from civicpanel.surveys.weighting import survey_weighting, weighted_items


@staff_view(Capability.SURVEYS)
@require_http_methods(["GET", "POST"])
def send_view(request, survey_id: int):
    """Choose the audience, see how many and how they are composed, then send (now or later)."""
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    questions = profile_questions(council=request.council)
    segments = list(selectors.segment_list(council=request.council))
    # Always bound: no filter at all is the whole panel, shown with its numbers straight away.
    data = request.POST if request.method == "POST" else request.GET
    features = [f for f in population_features(council=request.council) if f.usable]
    if data.get("audience") == "sample":
        data = data.copy()
        if not data.get("sample_seed", "").strip():
            # A random seed, shown in the preview and carried to the send, so what is sent is what was shown.
            data["sample_seed"] = str(new_seed())
        if not data.getlist("sample_features"):
            data.setlist("sample_features", [f.key for f in features[:DEFAULT_FEATURES]])
    form = AudienceForm(data, questions=questions, segments=segments, sample_features=features)
    plan = draw = None
    if form.is_valid():
        action = request.POST.get("action") if request.method == "POST" else None
        try:
            if action == "save_segment":
                segment = services.segment_save(council=request.council, actor=request.user,
                                                name=form.cleaned_data["segment_name"], filters=form.filters(),
                                                request=request)
                messages.success(request, _("Segment “%(name)s” saved.") % {"name": segment.name})
                return redirect(f"{request.path}?segment={segment.pk}")
            if action == "send":
                wave = services.wave_send(
                    council=request.council, actor=request.user, survey=survey, filters=form.filters(),
                    segment=form.chosen_segment(), send_at=form.cleaned_data.get("send_at"),
                    sample=form.sample_request(), request=request,
                )
                text = ngettext("%(n)s invitation queued.", "%(n)s invitations queued.", wave.recipient_count) % {
                    "n": wave.recipient_count}
                left = sum(wave.left_out.values())
                if left:
                    text += " " + ngettext("%(n)s member left out (see the list before sending).",
                                           "%(n)s members left out (see the list before sending).", left) % {"n": left}
                messages.success(request, text)
                return redirect("staff:survey_progress", survey.pk)
        except ValidationError as error:
            add_errors(form, error)
        plan = audience_plan(council=request.council, survey=survey, filters=form.filters())
        sample = form.sample_request()
        if sample is not None:
            draw = sample_draw(council=request.council, survey=survey, member_ids=plan.member_ids, request=sample)
    return render(request, "surveys/staff/send.html", {"survey": survey, "form": form, "plan": plan, "draw": draw})


@staff_view(Capability.SURVEYS)
@require_POST
def remind_view(request, survey_id: int):
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    wave = services.reminder_send(council=request.council, actor=request.user, survey=survey, due_only=False,
                                  request=request)
    if wave is None:
        messages.info(request, _("Nobody to remind: everyone has answered or had all the reminders this survey allows."))
    else:
        messages.success(request, ngettext("Reminder queued for %(n)s member who has not answered.",
                                           "Reminder queued for %(n)s members who have not answered.",
                                           wave.recipient_count) % {"n": wave.recipient_count})
    return redirect("staff:survey_progress", survey.pk)


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
        "can_send": can(request.membership, Capability.SURVEYS),
        "can_mailings": can(request.membership, Capability.MAILINGS),
    })


@staff_view(Capability.RESULTS)
def results_view(request, survey_id: int):
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    questions = profile_questions(council=request.council)
    breakdown = next((q for q in questions if q.key == request.GET.get("by")), None)
    items, hidden = results.question_results(council=request.council, survey=survey, breakdown=breakdown)
    # Weighted by default whenever population figures exist; "?weights=off" shows the raw figures.
    weighting = survey_weighting(council=request.council, survey=survey)
    weighted = weighting.available and request.GET.get("weights") != "off"
    if weighted:
        weighted_items(weighting=weighting, survey=survey, items=items, breakdown=breakdown)
    return render(request, "surveys/staff/results.html", {
        "survey": survey, "items": items, "profile_questions": questions, "breakdown": breakdown,
        "hidden_groups": hidden, "min_group": results.MIN_GROUP,
        "can_build": can(request.membership, Capability.SURVEYS),
        "weighting": weighting, "weighted": weighted,
    })


@staff_view(Capability.RESULTS)
def representativeness_view(request, survey_id: int):
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    return render(request, "surveys/staff/representativeness.html", {
        "survey": survey, "report": survey_representativeness(council=request.council, survey=survey),
    })


@staff_view(Capability.RESULTS)
def export_view(request, survey_id: int, fmt: str):
    if fmt not in ("csv", "xlsx", "codebook"):
        raise Http404
    survey = selectors.survey_get(council=request.council, survey_id=survey_id)
    return exports.responses_export(council=request.council, actor=request.user, survey=survey, fmt=fmt,
                                    request=request)
