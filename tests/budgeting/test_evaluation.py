"""The evaluation of a round: "took part in budgeting round X" is a member group the surveys'
audience can use, and the round's staff page makes the draft evaluation survey for it, and a
second one opening a year later."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from civicpanel.audit.models import AuditEvent
from civicpanel.budgeting import voting
from civicpanel.budgeting.models import Idea
from civicpanel.members.selectors import members_filter
from civicpanel.surveys.models import Segment, Survey
from tests.budgeting.factories import build_round, voter_member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _took_part(council):
    rnd = build_round(council, allow_residents=True)
    voters = [voter_member(council) for _ in range(3)]
    for member in voters:
        voting.ballot_cast(round=rnd, voter=voting.voter_for_member(member), pot="city", choices=[1])
    author = voter_member(council)
    Idea.objects.create(council=council, round=rnd, author_member=author, title="Bench", description="By the lake",
                        status=Idea.Status.PUBLIC)
    MemberFactory(council=council)  # did not take part
    other = build_round(council)
    voting.ballot_cast(round=other, voter=voting.voter_for_member(voter_member(council)), pot="city", choices=[1])
    return rnd, {m.pk for m in [*voters, author]}


def test_the_round_is_a_member_group_of_those_who_voted_or_proposed(council):
    rnd, expected = _took_part(council)
    assert set(members_filter(council=council, filters={"pb_round": [str(rnd.pk)]}).values_list("pk", flat=True)) \
        == expected


def test_the_round_page_makes_the_evaluation_survey_and_the_one_a_year_later(council, staff_client):
    rnd, expected = _took_part(council)
    manager = staff_client("manager")
    page = manager.get(reverse("staff:pb_round", args=[rnd.pk])).content.decode()
    create = reverse("staff:survey_audience_create", args=["pb_round", str(rnd.pk)])
    assert create in page and "the 4 panel members who voted or proposed" in page
    year_later = timezone.localdate().replace(year=timezone.localdate().year + 1)
    assert f'value="{year_later:%Y-%m-%d}"' in page

    now = manager.post(create, {"template": "pb_evaluation"})
    later = manager.post(create, {"template": "pb_effects", "opens_on": f"{year_later:%Y-%m-%d}"})
    assert now.status_code == 302 and later.status_code == 302
    first, second = Survey.objects.filter(council=council).order_by("pk")
    assert first.status == "draft" and second.status == "draft"  # nothing is sent
    assert first.opens_at is None
    assert timezone.localtime(second.opens_at).date() == year_later
    assert "citizens' budget" in first.title["en"] and "a year later" in second.title["en"]
    segment = Segment.objects.get(council=council)  # one saved segment, reused by both
    assert segment.filters == {"pb_round": [str(rnd.pk)]}
    assert set(members_filter(council=council, filters=segment.filters).values_list("pk", flat=True)) == expected
    assert AuditEvent.objects.filter(action="survey.for_group").count() == 2
    # Only the group templates, and only a group with members in it.
    assert manager.post(create, {"template": "local_satisfaction"}).status_code == 404
    empty = build_round(council)
    refused = manager.post(reverse("staff:survey_audience_create", args=["pb_round", str(empty.pk)]),
                           {"template": "pb_evaluation"}, follow=True)
    assert "unknown or has nobody" in refused.content.decode() and Survey.objects.count() == 2


def test_analysts_do_not_see_the_action(council, staff_client):
    rnd, _expected = _took_part(council)
    assert staff_client("analyst").get(reverse("staff:pb_round", args=[rnd.pk])).status_code == 403
    create = reverse("staff:survey_audience_create", args=["pb_round", str(rnd.pk)])
    assert staff_client("analyst").post(create, {"template": "pb_evaluation"}).status_code == 403
