"""The refresh planner: how many letters to send to which groups to close the largest gaps.

For each group the extract can aim at (age band, gender, district) that is at least
HEADLINE_MIN_GAP_POINTS below its share of the residents, the members needed to reach that
share with the panel as it is: x = (s x N - c) / (1 - s), where s is the residents' share, N
the active panel and c the group's members (adding x members of the group raises both c and N).
The letters needed are x over the group's conversion so far (sampling.conversion_rates; the
planning figure DEFAULT_CONVERSION until letters have been sent). The PLAN_GROUPS largest gaps
are planned; a letter batch from the plan draws each group's letters at random among the
addressees of the newest extract who have had no letter yet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import Count

from civicpanel.analysis.representativeness import (
    HEADLINE_MIN_GAP_POINTS,
    group_label,
    representativeness,
)
from civicpanel.recruitment import selectors
from civicpanel.recruitment.models import AddressExtract
from civicpanel.recruitment.sampling import conversion_rates

PLAN_GROUPS = 3
PREFIX_FIELD = {"age": "age_option_id", "gender": "gender_option_id", "district": "district_option_id"}


@dataclass
class PlanRow:
    key: str
    label: str
    population_share: float
    panel_share: float | None
    gap_points: float
    members_needed: int
    conversion: float
    conversion_observed: bool
    letters: int
    available: int | None  # addressees of the newest extract without a letter yet (None: no extract)

    @property
    def to_send(self) -> int:
        return self.letters if self.available is None else min(self.letters, self.available)


@dataclass
class RefreshPlan:
    rows: list[PlanRow] = field(default_factory=list)
    extract: AddressExtract | None = None
    active: int = 0

    @property
    def letters(self) -> int:
        return sum(row.letters for row in self.rows)

    @property
    def to_send(self) -> int:
        return sum(row.to_send for row in self.rows)

    @property
    def as_plan(self) -> list[tuple[str, int]]:
        return [(row.key, row.to_send) for row in self.rows if row.to_send]


def members_needed(*, share: float, count: int, total: int) -> int:
    if share >= 1:
        return 0
    return max(0, math.ceil((share * total - count) / (1 - share) - 1e-9))


def refresh_plan(*, council) -> RefreshPlan:
    report = representativeness(council=council)
    conversion = selectors.letter_conversion(council=council)
    rates = conversion_rates(conversion)
    extract = selectors.latest_extract(council=council)
    plan = RefreshPlan(extract=extract, active=report.active_members)
    candidates = []
    for composition in report.questions:
        prefix = selectors.group_prefix(composition.question)
        if prefix is None:
            continue
        for row in composition.rows:
            if row.gap_points is None or row.gap_points > -HEADLINE_MIN_GAP_POINTS:
                continue
            candidates.append((prefix, composition, row))
    candidates.sort(key=lambda c: c[2].gap_points)
    available: dict[str, int] = {}
    if extract is not None:
        people = selectors.available_addressees(extract=extract)
        for prefix, field_name in PREFIX_FIELD.items():
            for option_id, n in people.values_list(field_name).annotate(n=Count("id")).order_by():
                if option_id:
                    available[f"{prefix}:{option_id}"] = n
    for prefix, composition, row in candidates[:PLAN_GROUPS]:
        key = f"{prefix}:{row.option.pk}"
        needed = members_needed(share=row.population_share, count=row.panel_count, total=composition.answered)
        rate = rates.get(key, conversion.overall)
        plan.rows.append(PlanRow(
            key=key, label=group_label(composition.question, row.option), population_share=row.population_share,
            panel_share=row.panel_share, gap_points=row.gap_points, members_needed=needed, conversion=rate,
            conversion_observed=conversion.total_letters > 0,
            letters=math.ceil(needed / rate) if rate > 0 else 0,
            available=available.get(key, 0) if extract is not None else None))
    return plan
