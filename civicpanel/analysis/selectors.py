from __future__ import annotations

from django.db.models import Count

from civicpanel.members.models import Member


def staff_overview(*, council) -> dict:
    """The counts on the staff front page: the panel by status."""
    by_status = dict(
        Member.objects.filter(council=council).values_list("status").annotate(n=Count("id")).order_by()
    )
    return {status: by_status.get(status, 0) for status in Member.Status.values}
