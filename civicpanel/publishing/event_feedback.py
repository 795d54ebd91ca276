"""What came of an event, told to those who took part: who gets it, the texts per language, the
confirmation's plan and the one sending (through the outreach worker, like the survey feedback).

Those who took part are the members with a seat they came to (checked in) or confirmed and did
not turn out to have missed (no-shows are marked as such at the door) in a session that was held.
The e-mail is a results e-mail: it follows the member's news choice and consent, as the survey
feedback does; no one is held back (an event is too small to measure an effect on).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from civicpanel.audit.services import audit_record
from civicpanel.common.formatting import long_date
from civicpanel.common.mail import absolute_url
from civicpanel.common.models import translated
from civicpanel.events.models import Event, Placement
from civicpanel.events.services import event_finished
from civicpanel.members.models import Member
from civicpanel.outreach.registry import LANGUAGES
from civicpanel.outreach.services import mailing_create
from civicpanel.publishing.event_feedback_texts import MESSAGE_KEY
from civicpanel.publishing.feedback_plan import FeedbackPlan, plan_for
from civicpanel.publishing.models import Feedback, FeedbackMember

TOOK_PART = (Placement.State.ATTENDED, Placement.State.CONFIRMED)


def reference(event: Event) -> str:
    return f"event:{event.pk}:feedback"


def event_feedback_audience(*, council, event: Event) -> list[int]:
    """Members who took part in the event, as member ids."""
    return sorted(set(Placement.objects.filter(
        session__event=event, session__event__council=council, session__cancelled_at__isnull=True,
        state__in=TOOK_PART).values_list("participant__member_id", flat=True)))


def event_feedback_problem(event: Event) -> str:
    """Why the e-mail cannot be sent now ('' if it can)."""
    if not event_finished(event):
        return _("The event is not over yet.")
    if not event.outcome_text:
        return _("Write what came of it first: the e-mail tells it.")
    return ""


def event_feedback_texts(*, council, event: Event) -> dict[str, dict[str, str]]:
    """Per council language: what came of it, its date and the link to the event's public page."""
    url = absolute_url(council, reverse("events:public", args=[event.pk]))
    texts = {}
    for language in [code for code in council.language_codes if code in LANGUAGES] or [council.default_language]:
        with override(language):
            texts[language] = {"outcome": translated(event.outcome, language),
                               "outcome_date": long_date(event.outcome_date) if event.outcome_date else "",
                               "event_url": url}
    return texts


def event_feedback_plan(*, council, event: Event) -> FeedbackPlan:
    member_ids = event_feedback_audience(council=council, event=event)
    texts = event_feedback_texts(council=council, event=event)
    members = Member.objects.filter(council=council, pk__in=member_ids)
    return plan_for(council=council, message_key=MESSAGE_KEY, members=members, invited=len(member_ids),
                    context=lambda language: {"event_title": translated(event.title, language),
                                              **(texts.get(language) or next(iter(texts.values())))})


def event_feedback_send(*, council, actor, event: Event, confirmation: str, request=None) -> Feedback:
    """Send what came of the event once to those who took part. A second call finds the first."""
    problem = event_feedback_problem(event)
    if problem:
        raise ValidationError(problem)
    existing = Feedback.objects.filter(event=event, council=council).first()
    if existing is not None:
        return existing
    member_ids = event_feedback_audience(council=council, event=event)
    if not member_ids:
        raise ValidationError(_("Nobody took part in this event."))
    texts = event_feedback_texts(council=council, event=event)
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                council=council, event=event, texts=texts, invited_count=len(member_ids), confirmation=confirmation,
                created_by=actor if getattr(actor, "pk", None) else None)
            FeedbackMember.objects.bulk_create([FeedbackMember(feedback=feedback, member_id=pk) for pk in member_ids],
                                               batch_size=500)
            feedback.mailing = mailing_create(
                council=council, actor=actor, message_type=MESSAGE_KEY, member_ids=member_ids,
                reference=reference(event), reference_ids=dict.fromkeys(member_ids, feedback.pk))
            feedback.save(update_fields=["mailing"])
            audit_record(council=council, actor=actor, action="event.feedback_send", target=event,
                         detail={"took_part": len(member_ids), "mailing": feedback.mailing.pk}, request=request)
    except IntegrityError:
        # The same confirmation (or event) a moment ago in another request: that one sent it.
        return Feedback.objects.get(event=event, council=council)
    return feedback
