"""The staff member list sorts by its column headings and pages through the result; the sort
survives the filter and the pages, and an unknown sort falls back to the newest first."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from civicpanel.members import staff_services
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _names(html: str) -> list[str]:
    return re.findall(r"<td>(Person [A-Z])</td>", html)


def test_sorting_by_name_both_ways_and_back_to_the_default(council, staff_client):
    for name in ("Person C", "Person A", "Person B"):
        MemberFactory(council=council, name=name)
    client = staff_client("manager")
    url = reverse("staff:members")
    assert _names(client.get(url + "?sort=name").content.decode()) == ["Person A", "Person B", "Person C"]
    page = client.get(url + "?sort=-name").content.decode()
    assert _names(page) == ["Person C", "Person B", "Person A"]
    assert 'aria-sort="descending"' in page
    # The newest first when the sort is unknown.
    assert _names(client.get(url + "?sort=password").content.decode()) == ["Person B", "Person A", "Person C"]


def test_the_sort_is_kept_by_the_filter_and_the_pages(council, staff_client):
    for i in range(staff_services.PAGE_SIZE + 3):
        MemberFactory(council=council, name=f"Member {i:03d}")
    client = staff_client("manager")
    page = client.get(reverse("staff:members") + "?status=active&sort=name").content.decode()
    assert '<input type="hidden" name="sort" value="name">' in page
    assert "status=active&amp;sort=name&amp;page=2" in page
    second = client.get(reverse("staff:members") + "?status=active&sort=name&page=2").content.decode()
    assert f"Member {staff_services.PAGE_SIZE:03d}" in second


def test_name_order_on_more_members_than_can_be_decrypted_keeps_the_default_and_says_why(council, staff_client,
                                                                                          monkeypatch):
    monkeypatch.setattr(staff_services, "ENCRYPTED_SORT_LIMIT", 2)
    MemberFactory(council=council, name="Person C")
    MemberFactory(council=council, name="Person A", status="paused")
    MemberFactory(council=council, name="Person B")
    client = staff_client("manager")
    page = client.get(reverse("staff:members") + "?sort=name").content.decode()
    assert _names(page) == ["Person B", "Person A", "Person C"]  # newest first
    assert "up to 2 members at a time" in page or "op til 2 medlemmer ad gangen" in page  # the staff's language
    # Narrowed to two members, the name order works.
    page = client.get(reverse("staff:members") + "?sort=name&status=active").content.decode()
    assert _names(page) == ["Person B", "Person C"]
    assert "at a time" not in page and "ad gangen" not in page


@pytest.mark.parametrize("limit", [100, 3, 2])
def test_a_profile_filter_sorted_by_name_counts_and_orders_like_the_default_order(council, limit, monkeypatch):
    """Sorted by name, a filtered list has the counts of the default order, whether it can be
    sorted (limit 100, and 3: the four women are more, the three shown are not) or not (2)."""
    from civicpanel.accounts.models import User
    from civicpanel.members.profile import member_profile_set

    monkeypatch.setattr(staff_services, "ENCRYPTED_SORT_LIMIT", limit)
    for name, gender, status in [("Person D", "woman", "active"), ("Person A", "woman", "paused"),
                                 ("Person C", "man", "active"), ("Person B", "woman", "active"),
                                 ("Person E", "woman", "pending")]:
        member_profile_set(member=MemberFactory(council=council, name=name, status=status), values={"gender": gender})
    actor = User.objects.create(email="sorter@example.org")
    filters = {"gender": ["woman"], "status": ["active", "paused"]}
    by_name = staff_services.member_search(council=council, actor=actor, filters=filters, sort="name")
    default = staff_services.member_search(council=council, actor=actor, filters=filters)
    assert by_name.status_counts == default.status_counts == {"pending": 1, "active": 2, "paused": 1, "left": 0}
    assert by_name.total == default.total == 3
    names = [row.member.name for row in by_name.rows]
    assert names == (["Person A", "Person B", "Person D"] if limit > 2 else [r.member.name for r in default.rows])
    assert by_name.sort_refused is (limit == 2)
