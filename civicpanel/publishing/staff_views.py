"""Staff pages: publish or withdraw a survey's results, and send the "you said, we did" feedback."""

from __future__ import annotations

import re
import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability, can
from civicpanel.common.formatting import number
from civicpanel.events.selectors import event_get
from civicpanel.outreach.selectors import mailings_with_status
from civicpanel.publishing import event_feedback, selectors, services
from civicpanel.publishing.breakdowns import breakdown_choices
from civicpanel.publishing.feedback_effect import feedback_effect
from civicpanel.publishing.feedback_plan import feedback_plan
from civicpanel.publishing.forms import BreakdownForm, DecisionForm
from civicpanel.publishing.holdback import HOLDBACK_SHARE, new_seed
from civicpanel.publishing.results import public_results
from civicpanel.surveys.purpose import LABELS, survey_purpose
from civicpanel.surveys.results import MIN_GROUP
from civicpanel.surveys.selectors import survey_get
from civicpanel.surveys.services import survey_close, survey_purpose_update
from civicpanel.surveys.views_builder import add_errors

CONFIRMATION_RE = re.compile(r"[0-9a-f]{32}")
SEED_RE = re.compile(r"[0-9]{1,10}")


@staff_view(Capability.SURVEYS)
@require_http_methods(["GET", "POST"])
def publish_view(request, survey_id: int):
    """GET: the public page as it will look (or is), with Publish or Withdraw (or, while the survey
    still takes answers, Close it); POST: do it."""
    survey = survey_get(council=request.council, survey_id=survey_id)
    action = request.POST.get("action") if request.method == "POST" else None
    # The decision travels with "publish" too: staff write what the committee decided and publish
    # in one step (survey_purpose_update writes only what changed).
    decision = DecisionForm(request.POST if action in ("decision", "publish") else None,
                            languages=request.council.language_codes, survey=survey)
    if action in ("decision", "publish"):
        if _decision_saved(request, survey, decision):
            if action == "decision":
                messages.success(request, _("The decision is saved: it shows on the public page and in the feedback."))
            else:
                try:
                    services.publication_publish(council=request.council, actor=request.user, survey=survey,
                                                 request=request)
                except ValidationError as error:
                    for message in error.messages:
                        messages.error(request, message)
                else:
                    messages.success(request, _("The results are public now."))
                    # Next comes telling the panel what came of it: the feedback's confirmation
                    # (nothing is sent before staff confirm there).
                    if can(request.membership, Capability.MAILINGS) and selectors.feedback_for(
                            council=request.council, survey=survey) is None:
                        return redirect("staff:survey_feedback", survey.pk)
            return redirect("staff:survey_publish", survey.pk)
        survey.refresh_from_db()
    elif action == "breakdowns":
        chosen = BreakdownForm(request.POST, choices=breakdown_choices(council=request.council), initial_keys=[])
        if chosen.is_valid():
            try:
                services.publication_breakdowns_set(council=request.council, actor=request.user, survey=survey,
                                                    keys=chosen.cleaned_data["breakdowns"], request=request)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("The breakdowns are saved: the page below shows them as the public "
                                            "will see them."))
        else:
            for errors in chosen.errors.values():
                for message in errors:
                    messages.error(request, message)
        return redirect("staff:survey_publish", survey.pk)
    elif action in ("close", "withdraw"):
        if action == "close":
            # Publishing needs figures that no longer move: staff may close the survey from here.
            survey_close(council=request.council, actor=request.user, survey=survey, request=request)
            messages.success(request, _("The survey is closed for answers."))
        else:
            services.publication_withdraw(council=request.council, actor=request.user, survey=survey,
                                          request=request)
            messages.success(request, _("The results are withdrawn: the public page is gone."))
        return redirect("staff:survey_publish", survey.pk)
    publication = selectors.publication_for(council=request.council, survey=survey)
    choices = breakdown_choices(council=request.council)
    return render(request, "publishing/staff/publish.html", {
        "survey": survey, "publication": publication,
        "breakdown_form": BreakdownForm(choices=choices, initial_keys=publication.breakdowns if publication else []),
        "problem": services.publishable_problem(survey), "purpose": survey_purpose(survey), "labels": LABELS,
        "results": public_results(council=request.council, survey=survey), "min_group": MIN_GROUP,
        "feedback": selectors.feedback_for(council=request.council, survey=survey), "decision_form": decision,
    })


def _decision_saved(request, survey, form: DecisionForm) -> bool:
    if not any(name.startswith("decision") for name in request.POST):
        return True  # a publish without the decision's fields leaves the decision as it is
    if not form.is_valid():
        return False
    try:
        survey_purpose_update(council=request.council, actor=request.user, survey=survey, request=request,
                              **form.service_kwargs())
    except ValidationError as error:
        add_errors(form, error)
        return False
    return True


@staff_view(Capability.MAILINGS)
@require_http_methods(["GET", "POST"])
def feedback_view(request, survey_id: int):
    """Before the sending: the confirmation (count, the e-mail per language, the hold-back
    choice); POST sends once per confirmation key. After it: what was sent and, with a
    hold-back, the response rates to the next survey with and without feedback."""
    survey = survey_get(council=request.council, survey_id=survey_id)
    feedback = selectors.feedback_for(council=request.council, survey=survey)
    publication = selectors.publication_for(council=request.council, survey=survey)
    if feedback is None and request.method == "POST":
        confirmation = request.POST.get("confirmation", "")
        holdback = request.POST.get("holdback") == "1"
        seed_text = request.POST.get("seed", "")
        if CONFIRMATION_RE.fullmatch(confirmation) and (not holdback or SEED_RE.fullmatch(seed_text)):
            try:
                feedback = services.feedback_send(council=request.council, actor=request.user, survey=survey,
                                                  holdback=holdback, seed=int(seed_text) if holdback else None,
                                                  confirmation=confirmation, request=request)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, ngettext(
                    "Feedback queued for %(n)s invited member.", "Feedback queued for %(n)s invited members.",
                    feedback.invited_count - feedback.held_back_count)
                    % {"n": number(feedback.invited_count - feedback.held_back_count)})
        return redirect("staff:survey_feedback", survey.pk)
    if feedback is not None:
        status = next(iter(mailings_with_status(council=request.council, reference=f"survey:{survey.pk}:feedback")),
                      None)
        return render(request, "publishing/staff/feedback_sent.html", {
            "survey": survey, "feedback": feedback, "mailing": status,
            "effect": feedback_effect(council=request.council, feedback=feedback) if feedback.holdback else None,
        })
    holdback = request.GET.get("holdback") == "1"
    seed = new_seed() if holdback else None
    return render(request, "publishing/staff/feedback_confirm.html", {
        "survey": survey, "publication": publication, "holdback": holdback, "seed": seed,
        "holdback_percent": HOLDBACK_SHARE, "confirmation": secrets.token_hex(16),
        "plan": feedback_plan(council=request.council, survey=survey, holdback=holdback, seed=seed)
        if publication is not None and publication.is_public else None,
    })


@staff_view(Capability.MAILINGS)
@require_http_methods(["GET", "POST"])
def event_feedback_view(request, event_id: int):
    """Before the sending: the confirmation (who took part, who is left out and why, the e-mail
    per language); POST sends once per confirmation key. After it: what was sent."""
    event = event_get(council=request.council, event_id=event_id)
    feedback = selectors.event_feedback_for(council=request.council, event=event)
    if feedback is None and request.method == "POST":
        confirmation = request.POST.get("confirmation", "")
        if CONFIRMATION_RE.fullmatch(confirmation):
            try:
                feedback = event_feedback.event_feedback_send(council=request.council, actor=request.user,
                                                              event=event, confirmation=confirmation, request=request)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, ngettext(
                    "What came of it is on its way to %(n)s participant.",
                    "What came of it is on its way to %(n)s participants.", feedback.invited_count)
                    % {"n": number(feedback.invited_count)})
        return redirect("staff:event_feedback", event.pk)
    if feedback is not None:
        status = next(iter(mailings_with_status(council=request.council, reference=event_feedback.reference(event))),
                      None)
        return render(request, "publishing/staff/event_feedback_sent.html",
                      {"event": event, "feedback": feedback, "mailing": status})
    problem = event_feedback.event_feedback_problem(event)
    return render(request, "publishing/staff/event_feedback_confirm.html", {
        "event": event, "problem": problem, "confirmation": secrets.token_hex(16),
        "plan": None if problem else event_feedback.event_feedback_plan(council=request.council, event=event),
    })
