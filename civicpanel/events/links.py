"""Personal event links: one per participant (call, volunteer form, seat, ticket). The token is
derived from (secret key, participant id, salt) so the mail worker can rebuild it at send time;
the database keeps only the salt and the hash."""

from __future__ import annotations

from civicpanel.common.mail import absolute_url
from civicpanel.common.security import derived_token, token_hash
from civicpanel.events.models import Participant

TOKEN_PURPOSE = "event-participant"  # noqa: S105 - a label, not a secret


def participant_token(participant: Participant) -> str:
    return derived_token(TOKEN_PURPOSE, participant.pk, participant.token_salt)


def participant_path(participant: Participant) -> str:
    return f"/events/p/{participant_token(participant)}/"


def participant_link(participant: Participant) -> str:
    return absolute_url(participant.event.council, participant_path(participant))


def participant_by_token(*, council, token: str) -> Participant | None:
    """The participant a link belongs to, in this council only (None for an unknown link)."""
    if not token or len(token) > 100:
        return None
    return (
        Participant.objects.select_related("event", "member", "event__council")
        .filter(token_hash=token_hash(token), event__council=council)
        .first()
    )


def participant_in_session(*, council, event_id: int, participant_id) -> Participant | None:
    """The participant whose link was opened earlier in this browser (its id kept in the
    session), for this event and council only, and only while the link still works."""
    if not isinstance(participant_id, int):
        return None
    return (
        Participant.objects.select_related("event", "member", "event__council")
        .filter(pk=participant_id, event_id=event_id, event__council=council, token_hash__isnull=False)
        .first()
    )
