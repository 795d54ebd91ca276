"""Phases that switch at the dates staff set (`civicpanel pb_advance_phases`, from cron).

A round moves forward, one phase at a time, to the last phase whose start date has come; it never
moves back. Each step goes through the same service as the staff page's phase buttons, so the same
rules hold: opening the vote needs projects for the vote and freezes their list and the rules;
the result phase is reached by closing the vote and counting it (`counting.round_count`). A step
that is refused (no project for the vote yet, paper ballots not yet confirmed by a second staff
member) leaves the round where it is; the command reports it and tries again on its next run, and
staff can act on the round's page. Imported rounds are finished and are left alone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone

from civicpanel.audit.services import audit_record
from civicpanel.budgeting import counting, services
from civicpanel.budgeting.models import Round

SYSTEM_ACTOR = "system"
STARTS = {stage: f"{stage}_starts" for stage in services.STAGES}


@dataclass
class AdvanceReport:
    moved: list[tuple[Round, str]] = field(default_factory=list)  # (round, the phase it reached)
    blocked: list[tuple[Round, str, str]] = field(default_factory=list)  # (round, phase due, why not)


def due_stage(rnd: Round, today: datetime.date) -> str | None:
    """The last phase whose start date has come, or None if none has."""
    due = None
    for stage in services.STAGES:
        starts = getattr(rnd, STARTS[stage])
        if starts is not None and starts <= today:
            due = stage
    return due


def rounds_advance_due(*, today: datetime.date | None = None, councils=None) -> AdvanceReport:
    today = today or timezone.localdate()
    report = AdvanceReport()
    rounds = Round.objects.filter(imported=False).select_related("council").order_by("pk")
    if councils is not None:
        rounds = rounds.filter(council__in=councils)
    for rnd in rounds:
        target = due_stage(rnd, today)
        if target is None or services.STAGES.index(target) <= services.STAGES.index(rnd.stage):
            continue
        reached = None
        while services.STAGES.index(rnd.stage) < services.STAGES.index(target):
            step = services.STAGES[services.STAGES.index(rnd.stage) + 1]
            try:
                if step == Round.Stage.RESULT:
                    rnd = counting.round_count(council=rnd.council, actor=SYSTEM_ACTOR, round=rnd)
                else:
                    rnd = services.round_set_stage(council=rnd.council, actor=SYSTEM_ACTOR, round=rnd, stage=step)
            except ValidationError as error:
                reason = " ".join(error.messages)
                report.blocked.append((rnd, step, reason))
                audit_record(council=rnd.council, actor=SYSTEM_ACTOR, action="pb.round.stage_blocked", target=rnd,
                             detail={"stage": step})
                break
            reached = rnd.stage
        if reached is not None:
            report.moved.append((rnd, reached))
    return report
