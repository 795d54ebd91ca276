"""The effort meter against a constructed audit log."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from civicpanel.audit.models import AuditEvent
from civicpanel.surveys.effort import LEAD_TIME, council_effort_average, effort_of, survey_effort
from tests.factories import staff_user
from tests.surveys.factories import build_survey

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - timedelta(days=10)


def at(minutes: float):
    return T0 + timedelta(minutes=minutes)


def test_sessions_are_cut_at_pauses_over_30_minutes_and_each_gets_its_lead_time():
    # One person: 0-20 (one session, pauses of 10), then 55 (a pause of 35: a new one-event session).
    effort = effort_of([(1, at(0)), (1, at(10)), (1, at(20)), (1, at(55))])
    assert effort.sessions == 2 and effort.actions == 4
    assert effort.minutes == 20 + 0 + 2 * LEAD_TIME.total_seconds() / 60
    # A pause of exactly 30 minutes stays in the session.
    assert effort_of([(1, at(0)), (1, at(30))]).sessions == 1
    # Two people working at once: each has their own sessions, and the times add up.
    both = effort_of([(1, at(0)), (2, at(1)), (1, at(10)), (2, at(6))])
    assert both.sessions == 2 and both.minutes == 10 + 5 + 2 * 5
    assert effort_of([]).minutes == 0


def _log(council, survey, actor, minutes, action="survey.question_update"):
    # The log is append-only (PostgreSQL refuses an UPDATE), so each event is written at its time.
    with mock.patch("django.utils.timezone.now", return_value=at(minutes)):
        AuditEvent.objects.create(council=council, actor=actor, actor_label="x", action=action,
                                  object_type="surveys.survey", object_id=str(survey.pk))


def test_survey_page_and_overview_show_the_effort(council, staff_client):
    manager = staff_client("manager")
    survey = build_survey(council)  # its own build events have no actor: not staff work
    other = build_survey(council)
    for minutes in (0, 12, 25):
        _log(council, survey, manager.user, minutes)
    _log(council, survey, manager.user, 25.5, action="survey.send")
    _log(council, survey, manager.user, 24 * 60)  # the next day: the feedback
    _log(council, other, manager.user, 0)  # a draft never sent: not in the average
    # Another council's events for the same survey id never count.
    other_council_user = staff_user(council, "analyst")
    AuditEvent.objects.create(council=None, actor=other_council_user, action="survey.update",
                              object_type="surveys.survey", object_id=str(survey.pk))

    effort = survey_effort(council=council, survey=survey)
    assert effort.actions == 5 and effort.sessions == 2
    assert effort.minutes == pytest.approx(25.5 + 5 + 5)
    html = manager.get(reverse("staff:survey_detail", args=[survey.pk])).content.decode()
    assert "36 min" in html and "5 actions" in html

    average = council_effort_average(council=council)
    assert average.surveys == 1 and average.minutes == pytest.approx(35.5) and average.actions == 5
    home = manager.get(reverse("staff:home")).content.decode()
    assert "36 min" in home and "17" in home
