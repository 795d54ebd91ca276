"""The staff idea list of a round with many ideas: counts per status, filters by status,
district, category and words, sortable columns, pages of 25, and screening that returns to the
list as it was."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from civicpanel.budgeting import services
from civicpanel.budgeting.models import Idea, Round
from tests.budgeting.factories import build_round, voter_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_ideas(council):
    rnd = build_round(council, stage=Round.Stage.IDEAS, costs=())
    author = voter_member(council)
    districts = list(council.districts.order_by("order"))
    for i in range(60):
        idea = services.idea_submit(council=council, round=rnd, author_member=author, title=f"Idea {i:02d}",
                                    description="Trees by the school" if i % 10 == 0 else "A bench",
                                    district=districts[i % 2] if i % 3 else None, cost_estimate=1000 * (i + 1),
                                    category=Idea.Category.GREEN if i % 4 == 0 else Idea.Category.OTHER)
        if i % 5 == 1:
            services.idea_screen(council=council, actor=rnd.actor, idea=idea, action="publish")
    return rnd


def _page(staff, rnd, query=""):
    response = staff.get(reverse("staff:pb_ideas", args=[rnd.pk]) + query)
    assert response.status_code == 200
    return response.content.decode()


def _numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="idea-(\d+)"', html)]


def test_counts_per_status_link_to_the_list_narrowed_to_them(council, staff_client, many_ideas):
    html = _page(staff_client("manager"), many_ideas)
    assert re.search(r'All <span class="badge">60</span>', html)
    assert re.search(r'Waiting for screening <span class="badge">48</span>', html)
    assert re.search(r'Public <span class="badge">12</span>', html)
    assert len(_numbers(html)) == 25 and "60 ideas, page 1 of 3" in html
    waiting = _page(staff_client("manager"), many_ideas, "?status=submitted")
    assert "48 ideas, page 1 of 2" in waiting
    assert "aria-current=\"true\">Waiting for screening" in waiting


def test_filters_narrow_by_district_category_and_words_and_counts_follow(council, staff_client, many_ideas):
    staff = staff_client("manager")
    town = _page(staff, many_ideas, "?district=town")
    assert "20 ideas" in town and re.search(r'All <span class="badge">20</span>', town)
    green_words = _page(staff, many_ideas, "?category=green&words=trees")
    assert "3 ideas" in green_words  # 0, 20 and 40 are green and about trees
    assert "No ideas match the filter." in _page(staff, many_ideas, "?words=nothing-like-this")


def test_columns_sort_both_ways_and_unknown_values_are_ignored(council, staff_client, many_ideas):
    staff = staff_client("manager")
    cheapest = _numbers(_page(staff, many_ideas, "?sort=cost"))
    dearest = _numbers(_page(staff, many_ideas, "?sort=-cost"))
    ids = sorted(Idea.objects.filter(round=many_ideas).values_list("pk", flat=True))
    assert cheapest == ids[:25] and dearest == ids[::-1][:25]
    html = _page(staff, many_ideas, "?sort=-cost")
    assert 'aria-sort="descending"' in html
    for junk in ("?sort=hidden_reason", "?sort=--cost", "?status=nope&district=999999&category=x&page=abc",
                 "?district=" + "9" * 40, "?words=" + "x" * 500):
        assert len(_numbers(_page(staff, many_ideas, junk))) <= 25
    # The second page of a sorted, filtered list keeps both.
    second = _page(staff, many_ideas, "?status=submitted&sort=cost&page=2")
    assert "page 2 of 2" in second and "status=submitted&amp;sort=cost&amp;page=1" in second


def test_screening_returns_to_the_list_as_it_was(council, staff_client, many_ideas):
    staff = staff_client("manager")
    idea = Idea.objects.filter(round=many_ideas, status=Idea.Status.SUBMITTED).order_by("pk").first()
    html = _page(staff, many_ideas, "?status=submitted&sort=cost")
    assert 'name="back" value="status=submitted&amp;sort=cost"' in html
    response = staff.post(reverse("staff:pb_idea_screen", args=[many_ideas.pk, idea.pk]),
                          {"action": "publish", "back": "status=submitted&sort=cost&next=https://evil.example"})
    assert response.status_code == 302
    assert response["Location"] == (reverse("staff:pb_ideas", args=[many_ideas.pk])
                                    + f"?status=submitted&sort=cost#idea-{idea.pk}")
    idea.refresh_from_db()
    assert idea.status == Idea.Status.PUBLIC
