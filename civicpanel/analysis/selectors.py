from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from civicpanel.members.models import Member

TREND_WEEKS = 8


def staff_overview(*, council) -> dict:
    """The counts on the staff front page: the panel by status, and for the trend lines the
    active members at the end of each of the last TREND_WEEKS weeks and the sign-ups per week."""
    by_status = dict(
        Member.objects.filter(council=council).values_list("status").annotate(n=Count("id")).order_by()
    )
    overview = {status: by_status.get(status, 0) for status in Member.Status.values}
    now = timezone.now()
    ends = [now - timedelta(weeks=TREND_WEEKS - 1 - i) for i in range(TREND_WEEKS)]
    start = ends[0] - timedelta(weeks=1)
    # Active members now, less those who became members after each week's end (members who
    # left since are not counted back: the line shows growth, the figure the exact count).
    confirmed = list(Member.objects.filter(council=council, status=Member.Status.ACTIVE, confirmed_at__gt=start)
                     .values_list("confirmed_at", flat=True))
    overview["active_trend"] = [overview[Member.Status.ACTIVE] - sum(1 for c in confirmed if c and c > end)
                                for end in ends]
    joined = list(Member.objects.filter(council=council, joined_at__gt=start).values_list("joined_at", flat=True))
    overview["signup_trend"] = [sum(1 for j in joined if end - timedelta(weeks=1) < j <= end) for end in ends]
    return overview
