"""A member's feedback rows in their own export, and their erasure (registered with
civicpanel.members.erasure in PublishingConfig.ready())."""

from __future__ import annotations

from civicpanel.common.models import translated
from civicpanel.publishing.models import FeedbackMember


def feedback_member_data(member) -> dict[str, list[dict]]:
    """Which survey feedback the member was part of (and whether the draw held them back), and
    which events' "what came of it" e-mails were sent to them."""
    rows = (FeedbackMember.objects.filter(member=member).select_related("feedback__survey", "feedback__event")
            .order_by("feedback_id"))
    return {
        "survey_feedback": [
            {"survey": translated(row.feedback.survey.title), "sent_at": row.feedback.created_at.isoformat(),
             "held_back": row.held_back}
            for row in rows if row.feedback.survey_id],
        "event_feedback": [
            {"event": translated(row.feedback.event.title), "sent_at": row.feedback.created_at.isoformat()}
            for row in rows if row.feedback.event_id],
    }


def feedback_member_erase(member) -> None:
    """The member leaves the comparison groups; the sending's totals stay as counts."""
    FeedbackMember.objects.filter(member=member).delete()
