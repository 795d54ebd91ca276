"""Who is called to volunteer: the panel or a filter on profile questions (the member filter
surveys use too), minus those who must be left out: not active, no event e-mails wanted,
bounced, already called to this event, or over the council's contact limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicpanel.members.models import Member
from civicpanel.members.selectors import members_filter
from civicpanel.outreach.models import Delivery

LEFT_OUT_REASONS = {
    "already_called": _("already called to this event"),
    "not_active": _("not active (awaiting confirmation or paused)"),
    "no_events": _("do not want invitations to workshops and focus groups"),
    "no_email": _("e-mail bounced or missing"),
    "contacted_recently": _("contacted recently"),
}
# The e-mails that count towards the contact limit: asking a member to take part.
CONTACT_MESSAGE_TYPES = ("survey_invitation", "event_call")


@dataclass
class CallPlan:
    member_ids: list[int]
    left_out: dict[str, int]
    base_count: int

    @property
    def left_out_rows(self) -> list[tuple[str, int]]:
        return [(LEFT_OUT_REASONS[key], n) for key, n in self.left_out.items() if n]


def recently_contacted_ids(*, council, now: datetime) -> set[int]:
    """Members who reached the council's contact limit (survey invitations and event calls
    together) within its window."""
    since = now - timedelta(days=council.contact_limit_days)
    rows = (
        Delivery.objects.filter(mailing__council=council, mailing__message_type__in=CONTACT_MESSAGE_TYPES,
                                mailing__created_at__gte=since)
        .exclude(state=Delivery.State.CANCELLED)
        .values("member_id").annotate(n=Count("id")).filter(n__gte=council.contact_limit_count).order_by()
    )
    return {row["member_id"] for row in rows}


def call_plan(*, council, event, filters: dict[str, list[str]], now: datetime | None = None) -> CallPlan:
    """Who would be called now, and who is left out and why (each member counted once, under
    the first reason that applies)."""
    now = now or timezone.now()
    base = members_filter(council=council, filters=filters).filter(council=council).exclude(status=Member.Status.LEFT)
    reasons = [
        ("already_called", Q(event_participations__event=event)),
        ("not_active", ~Q(status=Member.Status.ACTIVE)),
        ("no_events", Q(wants_events=False)),
        ("no_email", Q(email_bounced=True) | Q(email__isnull=True) | Q(email="")),
        ("contacted_recently", Q(pk__in=recently_contacted_ids(council=council, now=now))),
    ]
    remaining = base
    left_out = {}
    base_count = base.count()
    for key, condition in reasons:
        excluded = remaining.filter(condition).values("pk").distinct().count()
        left_out[key] = excluded
        if excluded:
            remaining = remaining.exclude(condition)
    member_ids = list(remaining.values_list("pk", flat=True).distinct().order_by("pk"))
    return CallPlan(member_ids=member_ids, left_out=left_out, base_count=base_count)
