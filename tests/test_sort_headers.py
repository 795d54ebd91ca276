"""Every sortable staff list: each column it offers sorts both ways and says so (aria-sort on
the column, the link naming the other direction), and a sort it does not offer is ignored."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicpanel.accounts.selectors import STAFF_SORTS
from civicpanel.budgeting.models import Idea
from civicpanel.budgeting.selectors import IDEA_SORTS, ROUND_SORTS
from civicpanel.events.selectors import EVENT_SORTS
from civicpanel.members.staff_services import MEMBER_SORTS
from civicpanel.newsletters.selectors import NEWSLETTER_SORTS
from civicpanel.outreach.selectors import MAILING_SORTS
from civicpanel.surveys.selectors import SURVEY_SORTS
from tests.events.factories import make_event
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

JUNK = ("password", "-", "--title", "__class__", "title,id", "x" * 300, "-pk")


def _lists(world) -> dict[str, tuple[str, dict]]:
    return {
        "members": (reverse("staff:members"), MEMBER_SORTS),
        "surveys": (reverse("staff:surveys"), SURVEY_SORTS),
        "events": (reverse("staff:events"), EVENT_SORTS),
        "rounds": (reverse("staff:pb_rounds"), ROUND_SORTS),
        "ideas": (reverse("staff:pb_ideas", args=[world.ids["round_id"]]), IDEA_SORTS),
        "mailings": (reverse("staff:outreach_mailings"), MAILING_SORTS),
        "newsletters": (reverse("staff:newsletters"), NEWSLETTER_SORTS),
        "staff": (reverse("staff:staff"), STAFF_SORTS),
    }


def test_every_column_sorts_both_ways_and_says_so(council, staff_client):
    world = build_world(council)
    make_event(council)
    Idea.objects.create(council=council, round_id=world.ids["round_id"], title="Benches", description="By the lake")
    admin = staff_client("admin")
    for name, (url, sorts) in _lists(world).items():
        for key in sorts:
            for sort, said in ((key, "ascending"), ("-" + key, "descending")):
                response = admin.get(f"{url}?sort={sort}")
                assert response.status_code == 200, f"{name} ?sort={sort}: {response.status_code}"
                html = response.content.decode()
                assert html.count("aria-sort=") == 1 and f'aria-sort="{said}"' in html, f"{name} ?sort={sort}"
                other = key if sort.startswith("-") else "-" + key
                assert f"sort={other}\"" in html, f"{name} ?sort={sort}: no link to sort={other}"


def test_a_sort_the_list_does_not_offer_is_ignored(council, staff_client):
    world = build_world(council)
    admin = staff_client("admin")
    for name, (url, _sorts) in _lists(world).items():
        plain = admin.get(url).content.decode().count("aria-sort=")
        for junk in JUNK:
            response = admin.get(url, {"sort": junk})
            assert response.status_code == 200, f"{name} ?sort={junk!r}: {response.status_code}"
            assert response.content.decode().count("aria-sort=") == plain, f"{name} ?sort={junk!r}"
