"""Plain data in and out of the selection method."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .errors import SelectionError


@dataclass(frozen=True)
class Quota:
    """How many panel members must (min) and may (max) have `feature` = `value`.

    `min_flex`/`max_flex` bound how far a suggested relaxation may move min and max
    (as in the Sortition Foundation's features sheet); None means unbounded.
    `population` is the value's share (or count) in the population, used by
    stratified samples; it is normalised within the feature.
    """

    feature: str
    value: str
    min: int = 0
    max: int = 10**9
    min_flex: int | None = None
    max_flex: int | None = None
    population: float | None = None


@dataclass(frozen=True)
class Features:
    """The features and their values, in file order, with one quota per value."""

    quotas: tuple[Quota, ...]

    def __post_init__(self) -> None:
        seen: set[tuple[str, str]] = set()
        for q in self.quotas:
            key = (q.feature.casefold(), q.value.casefold())
            if key in seen:
                raise SelectionError(f"{q.feature} {q.value} is listed twice")
            seen.add(key)
            if q.min < 0 or q.max < q.min:
                raise SelectionError(f"{q.feature} {q.value}: need 0 <= min <= max, got min {q.min}, max {q.max}")

    @property
    def names(self) -> tuple[str, ...]:
        out: list[str] = []
        for q in self.quotas:
            if q.feature not in out:
                out.append(q.feature)
        return tuple(out)

    def values(self, feature: str) -> tuple[str, ...]:
        return tuple(q.value for q in self.quotas if q.feature == feature)

    def quota(self, feature: str, value: str) -> Quota:
        for q in self.quotas:
            if q.feature == feature and q.value == value:
                return q
        raise KeyError((feature, value))


@dataclass(frozen=True)
class Pool:
    """The people to select from: an id and one value per feature each.

    `values[f][i]` is person i's value of feature f, spelt as in the features.
    Build one with `Pool.build`, which checks every value is known.
    """

    ids: tuple[str, ...]
    values: Mapping[str, tuple[str, ...]]
    response_rates: np.ndarray | None = None

    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        columns: Mapping[str, Sequence[str]],
        features: Features,
        response_rates: Sequence[float] | np.ndarray | None = None,
    ) -> Pool:
        """Check and normalise a pool: known values (matched ignoring case), unique ids."""
        ids = tuple(str(i) for i in ids)
        problems: list[str] = []
        seen: dict[str, int] = {}
        for row, pid in enumerate(ids):
            if pid in seen:
                problems.append(f"id {pid!r} appears twice (people {seen[pid] + 1} and {row + 1})")
            seen.setdefault(pid, row)
        values: dict[str, tuple[str, ...]] = {}
        lookup = {k.casefold(): k for k in columns}
        for feature in features.names:
            if feature.casefold() not in lookup:
                problems.append(f"no column for feature {feature!r}")
                continue
            column = columns[lookup[feature.casefold()]]
            if len(column) != len(ids):
                problems.append(f"feature {feature!r} has {len(column)} values for {len(ids)} people")
                continue
            canon = {v.casefold(): v for v in features.values(feature)}
            # Normalise each distinct spelling once: a pool has few distinct values per feature.
            known = {raw: canon.get(str(raw).strip().casefold()) for raw in set(column)}
            if None in known.values():
                for row, raw in enumerate(column):
                    if known[raw] is None:
                        problems.append(
                            f"person {ids[row]!r}: unknown {feature} {raw!r} (known: {', '.join(canon.values())})"
                        )
            values[feature] = tuple(known[raw] or "" for raw in column)
        rates = None
        if response_rates is not None:
            rates = np.asarray(response_rates, dtype=float)
            if rates.shape != (len(ids),) or not np.all((rates >= 0) & (rates <= 1)):
                problems.append("response rates must be one number between 0 and 1 per person")
        if problems:
            raise SelectionError("\n".join(problems))
        return cls(ids=ids, values=values, response_rates=rates)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class QuotaCount:
    feature: str
    value: str
    min: int
    max: int
    selected: int

    @property
    def met(self) -> bool:
        return self.min <= self.selected <= self.max


@dataclass(frozen=True)
class SelectionResult:
    """A drawn panel and the lottery it was drawn from.

    `probabilities[i]` is the exact probability that `ids[i]` is selected under the
    lottery (a mix of `panels_mixed` panel compositions, each filled by drawing
    members uniformly within each group of people with identical feature values).
    `lp_bound` is the largest minimum probability any lottery could give.
    """

    method: str
    seed: int
    size: int
    ids: tuple[str, ...]
    selected: tuple[str, ...]
    reserve: tuple[str, ...]
    probabilities: np.ndarray
    min_probability: float
    lp_bound: float
    quotas_met: bool
    quota_counts: tuple[QuotaCount, ...]
    panels_mixed: int
    levels: int
    seconds: float
    compositions: np.ndarray = field(repr=False)
    composition_weights: np.ndarray = field(repr=False)
    groups: tuple[tuple[str, ...], ...] = field(repr=False)

    def probability_of(self, person_id: str) -> float:
        return float(self.probabilities[self.ids.index(person_id)])


@dataclass(frozen=True)
class StratifiedResult:
    """A stratified sample: who to invite and each person's inclusion probability.

    `inclusion[i]` is the exact probability that `ids[i]` is invited; `target` and
    `expected` give, per feature value, the wanted and the expected number of
    completes (invitations times response rate); `shortfalls` name the values where
    the pool is too thin to reach the target. `design` is "lottery" (over types; each
    value's invitations are their expectation rounded down or up) or "cube" (balanced
    sampling for many features; each value's invitations close to their expectation).
    """

    method: str
    seed: int
    size: int
    ids: tuple[str, ...]
    selected: tuple[str, ...]
    inclusion: np.ndarray
    target: tuple[tuple[str, str, float], ...]
    expected: tuple[tuple[str, str, float], ...]
    drawn: tuple[tuple[str, str, int], ...]
    shortfalls: tuple[str, ...]
    expected_completes: float
    panels_mixed: int
    seconds: float
    design: str = "lottery"
