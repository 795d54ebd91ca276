"""Counting who leaves, by profile group, before their profile is erased.

`departure_count` is registered with members.erasure: it runs inside the erasure's transaction
while the member's answers still exist, and adds one to the month's count for each group the
member was in (no member id is kept). The panel-health forecast reads each group's leaving rate
from these counts.
"""

from __future__ import annotations

import datetime

from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from civicpanel.members.models import Member, MemberAnswer
from civicpanel.panel.models import ProfileOption, ProfileQuestion
from civicpanel.recruitment.models import Departure

ACTIVE = (Member.Status.ACTIVE, Member.Status.PAUSED)


def term_start(member: Member) -> datetime.datetime:
    return member.consent_given_at or member.confirmed_at or member.joined_at


def years_after(moment: datetime.datetime, years: int) -> datetime.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def member_groups(member: Member, *, today: datetime.date | None = None) -> list[int]:
    """The option ids of the single-choice, age-band and district groups the member is in."""
    year = (today or timezone.localdate()).year
    option_ids = list(MemberAnswer.objects.filter(member=member, question__kind=ProfileQuestion.Kind.SINGLE)
                      .values_list("option_id", flat=True))
    if member.birth_year:
        age = year - member.birth_year
        band = (ProfileOption.objects.filter(question__council_id=member.council_id,
                                             question__kind=ProfileQuestion.Kind.BIRTH_YEAR,
                                             min_age__lte=age, max_age__gte=age)
                .order_by("question__order", "order").values_list("pk", flat=True).first())
        if band:
            option_ids.append(band)
    if member.district_id:
        district = ProfileOption.objects.filter(district_id=member.district_id).values_list("pk", flat=True).first()
        if district:
            option_ids.append(district)
    return option_ids


def departure_count(member: Member) -> None:
    """Eraser hook: count an active or paused member who is leaving (left, or term ended)."""
    if member.status not in ACTIVE or member.confirmed_at is None:
        return
    now = timezone.now()
    term_years = member.council.panel_term_years
    ended = years_after(term_start(member), term_years) <= now
    reason = Departure.Reason.TERM if ended else Departure.Reason.LEFT
    month = timezone.localdate(now).replace(day=1)
    for option_id in [None, *member_groups(member)]:
        updated = Departure.objects.filter(council_id=member.council_id, month=month, option_id=option_id,
                                           reason=reason).update(count=F("count") + 1)
        if not updated:
            Departure.objects.create(council_id=member.council_id, month=month, option_id=option_id, reason=reason,
                                     count=1)


def term_start_expression():
    return Coalesce("consent_given_at", "confirmed_at", "joined_at")


def letter_member_data(member: Member) -> dict[str, list[dict]]:
    """For the member's own data export: the recruitment letter whose code they signed up with."""
    from civicpanel.recruitment.models import Letter

    rows = [{"campaign": letter.batch.campaign.name, "letter_sent": letter.batch.created_at.date().isoformat(),
             "code_used_at": letter.used_at.isoformat() if letter.used_at else None}
            for letter in Letter.objects.filter(member=member).select_related("batch__campaign")]
    return {"recruitment_letters": rows} if rows else {}
