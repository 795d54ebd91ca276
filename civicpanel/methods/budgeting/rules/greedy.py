"""Greedy by votes (the rule most cities use) and greedy by votes per cost."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from ..profile import Profile


def greedy(profile: Profile, rank: list[int], *, per_cost: bool = False,
           selected: Iterable[int] = (), min_score: int | None = None,
           fund_unsupported: bool = True) -> list[int]:
    """Fund projects in order of total points (or points per unit of cost), skipping any that no
    longer fit. `selected` are already funded (a completion); `min_score` is a vote threshold
    (Warszawa's greedy-threshold). Projects nobody supports come last and, as in pabutools, are
    funded if money is left unless `fund_unsupported` is False."""
    chosen = list(selected)
    remaining = profile.budget - sum(profile.costs[j] for j in chosen)
    taken = set(chosen)

    def key(j: int):
        s = profile.score(j)
        c = profile.costs[j]
        if per_cost:
            density = Fraction(s, c) if c > 0 and s > 0 else (Fraction(10**30) if s > 0 else Fraction(0))
            return (-density, rank[j])
        return (-s, rank[j])

    candidates = [j for j in range(profile.m) if j not in taken and j not in profile.excluded]
    if min_score is not None:
        candidates = [j for j in candidates if profile.score(j) >= min_score]
    if not fund_unsupported:
        candidates = [j for j in candidates if profile.score(j) > 0]
    for j in sorted(candidates, key=key):
        if profile.costs[j] <= remaining:
            chosen.append(j)
            remaining -= profile.costs[j]
    return chosen
