"""The utilitarian optimum: the set of projects with the most points in total that fits the budget
(an exact 0/1 knapsack). Solved by dynamic programming over points, in integers, so the optimum
is exact; among optimal sets the cheapest is taken."""

from __future__ import annotations

import numpy as np

from ..election import BudgetingError
from ..profile import Profile

MAX_TABLE = 200_000_000  # cells of the decision table (bytes); beyond this the round is refused


def utilitarian(profile: Profile, rank: list[int]) -> list[int]:
    cands = [j for j in range(profile.m) if j not in profile.excluded and profile.costs[j] <= profile.budget]
    # Zero-cost projects with support are always in an optimum; they do not enter the table.
    free = [j for j in cands if profile.costs[j] == 0]
    cands = [j for j in cands if profile.costs[j] > 0 and profile.score(j) > 0]
    cands.sort(key=rank.__getitem__)
    scores = [profile.score(j) for j in cands]
    total = sum(scores)
    if total * max(len(cands), 1) > MAX_TABLE:
        raise BudgetingError(
            f"the utilitarian optimum needs a table of {len(cands)} projects x {total} points, "
            "too large to compute exactly here", code="budgeting.table_too_large", projects=len(cands),
            points=int(total))
    inf = np.iinfo(np.int64).max // 4
    big_costs = max((profile.costs[j] for j in cands), default=0) * max(len(cands), 1) >= inf
    dtype = object if big_costs else np.int64
    # min_cost[v]: the least cost reaching exactly v points with the projects seen so far
    min_cost = np.full(total + 1, inf, dtype=dtype)
    min_cost[0] = 0
    took = np.zeros((len(cands), total + 1), dtype=bool)
    for t, j in enumerate(cands):
        s, c = scores[t], profile.costs[j]
        shifted = min_cost[: total + 1 - s] + c
        better = shifted < min_cost[s:]
        took[t, s:] = better
        min_cost[s:] = np.where(better, shifted, min_cost[s:])
    feasible = np.flatnonzero(min_cost <= profile.budget)
    v = int(feasible.max())
    chosen: list[int] = []
    for t in range(len(cands) - 1, -1, -1):
        if took[t, v]:
            chosen.append(cands[t])
            v -= scores[t]
    chosen.reverse()
    return free + chosen
