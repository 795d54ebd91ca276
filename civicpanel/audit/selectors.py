from __future__ import annotations

from datetime import date

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast

from civicpanel.audit.models import AuditEvent


def audit_events(*, council, action: str = "", actor_id: int | None = None, member_id: int | None = None,
                 since: date | None = None, until: date | None = None) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(council=council).select_related("actor")
    if action:
        events = events.filter(action__startswith=action)
    if actor_id:
        events = events.filter(actor_id=actor_id)
    if member_id is not None:
        # JSON containment is not available on SQLite; a word-bounded match on the JSON text
        # is exact ("12" does not match 123) and works on both databases.
        events = events.annotate(member_ids_text=Cast("member_ids", TextField())).filter(
            member_ids_text__regex=rf"(^|[^0-9]){int(member_id)}([^0-9]|$)"
        )
    if since:
        events = events.filter(created_at__date__gte=since)
    if until:
        events = events.filter(created_at__date__lte=until)
    return events


def audit_actions(*, council) -> list[str]:
    return list(AuditEvent.objects.filter(council=council).values_list("action", flat=True).distinct().order_by("action"))

