"""Sequential Phragmén for budgets (Los, Christoff and Grossi), in exact arithmetic.

Voters earn money continuously; a project is bought as soon as its supporters together hold its
cost, and their loads are then all set to the same value. The rule stops when the next project to
be bought does not fit in what is left of the budget (as in pabutools). Any positive points count
as support: on cumulative, scoring or ordinal ballots the points are ignored."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..profile import Profile


def phragmen(profile: Profile, rank: list[int]) -> list[int]:
    n = profile.n_voters
    # Voters with the same load form a class: after a purchase all its supporters share one load.
    cls = np.zeros(n, dtype=np.int64)
    loads: list[Fraction] = [Fraction(0)]
    remaining = [j for j in range(profile.m) if j not in profile.excluded]
    chosen: list[int] = []
    spent = 0
    while remaining:
        best: Fraction | None = None
        ties: list[int] = []
        unsupported: list[int] = []
        for j in remaining:
            sup = profile.supporters[j]
            if len(sup) == 0:
                unsupported.append(j)
                continue
            cnt = np.bincount(cls[sup], minlength=len(loads))
            total = sum((loads[k] * int(cnt[k]) for k in np.flatnonzero(cnt).tolist()), Fraction(0))
            new_load = (total + Fraction(profile.costs[j], profile.money_scale)) / len(sup)
            if best is None or new_load < best:
                best, ties = new_load, [j]
            elif new_load == best:
                ties.append(j)
        if best is None:
            ties = unsupported  # only unsupported projects left: pabutools buys them at load infinity
        if any(spent + profile.costs[j] > profile.budget for j in ties):
            break
        j = min(ties, key=rank.__getitem__)
        if best is not None:
            loads.append(best)
            cls[profile.supporters[j]] = len(loads) - 1
        chosen.append(j)
        spent += profile.costs[j]
        remaining.remove(j)
    return chosen
