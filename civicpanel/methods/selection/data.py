"""Plain data in and out of the selection method."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import Problem
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
                raise SelectionError(f"{q.feature} {q.value} is listed twice", code="selection.quota_listed_twice",
                                     feature=q.feature, value=q.value)
            seen.add(key)
            if q.min < 0 or q.max < q.min:
                raise SelectionError(f"{q.feature} {q.value}: need 0 <= min <= max, got min {q.min}, max {q.max}",
                                     code="selection.bounds_order", feature=q.feature, value=q.value, min=q.min,
                                     max=q.max)

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
    Build one with `Pool.build`, which checks every value is known. `ids` are strings, or
    an integer array when `Pool.from_codes` was given one (a database's ids: a million of
    them made into strings and back took a few tenths of a second of a sample).
    """

    ids: tuple[str, ...] | np.ndarray
    values: Mapping[str, tuple[str, ...]]
    response_rates: np.ndarray | None = None
    # Each person's value index per feature (people x features, in the features' order), when
    # the pool was made from codes (`Pool.from_codes`): nothing per person is spelt out then.
    codes: np.ndarray | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_codes(
        cls,
        ids: Sequence[str] | np.ndarray,
        codes: np.ndarray,
        features: Features,
        response_rates: Sequence[float] | np.ndarray | None = None,
    ) -> Pool:
        """A pool from value indices: `codes[i, j]` is the index of person i's value in
        `features.values(features.names[j])`. For big pools built from a database's numbers:
        the checks of `build` made on arrays, and no string per person and feature. `ids` may be
        an integer array (a database's ids): it is kept as one (the pool's and the result's ids
        are then integers), and twice the same is found by sorting them. The draws are the same
        as with the ids as strings (`id_order`)."""
        unique = None
        if isinstance(ids, np.ndarray) and ids.dtype.kind in "iu":
            ids = ids.astype(np.int64)
            ids.flags.writeable = False
            ordered = np.sort(ids)
            unique = not len(ordered) or not bool((ordered[1:] == ordered[:-1]).any())
        else:
            ids = tuple(map(str, ids))
        codes = np.asarray(codes, dtype=np.int64)
        names = features.names
        problems: list[Problem] = []
        if codes.shape != (len(ids), len(names)):
            problems.append(Problem(f"codes of shape {codes.shape} for {len(ids)} people and {len(names)} features",
                                    code="selection.pool_length", feature=", ".join(names), given=codes.shape[0],
                                    n=len(ids)))
        else:
            for j, f in enumerate(names):
                known = len(features.values(f))
                bad = np.flatnonzero((codes[:, j] < 0) | (codes[:, j] >= known))
                for row in bad[:10]:
                    problems.append(Problem(
                        f"person {str(ids[row])!r}: unknown {f} {int(codes[row, j])!r} "
                        f"(known: {', '.join(features.values(f))})", code="selection.pool_unknown_value", feature=f,
                        value=str(int(codes[row, j])), known=", ".join(features.values(f))))
        if not unique and len(set(ids)) != len(ids):
            seen: dict[str, int] = {}
            for row, pid in enumerate(map(str, ids)):
                if pid in seen:
                    problems.append(Problem(f"id {pid!r} appears twice (people {seen[pid] + 1} and {row + 1})",
                                            code="selection.pool_id_twice", value=pid))
                seen.setdefault(pid, row)
        rates = None
        if response_rates is not None:
            rates = np.asarray(response_rates, dtype=float)
            if rates.shape != (len(ids),) or not np.all((rates >= 0) & (rates <= 1)):
                problems.append(Problem("response rates must be one number between 0 and 1 per person",
                                        code="selection.pool_rates"))
        if problems:
            raise SelectionError("\n".join(problems), code="selection.pool", problems=problems)
        return cls(ids=ids, values=_CodedValues(codes, features), response_rates=rates, codes=codes)

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
                problems.append(Problem(f"id {pid!r} appears twice (people {seen[pid] + 1} and {row + 1})",
                                        code="selection.pool_id_twice", value=pid))
            seen.setdefault(pid, row)
        values: dict[str, tuple[str, ...]] = {}
        lookup = {k.casefold(): k for k in columns}
        for feature in features.names:
            if feature.casefold() not in lookup:
                problems.append(Problem(f"no column for feature {feature!r}", code="selection.pool_no_column",
                                        feature=feature))
                continue
            column = columns[lookup[feature.casefold()]]
            if len(column) != len(ids):
                problems.append(Problem(f"feature {feature!r} has {len(column)} values for {len(ids)} people",
                                        code="selection.pool_length", feature=feature, given=len(column),
                                        n=len(ids)))
                continue
            canon = {v.casefold(): v for v in features.values(feature)}
            # Normalise each distinct spelling once: a pool has few distinct values per feature.
            known = {raw: canon.get(str(raw).strip().casefold()) for raw in set(column)}
            if None in known.values():
                for row, raw in enumerate(column):
                    if known[raw] is None:
                        problems.append(Problem(
                            f"person {ids[row]!r}: unknown {feature} {raw!r} (known: {', '.join(canon.values())})",
                            code="selection.pool_unknown_value", feature=feature, value=str(raw),
                            known=", ".join(canon.values())))
            values[feature] = tuple(known[raw] or "" for raw in column)
        rates = None
        if response_rates is not None:
            rates = np.asarray(response_rates, dtype=float)
            if rates.shape != (len(ids),) or not np.all((rates >= 0) & (rates <= 1)):
                problems.append(Problem("response rates must be one number between 0 and 1 per person",
                                    code="selection.pool_rates"))
        if problems:
            raise SelectionError("\n".join(problems), code="selection.pool", problems=problems)
        return cls(ids=ids, values=values, response_rates=rates)

    def __len__(self) -> int:
        return len(self.ids)


class _CodedValues(Mapping):
    """`Pool.values` of a pool made from codes: a feature's column spelt out only when asked."""

    def __init__(self, codes: np.ndarray, features: Features):
        self._codes, self._features = codes, features

    def __getitem__(self, feature: str) -> tuple[str, ...]:
        j = self._features.names.index(feature)
        labels = np.asarray(self._features.values(feature), dtype=object)
        return tuple(labels[self._codes[:, j]])

    def __iter__(self) -> Iterator[str]:
        return iter(self._features.names)

    def __len__(self) -> int:
        return len(self._features.names)


def id_order(ids: Sequence[str] | np.ndarray) -> np.ndarray:
    """The order of the ids as text (numpy's stable sort of their strings), the order in which
    the draws go through people, so that the order of the people file does not change a draw.
    For an integer array it is worked out on the numbers, with the same result as on their
    decimal strings (a seed draws the same sample from ids given either way): an id padded with
    zeros to the longest id's width orders as its text, and of two that pad alike (1, 10, 100)
    the shorter text comes first."""
    if not (isinstance(ids, np.ndarray) and ids.dtype.kind in "iu") or not len(ids) or ids.min() < 0:
        return np.argsort(np.asarray(ids, dtype=str), kind="stable")
    values = ids.astype(np.uint64)
    digits = np.ones(len(values), dtype=np.int64)
    for power in range(1, 20):
        digits += values >= np.uint64(10**power)
    width = int(digits.max())
    padded = values * (np.int64(10) ** (width - digits)).astype(np.uint64)
    if width <= 17:
        # One key (padded < 10**17, digits < 32): a single sort instead of two.
        return np.argsort(padded.astype(np.int64) * 32 + digits, kind="stable")
    return np.lexsort((digits, padded))


def selected_ids(pool: Pool, rows) -> tuple:
    """The ids of these rows of the pool, sorted: strings as text, integers as numbers."""
    if isinstance(pool.ids, np.ndarray):
        return tuple(np.sort(pool.ids[np.asarray(rows, dtype=np.int64)]).tolist())
    return tuple(sorted(pool.ids[r] for r in rows))


def pool_codes(pool: Pool, features: Features) -> np.ndarray:
    """Each person's value index per feature (people x features, in `features.names` order)."""
    names = features.names
    if pool.codes is not None:
        return pool.codes
    codes = np.zeros((len(pool), len(names)), dtype=np.int64)
    for j, f in enumerate(names):
        values = features.values(f)
        if len(pool):
            # A dict look-up per person (a third of the time of sorting the strings); values
            # that are not the features' strings themselves go the way of str().
            index = {v: i for i, v in enumerate(values)}
            column = pool.values[f]
            try:
                codes[:, j] = np.fromiter(map(index.__getitem__, column), dtype=np.int64,
                                          count=len(column))
            except (KeyError, TypeError):
                seen, inverse = np.unique(np.asarray(column, dtype=str), return_inverse=True)
                position = np.array([values.index(str(v)) for v in seen], dtype=np.int64)
                codes[:, j] = position[inverse.reshape(-1)]
    return codes


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
    # As the pool's: strings, or integers from an integer array (`Pool.from_codes`).
    ids: tuple[str, ...] | np.ndarray
    selected: tuple[str, ...] | tuple[int, ...]
    inclusion: np.ndarray
    target: tuple[tuple[str, str, float], ...]
    expected: tuple[tuple[str, str, float], ...]
    drawn: tuple[tuple[str, str, int], ...]
    shortfalls: tuple[str, ...]
    expected_completes: float
    panels_mixed: int
    seconds: float
    design: str = "lottery"
