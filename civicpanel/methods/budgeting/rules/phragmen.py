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
    # Loads are screened in floating point; every candidate within a relative 1e-9 of the best
    # is then computed exactly, so ties and the stopping test are decided in Fractions.
    cls = np.zeros(n, dtype=np.int64)
    loads: list[Fraction] = [Fraction(0)]
    loads_f = np.zeros(n)
    scale = profile.money_scale
    remaining = [j for j in range(profile.m) if j not in profile.excluded]
    chosen: list[int] = []
    spent = 0

    def exact_load(j: int) -> Fraction:
        sup = profile.supporters[j]
        cnt = np.bincount(cls[sup], minlength=len(loads))
        total = sum((loads[k] * int(cnt[k]) for k in np.flatnonzero(cnt).tolist()), Fraction(0))
        return (total + Fraction(profile.costs[j], scale)) / len(sup)

    while remaining:
        supported = [j for j in remaining if len(profile.supporters[j]) > 0]
        if supported:
            approx = [(float(loads_f[profile.supporters[j]].sum()) + profile.costs[j] / scale)
                      / len(profile.supporters[j]) for j in supported]
            best_f = min(approx)
            close = [j for j, a in zip(supported, approx, strict=True) if a <= best_f * (1 + 1e-9) + 1e-300]
            exact = {j: exact_load(j) for j in close}
            best: Fraction | None = min(exact.values())
            ties = [j for j in close if exact[j] == best]
        else:
            best = None
            ties = list(remaining)  # only unsupported projects left: pabutools buys them at load infinity
        if any(spent + profile.costs[j] > profile.budget for j in ties):
            break
        j = min(ties, key=rank.__getitem__)
        if best is not None:
            loads.append(best)
            cls[profile.supporters[j]] = len(loads) - 1
            loads_f[profile.supporters[j]] = float(best)
        chosen.append(j)
        spent += profile.costs[j]
        remaining.remove(j)
    return chosen
