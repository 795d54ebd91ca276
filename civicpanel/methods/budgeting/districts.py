"""Rounds with districts: each district (Pabulib's `subunit`) has its own budget and its own
voters and is counted on its own; a city-wide pot, where the round has one, is counted over all
its voters. With `carry_over`, money a district leaves unspent is added to the city-wide pot
before it is counted (off by default: most cities return it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from .counting import Options, Outcome, count
from .election import BudgetingError, Election, format_number


@dataclass(frozen=True)
class DistrictsOutcome:
    districts: dict[str, Outcome]
    citywide: Outcome | None
    carried_over: Any = 0

    def to_dict(self) -> dict[str, Any]:
        return {"districts": {k: v.to_dict() for k, v in self.districts.items()},
                "citywide": self.citywide.to_dict() if self.citywide else None,
                "carried_over": float(self.carried_over)}


def district_name(election: Election) -> str:
    return election.meta.get("subunit") or election.meta.get("district") or election.label


def count_districts(districts: Mapping[str, Election] | list[Election], citywide: Election | None = None, *,
                    rule: str = "mes", options: Options | None = None, carry_over: bool = False,
                    explain: bool = False) -> DistrictsOutcome:
    """Count every district with its own budget, then the city-wide pot (if any)."""
    if not isinstance(districts, Mapping):
        named: dict[str, Election] = {}
        for e in districts:
            name = district_name(e)
            if name in named:
                raise BudgetingError(f"two districts are both called {name!r}", code="budgeting.district_twice",
                                     district=name)
            named[name] = e
        districts = named
    options = options or Options()
    results = {name: count(e, rule, options=options, explain=explain) for name, e in districts.items()}
    city = None
    carried = sum((r.budget - r.total_cost for r in results.values()), start=0)
    if citywide is not None:
        if carry_over and carried:
            meta = dict(citywide.meta)
            meta["budget"] = format_number(citywide.budget + carried)
            citywide = replace(citywide, meta=meta)
        city = count(citywide, rule, options=options, explain=explain)
    return DistrictsOutcome(results, city, carried if carry_over and citywide is not None else 0)
