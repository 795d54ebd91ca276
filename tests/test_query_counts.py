"""No N+1: a staff list page makes the same number of queries with three rows as with nine.

Each case adds rows of the kind its page lists; the page is read once to warm what is cached
per council, then counted with a few rows and again with three times as many.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicpanel.audit.services import audit_record
from civicpanel.panel.models import Campaign
from tests.factories import MemberFactory, staff_user
from tests.surveys.factories import build_survey, invite


def add_members(council, n):
    for _ in range(n):
        MemberFactory(council=council)


def add_surveys(council, n):
    for _ in range(n):
        build_survey(council)


def add_staff(council, n):
    for _ in range(n):
        staff_user(council, "analyst")


def add_audit_events(council, n):
    member = MemberFactory(council=council)
    for _ in range(n):
        audit_record(council=council, actor=None, action="member.view", target=member, member_ids=[member.pk])


def add_campaigns(council, n):
    start = Campaign.objects.filter(council=council).count()
    for i in range(start, start + n):
        Campaign.objects.create(council=council, code=f"c{i}", name=f"Campaign {i}", channel="poster")


def add_rounds(council, n):
    from tests.budgeting.factories import build_round

    for _ in range(n):
        build_round(council)


def add_letter_campaigns(council, n):
    from tests.recruitment.helpers import batch, extract, residents

    for _ in range(n):
        batch(council, extract(council, residents(2, age=30)))


LIST_PAGES = [
    ("staff:members", add_members),
    ("staff:surveys", add_surveys),
    ("staff:staff", add_staff),
    ("staff:audit", add_audit_events),
    ("staff:settings_campaigns", add_campaigns),
    ("staff:pb_rounds", add_rounds),
    ("staff:recruitment", add_letter_campaigns),
]


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize(("name", "add_rows"), LIST_PAGES, ids=[name for name, _ in LIST_PAGES])
def test_list_page_queries_do_not_grow_with_its_rows(council, staff_client, name, add_rows):
    client = staff_client("admin")
    url = reverse(name)
    add_rows(council, 3)
    client.get(url)
    few = count_queries(client, url)
    add_rows(council, 6)
    assert count_queries(client, url) == few


def test_member_page_queries_do_not_grow_with_the_survey_history(council, staff_client):
    client = staff_client("admin")
    member = MemberFactory(council=council)
    url = reverse("staff:member_detail", args=[member.pk])

    def add_invitations(n):
        for _ in range(n):
            invite(build_survey(council), member)

    add_invitations(3)
    client.get(url)
    few = count_queries(client, url)
    add_invitations(6)
    assert count_queries(client, url) == few
