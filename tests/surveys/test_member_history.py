"""The member page lists the surveys the member was invited to and answered; "last active"
moves when they answer and is never in the future."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from civicpanel.members.history import HistorySection, member_history, register_history_provider
from civicpanel.members.models import Member
from civicpanel.surveys import services
from tests.factories import MemberFactory
from tests.surveys.factories import build_survey, invite
from tests.surveys.test_results import answer

pytestmark = pytest.mark.django_db


def test_member_page_lists_surveys_invited_and_answered(council, staff_client):
    member = MemberFactory(council=council, language="en")
    answered, ignored = build_survey(council), build_survey(council)
    services.survey_update(council=council, actor=None, survey=ignored, title={"en": "Parks and benches"})
    answered_invitation, _token = invite(answered, member)
    invite(ignored, member)
    answer(answered, answered_invitation)
    other = MemberFactory(council=council)
    invite(build_survey(council), other)  # someone else's invitation is not on this page

    sections = member_history(member)
    surveys = next(s for s in sections if s.key == "surveys")
    assert [row.title for row in surveys.rows] == ["Parks and benches", "Traffic"]  # newest first
    assert [row.taken_part for row in surveys.rows] == [False, True]

    html = staff_client("manager").get(reverse("staff:member_detail", args=[member.pk]),
                                       HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Invited to 2 surveys, answered 1." in html
    assert "Parks and benches" in html and "Not answered yet" in html and "Answered" in html


def test_member_page_in_danish_has_danish_dates(council, staff_client):
    member = MemberFactory(council=council)
    Member.objects.filter(pk=member.pk).update(joined_at=timezone.make_aware(datetime.datetime(2026, 3, 12, 10, 0)))
    html = staff_client("manager").get(reverse("staff:member_detail", args=[member.pk]),
                                       HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "12. marts 2026" in html and "2026-03-12" not in html


def test_answering_updates_last_active(council):
    member = MemberFactory(council=council)
    long_ago = timezone.now() - datetime.timedelta(days=200)
    Member.objects.filter(pk=member.pk).update(last_active_at=long_ago)
    survey = build_survey(council)
    invitation, _token = invite(survey, member)
    before = timezone.now()
    answer(survey, invitation)
    member.refresh_from_db()
    assert before <= member.last_active_at <= timezone.now()


def test_history_is_an_extension_point_for_other_apps(council):
    """An app above members (events, budgeting) adds its own section without members importing it."""
    member = MemberFactory(council=council)

    def workshops(m):
        return HistorySection(key="workshops", title="Workshops", rows=[], summary="")

    register_history_provider(workshops)
    try:
        assert [s.key for s in member_history(member)][-1] == "workshops"
    finally:
        from civicpanel.members import history

        history._providers.remove(workshops)


def test_member_page_lists_the_events_a_member_was_called_to(council, staff_client):
    from tests.events.factories import called_volunteers, make_event, panel_with_population

    panel_with_population(council, size=12)
    event = make_event(council)
    participants = called_volunteers(council, event, count=1)
    volunteer, called_only = participants[0], participants[1]
    client = staff_client("manager")
    html = client.get(reverse("staff:member_detail", args=[volunteer.member_id]),
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h2>Events</h2>" in html and "User test of My page" in html and "Volunteered" in html
    assert "Called to 1 event, took part in 0." in html
    html = client.get(reverse("staff:member_detail", args=[called_only.member_id]),
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Called, did not volunteer" in html
    never = MemberFactory(council=council)
    html = client.get(reverse("staff:member_detail", args=[never.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h2>Events</h2>" not in html and "<h2>Surveys</h2>" in html
