"""Writing to the audit log. Every service that changes data or touches personal data calls this."""

from __future__ import annotations

from collections.abc import Iterable

from civicpanel.audit.models import AuditEvent
from civicpanel.common.security import client_ip


def audit_record(
    *,
    council,
    actor,
    action: str,
    target=None,
    member_ids: Iterable[int] = (),
    detail: dict | None = None,
    request=None,
) -> AuditEvent:
    """Append one event: who (actor), where (council), what (action), on which object or members.

    `action` is a dotted verb such as "member.view", "member.export", "survey.send".
    Call it inside the service's transaction so the event and the change land together.
    """
    ip = None
    if request is not None:
        ip = client_ip(request)
    return AuditEvent.objects.create(
        council=council,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=(getattr(actor, "email", "") or str(actor or "system"))[:254],
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        member_ids=sorted(int(m) for m in member_ids),
        detail=detail or {},
        ip_address=ip,
    )
