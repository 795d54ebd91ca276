"""Phases switch at the dates staff set (`civicpanel pb_advance_phases`), with the vote's rules
freeze and the count as on the staff page."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from civicpanel.audit.models import AuditEvent
from civicpanel.budgeting import services, voting
from civicpanel.budgeting.models import Round
from civicpanel.budgeting.schedule import rounds_advance_due
from tests.budgeting.factories import build_round, voter_member

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def dated(rnd: Round, **days) -> Round:
    today = timezone.localdate()
    Round.objects.filter(pk=rnd.pk).update(**{f"{stage}_starts": today + n * DAY for stage, n in days.items()})
    rnd.refresh_from_db()
    return rnd


def test_the_vote_opens_on_its_date_with_projects_and_rules_frozen(council):
    rnd = dated(build_round(council, stage=Round.Stage.ASSESSMENT), ideas=-30, assessment=-10, voting=0, result=14)
    assert rnd.projects_frozen_at is None
    report = rounds_advance_due()
    rnd.refresh_from_db()
    assert rnd.stage == Round.Stage.VOTING and rnd.projects_frozen_at is not None
    assert [(r.pk, stage) for r, stage in report.moved] == [(rnd.pk, "voting")]
    with pytest.raises(ValidationError, match="frozen"):
        services.project_create(council=council, actor=rnd.actor, round=rnd, title={"en": "late"}, cost=5)
    voting.ballot_cast(round=rnd, voter=voting.voter_for_member(voter_member(council)), pot="city", choices=[1])
    with pytest.raises(ValidationError, match="Ballots have been cast"):
        services.round_update(council=council, actor=rnd.actor, round=rnd, rule=Round.Rule.GREEDY)
    # Nothing more is due: a second run changes nothing.
    assert not rounds_advance_due().moved
    assert AuditEvent.objects.filter(action="pb.round.stage", actor_label="system").count() == 1


def test_the_vote_closes_and_is_counted_on_the_result_date_and_never_goes_back(council):
    rnd = dated(build_round(council), voting=-14, result=0, building=30)
    voting.ballot_cast(round=rnd, voter=voting.voter_for_member(voter_member(council)), pot="city", choices=[1, 2])
    rounds_advance_due()
    rnd.refresh_from_db()
    assert rnd.stage == Round.Stage.RESULT and rnd.is_counted
    # Staff moved it on by hand before the building date: the dates never move it back.
    services.round_set_stage(council=council, actor=rnd.actor, round=rnd, stage=Round.Stage.BUILDING)
    Round.objects.filter(pk=rnd.pk).update(building_starts=None)
    assert not rounds_advance_due().moved
    assert Round.objects.get(pk=rnd.pk).stage == Round.Stage.BUILDING


def test_a_step_that_is_not_ready_waits_for_staff_and_is_reported(council):
    rnd = dated(build_round(council, stage=Round.Stage.ASSESSMENT, costs=()), voting=-1, result=20)
    future = dated(build_round(council, stage=Round.Stage.IDEAS), assessment=3)
    out = io.StringIO()
    call_command("pb_advance_phases", stdout=out)
    assert Round.objects.get(pk=rnd.pk).stage == Round.Stage.ASSESSMENT
    assert Round.objects.get(pk=future.pk).stage == Round.Stage.IDEAS
    text = out.getvalue()
    assert f"round {rnd.pk} could not move to the voting phase: No project goes to the vote yet" in text
    assert "0 round(s) moved; 1 waiting for staff." in text
    assert AuditEvent.objects.filter(action="pb.round.stage_blocked").count() == 1


def test_several_dates_passed_at_once_are_walked_one_phase_at_a_time(council):
    rnd = dated(build_round(council, stage=Round.Stage.INFORMATION), ideas=-20, assessment=-10, voting=-5, result=-1,
                building=0)
    report = rounds_advance_due()
    rnd.refresh_from_db()
    assert rnd.stage == Round.Stage.BUILDING and rnd.is_counted and rnd.projects_frozen_at
    assert report.moved[0][1] == "building"
    stages = list(AuditEvent.objects.filter(action__in=["pb.round.stage", "pb.round.count"], object_id=str(rnd.pk))
                  .order_by("pk").values_list("action", "detail"))
    assert [d.get("stage", a) for a, d in stages][-5:] == ["ideas", "assessment", "voting", "pb.round.count",
                                                          "building"]
