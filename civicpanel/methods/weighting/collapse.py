"""Merging categories that have too few respondents to be weighted on (docs/methods/weighting.md).

A category with population but fewer than `min_respondents` respondents would get a few very
large weights (or, with none, no weight could reach it); a category with respondents but no
population would need weights of 0. Instead of leaving the whole feature out, such categories
are merged with a neighbour, in the population figures and the respondents alike, one at a time:

1. Among the categories that need merging, take the one with the fewest respondents (ties: the
   smaller population, then the earlier category).
2. Merge it with a neighbour:
   * ordered categories (age bands): with the adjacent category; of two, the one with the
     smaller population (ties: the earlier one), so merged bands stay as narrow as possible;
   * unordered categories: with the category whose population share is closest to its own
     (ties: fewer respondents, then the earlier category).
3. Repeat until every category left has at least `min_respondents` respondents and population.

Categories with neither population nor respondents (a figure of 0 for "other" that nobody
chose) are kept as they are: they change nothing. When merging leaves a single category, the
feature cannot describe any difference between respondents, so it leaves the weighting
(`Collapse.dropped`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["MIN_RESPONDENTS", "Collapse", "Merge", "collapse_categories"]

MIN_RESPONDENTS = 5
"""Fewest respondents a weighting category may rest on: the same floor as the published cells
(`methods.disclosure`); below it a handful of people would carry a large weight."""


@dataclass(frozen=True)
class Merge:
    """One step: category group `category` (original indices) joined to `into`; `reason` is
    "few" (fewer respondents than the floor) or "no_population" (respondents but no figure)."""

    category: tuple[int, ...]
    into: tuple[int, ...]
    respondents: int
    reason: str


@dataclass(frozen=True)
class Collapse:
    """The categories after merging: `groups` lists the original category indices of each
    merged category in order; `mapping[k]` is the merged index of original category k."""

    groups: tuple[tuple[int, ...], ...]
    mapping: np.ndarray
    merges: tuple[Merge, ...]
    dropped: bool
    min_respondents: int

    def recode(self, codes: np.ndarray) -> np.ndarray:
        """Respondents' original category codes as merged category codes."""
        return self.mapping[np.asarray(codes, dtype=np.int64)]

    def merged_population(self, population: Sequence[float]) -> list[float]:
        pop = np.asarray(population, dtype=float)
        return [float(pop[list(g)].sum()) for g in self.groups]


def collapse_categories(respondents: Sequence[float], population: Sequence[float], *, ordered: bool,
                        min_respondents: int = MIN_RESPONDENTS) -> Collapse:
    """Merge categories by the rule in the module docstring.

    `respondents[k]` is the number of respondents in category k, `population[k]` its figure
    (count or share). Never raises for valid input; a feature that merging cannot save comes
    back with `dropped` true.
    """
    r = np.asarray(respondents, dtype=float)
    p = np.asarray(population, dtype=float)
    if r.shape != p.shape or r.ndim != 1:
        raise ValueError("respondents and population need one figure per category each")
    if np.any(r < 0) or np.any(p < 0) or not np.all(np.isfinite(p)):
        raise ValueError("respondents and population figures must be zero or more")
    groups: list[list[int]] = [[k] for k in range(len(r))]
    merges: list[Merge] = []
    total_p = float(p.sum()) or 1.0

    def resp(g: list[int]) -> float:
        return float(r[g].sum())

    def pop(g: list[int]) -> float:
        return float(p[g].sum())

    def live(g: list[int]) -> bool:
        return resp(g) > 0 or pop(g) > 0

    def needs(g: list[int]) -> str | None:
        if not live(g):
            return None
        if resp(g) > 0 and pop(g) == 0:
            return "no_population"
        if resp(g) < min_respondents:
            return "few"
        return None

    while True:
        alive = [i for i, g in enumerate(groups) if live(g)]
        small = [i for i in alive if needs(groups[i])]
        if not small or len(alive) <= 1:
            break
        i = min(small, key=lambda i: (resp(groups[i]), pop(groups[i]), i))
        if ordered:
            position = alive.index(i)
            candidates = [alive[j] for j in (position - 1, position + 1) if 0 <= j < len(alive)]
            j = min(candidates, key=lambda j: (pop(groups[j]), j))
        else:
            share = pop(groups[i]) / total_p
            j = min((j for j in alive if j != i),
                    key=lambda j: (abs(pop(groups[j]) / total_p - share), resp(groups[j]), j))
        reason = needs(groups[i]) or "few"
        merges.append(Merge(category=tuple(groups[i]), into=tuple(groups[j]), respondents=int(resp(groups[i])),
                            reason=reason))
        low, high = sorted((i, j))
        merged = sorted(groups[low] + groups[high])
        if ordered:
            # Adjacent among the live groups; empty groups between them are taken in so that
            # merged bands stay contiguous.
            merged = sorted(k for g in groups[low:high + 1] for k in g)
            groups[low:high + 1] = [merged]
        else:
            groups[low] = merged
            del groups[high]
    remaining = [g for g in groups if live(g)]
    dropped = len(remaining) <= 1 or any(needs(g) for g in remaining)
    mapping = np.empty(len(r), dtype=np.int64)
    for index, g in enumerate(groups):
        mapping[g] = index
    return Collapse(groups=tuple(tuple(g) for g in groups), mapping=mapping, merges=tuple(merges),
                    dropped=dropped, min_respondents=min_respondents)
