"""The staff access log about a member, for the member's own data export.

The right of access covers who at the council looked at or changed a person's data, not only
the data itself (Datatilsynet 2024-32-0283): every audit event that names the member and was
made by a staff account goes into the export, with when, what and by whom. The member's own
actions (sign-up, export, consent) are in the rest of the export already.
"""

from __future__ import annotations

from civicpanel.audit.selectors import audit_events
from civicpanel.members.models import Member


def member_access_log(member: Member) -> dict[str, list[dict]]:
    events = audit_events(council=member.council, member_id=member.pk).filter(actor__isnull=False)
    return {"staff_access_log": [
        {"time": event.created_at.isoformat(), "action": event.action,
         "staff": (event.actor.full_name or event.actor_label) if event.actor else event.actor_label}
        for event in events.order_by("created_at", "id")
    ]}
