"""The fair draw of an event's seats through `methods.selection`.

Quotas come from the population figures: for each balanced profile question and category,
seats x population share, rounded, plus or minus a tolerance staff can edit. Sessions are
drawn one after another (in order of time): each session's pool is the volunteers who said it
suits them and who have not been drawn for an earlier session; each draw is the leximin
lottery (`select_panel`) with an ordered reserve list.

The draw is made from the very files the volunteers can download (the pool with pseudonyms
and category codes, and the quotas), read back through the method's own file readers, so
`civicpanel select --people pool.csv --features quotas.csv --size N --seed S --reserve R`
gives the same selection and reserve list.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from civicpanel.events.models import Event, Participant, Session
from civicpanel.members.categories import Feature, member_categories, population_features
from civicpanel.methods.selection import (
    Features,
    InfeasibleQuotasError,
    Pool,
    SelectionError,
    SelectionResult,
    read_features,
    read_people,
    select_panel,
)
from civicpanel.methods.selection.quota import build_types, check_feasible

DEFAULT_TOLERANCE = 1
METHOD = "leximin"


def draw_features(*, council) -> list[Feature]:
    """The profile questions a draw can balance: those with complete population figures."""
    return [f for f in population_features(council=council) if f.usable]


@dataclass
class QuotaRow:
    feature: Feature
    option: object
    population_share: float
    target: float
    min: int
    max: int
    volunteers: int = 0
    volunteer_share: float | None = None
    drawn: int | None = None


def proposed_quotas(features: list[Feature], seats: int, tolerance: int) -> list[QuotaRow]:
    rows = []
    for feature in features:
        for option in feature.options:
            share = feature.population_share(option) or 0.0
            target = seats * share
            centre = round(target)
            rows.append(QuotaRow(feature=feature, option=option, population_share=share, target=target,
                                 min=max(0, centre - tolerance), max=min(seats, centre + tolerance)))
    return rows


def features_csv(rows: list[QuotaRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["feature", "value", "min", "max"])
    for row in rows:
        writer.writerow([row.feature.key, row.option.code, row.min, row.max])
    return out.getvalue()


def people_csv(features: list[Feature], people: list[tuple[str, dict[str, str]]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", *[f.key for f in features]])
    for pseudonym, codes in sorted(people):
        writer.writerow([pseudonym, *[codes[f.key] for f in features]])
    return out.getvalue()


def read_files(*, people: str, quotas: str) -> tuple[Pool, Features]:
    """The pool and quotas exactly as `civicpanel select` reads them from these two files."""
    with tempfile.TemporaryDirectory() as folder:
        people_path, quotas_path = Path(folder, "pool.csv"), Path(folder, "quotas.csv")
        people_path.write_text(people, encoding="utf-8")
        quotas_path.write_text(quotas, encoding="utf-8")
        features = read_features(quotas_path)
        pool, _table = read_people(people_path, features)
    return pool, features


def run_files(*, people: str, quotas: str, size: int, seed: int, reserve: int) -> SelectionResult:
    """Draw exactly as `civicpanel select` does from these two files."""
    pool, features = read_files(people=people, quotas=quotas)
    return select_panel(pool, features, size=size, seed=seed, method=METHOD, reserve=reserve)


@dataclass
class SessionPlan:
    session: Session
    pool: list[Participant]
    quotas: list[QuotaRow]
    problems: list[str] = field(default_factory=list)
    relaxation: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.problems


@dataclass
class DrawPlan:
    features: list[Feature]
    tolerance: int
    volunteers: int
    incomplete: int
    sessions: list[SessionPlan]
    errors: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.errors and all(s.feasible for s in self.sessions)


def _labels(features: list[Feature]) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    names = {f.key: f.question.text for f in features}
    values = {(f.key, o.code): o.text for f in features for o in f.options}
    return names, values


def explain(error: InfeasibleQuotasError, *, rows: list[QuotaRow], pool_codes: list[dict[str, str]],
            size: int, features: list[Feature]) -> tuple[list[str], list[str]]:
    """The method's explanation in the staff member's language: the same checks the method makes
    (named from the numbers, not from its English text), and its smallest relaxation."""
    names, values = _labels(features)
    problems = []
    if size > len(pool_codes):
        problems.append(_("%(size)s seats, but only %(n)s volunteers can come to this session.")
                        % {"size": size, "n": len(pool_codes)})
    have = Counter((key, codes[key]) for codes in pool_codes for key in codes)
    for row in rows:
        available = have[(row.feature.key, row.option.code)]
        if row.min > available:
            problems.append(_("%(question)s %(option)s: at least %(min)s, but only %(n)s such volunteers.")
                            % {"question": names[row.feature.key], "option": row.option.text, "min": row.min,
                               "n": available})
    for feature in features:
        mine = [r for r in rows if r.feature.key == feature.key]
        mins = sum(r.min for r in mine)
        if mins > size:
            problems.append(_("%(question)s: the minimums add up to %(sum)s, more than the %(size)s seats.")
                            % {"question": names[feature.key], "sum": mins, "size": size})
        maxes = sum(min(r.max, have[(feature.key, r.option.code)]) for r in mine)
        if maxes < size <= len(pool_codes):
            problems.append(_("%(question)s: at most %(sum)s can be drawn (the maximums, counting only the "
                              "volunteers there are), fewer than the %(size)s seats.")
                            % {"question": names[feature.key], "sum": maxes, "size": size})
    if not problems:
        problems.append(_("These quotas cannot all hold at once in a group of %(size)s from these volunteers.")
                        % {"size": size})
    relaxation = []
    for change in error.relaxation or []:
        text = values.get((change.feature, change.value), change.value)
        if change.bound == "min":
            relaxation.append(_("%(question)s %(option)s: minimum %(old)s → %(new)s")
                              % {"question": names.get(change.feature, change.feature), "option": text,
                                 "old": change.old, "new": change.new})
        else:
            relaxation.append(_("%(question)s %(option)s: maximum %(old)s → %(new)s")
                              % {"question": names.get(change.feature, change.feature), "option": text,
                                 "old": change.old, "new": change.new})
    return problems, relaxation


def volunteer_codes(*, council, features: list[Feature], participants: list[Participant]) -> dict[int, dict[str, str]]:
    """Participant id -> {question key: option code} for those with a category on every feature."""
    categories = {f.key: member_categories(council=council, feature=f) for f in features}
    code_of = {o.pk: o.code for f in features for o in f.options}
    result = {}
    for participant in participants:
        codes = {}
        for feature in features:
            option_id = categories[feature.key].get(participant.member_id)
            if option_id is None:
                break
            codes[feature.key] = code_of[option_id]
        else:
            result[participant.pk] = codes
    return result


def draw_plan(*, council, event: Event, feature_keys: list[str] | None, tolerance: int) -> DrawPlan:
    """Quotas per session, the volunteers beside the population, and whether each session's
    quotas can be met from the volunteers who can come (checked without drawing)."""
    available = draw_features(council=council)
    features = available if feature_keys is None else [f for f in available if f.key in feature_keys]
    volunteers = list(Participant.objects.filter(event=event, volunteered_at__isnull=False,
                                                 withdrawn_at__isnull=True).prefetch_related("sessions"))
    codes = volunteer_codes(council=council, features=features, participants=volunteers)
    plan = DrawPlan(features=features, tolerance=tolerance, volunteers=len(volunteers),
                    incomplete=len(volunteers) - len(codes), sessions=[])
    if not features:
        plan.errors.append(_("Choose at least one profile question with population figures to balance on."))
    if tolerance < 0:
        plan.errors.append(_("The tolerance must be 0 or more."))
    for session in event.sessions.filter(cancelled_at__isnull=True):
        pool = [p for p in volunteers if p.pk in codes and any(s.pk == session.pk for s in p.sessions.all())]
        rows = proposed_quotas(features, session.capacity, max(tolerance, 0))
        counts = Counter((key, c[key]) for p in pool for key, c in [(k, codes[p.pk]) for k in codes[p.pk]])
        for row in rows:
            row.volunteers = counts[(row.feature.key, row.option.code)]
            row.volunteer_share = row.volunteers / len(pool) if pool else None
        session_plan = SessionPlan(session=session, pool=pool, quotas=rows)
        if features and tolerance >= 0:
            _check(session_plan, codes=codes, features=features)
        plan.sessions.append(session_plan)
    if not plan.sessions:
        plan.errors.append(_("Add a session before drawing."))
    return plan


def _check(session_plan: SessionPlan, *, codes: dict[int, dict[str, str]], features: list[Feature]) -> None:
    people = people_csv(features, [(p.pseudonym, codes[p.pk]) for p in session_plan.pool])
    quotas = features_csv(session_plan.quotas)
    size = session_plan.session.capacity
    try:
        pool, method_features = read_files(people=people, quotas=quotas)
        check_feasible(pool, method_features, build_types(pool, method_features), size)
    except InfeasibleQuotasError as error:
        session_plan.problems, session_plan.relaxation = explain(
            error, rows=session_plan.quotas, pool_codes=[codes[p.pk] for p in session_plan.pool], size=size,
            features=features)
    except SelectionError as error:  # a file problem cannot come from our own files; say so plainly
        session_plan.problems = [str(error)]
