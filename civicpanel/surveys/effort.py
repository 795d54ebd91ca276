"""The effort meter: how much staff time and how many staff actions a survey took, read from
the audit log, from its first draft to the feedback to members.

What counts: every audit event with a staff member as actor and the survey as its target
(creating, building, writing the purpose, opening, sending, reminding, exporting, making and
downloading the report, publishing, the feedback mailing: each app that acts on a survey audits
it with the survey as target). Events of the scheduled jobs (no actor) are not staff work.

How time is counted: each staff member's events are cut into sessions wherever more than
SESSION_GAP passes between two of them (a longer pause is time spent on something else). A
session lasts from its first event to its last, plus LEAD_TIME for the reading and writing done
before its first event is saved. The survey's staff time is the sum over its sessions and staff
members. This under- rather than over-counts: time spent on the survey away from the product
(a committee meeting, a phone call) is not in the log.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from civicpanel.audit.models import AuditEvent

SESSION_GAP = timedelta(minutes=30)
LEAD_TIME = timedelta(minutes=5)
# What a secretariat spends on one survey today without the product (the councils' own figure).
HOURS_WITHOUT_PRODUCT = 17
SURVEY_TARGET = "surveys.survey"


@dataclass(frozen=True)
class Effort:
    actions: int
    minutes: float
    sessions: int
    first: datetime | None = None
    last: datetime | None = None


def effort_of(events: list[tuple[int, datetime]]) -> Effort:
    """Effort from (actor id, moment) pairs (see the module docstring for the rule)."""
    if not events:
        return Effort(actions=0, minutes=0.0, sessions=0)
    by_actor: dict[int, list[datetime]] = defaultdict(list)
    for actor, moment in events:
        by_actor[actor].append(moment)
    total = timedelta()
    sessions = 0
    for moments in by_actor.values():
        moments.sort()
        start = previous = moments[0]
        for moment in moments[1:]:
            if moment - previous > SESSION_GAP:
                total += previous - start + LEAD_TIME
                sessions += 1
                start = moment
            previous = moment
        total += previous - start + LEAD_TIME
        sessions += 1
    moments = [m for _a, m in events]
    return Effort(actions=len(events), minutes=total.total_seconds() / 60, sessions=sessions,
                  first=min(moments), last=max(moments))


def _events(council, survey_ids=None):
    rows = AuditEvent.objects.filter(council=council, object_type=SURVEY_TARGET, actor__isnull=False)
    if survey_ids is not None:
        rows = rows.filter(object_id__in=[str(pk) for pk in survey_ids])
    return rows.values_list("object_id", "actor_id", "created_at", "action").order_by()


def survey_effort(*, council, survey) -> Effort:
    return effort_of([(actor, moment) for _s, actor, moment, _a in _events(council, [survey.pk])])


@dataclass(frozen=True)
class EffortAverage:
    surveys: int
    minutes: float
    actions: float
    hours_without: int = HOURS_WITHOUT_PRODUCT

    @property
    def share_of_today(self) -> float:
        """The product's time as a share of the hours spent without it."""
        return self.minutes / (self.hours_without * 60)


def council_effort_average(*, council) -> EffortAverage | None:
    """The average effort per survey over the council's surveys that have been sent (a draft
    nobody sent is not a survey's whole work); None before the first is sent."""
    by_survey: dict[str, list[tuple[int, datetime]]] = defaultdict(list)
    sent: set[str] = set()
    for survey_id, actor, moment, action in _events(council):
        by_survey[survey_id].append((actor, moment))
        if action == "survey.send":
            sent.add(survey_id)
    efforts = [effort_of(by_survey[s]) for s in sent]
    if not efforts:
        return None
    return EffortAverage(surveys=len(efforts), minutes=sum(e.minutes for e in efforts) / len(efforts),
                         actions=sum(e.actions for e in efforts) / len(efforts))
