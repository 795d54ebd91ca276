"""Tie-breaking: a fixed order of projects, decided before counting, that settles every tie."""

from __future__ import annotations

import numpy as np

from .election import BudgetingError
from .profile import Profile

TIE_BREAKINGS = ("equalshares", "pabutools")
DEFAULT_TIE_BREAKING = "equalshares"


def tie_order(profile: Profile, kind: str = DEFAULT_TIE_BREAKING, seed: int = 0) -> list[int]:
    """`rank[j]`: lower wins a tie.

    "equalshares" (the default, as on equalshares.net): lowest cost first, then most votes, then a
    random order drawn from `seed` before counting. "pabutools": project ids compared as strings,
    so "10" comes before "9", as pabutools does."""
    m = profile.m
    if kind == "pabutools":
        order = sorted(range(m), key=lambda j: profile.ids[j])
    elif kind == "equalshares":
        lottery = np.random.default_rng(seed).permutation(m)
        order = sorted(range(m), key=lambda j: (profile.costs[j], -profile.score(j), int(lottery[j])))
    else:
        raise BudgetingError(f"tie-breaking {kind!r} is not one of {', '.join(TIE_BREAKINGS)}",
                             code="budgeting.bad_option_value", option="tie-breaking", value=str(kind),
                             allowed=", ".join(TIE_BREAKINGS))
    rank = [0] * m
    for r, j in enumerate(order):
        rank[j] = r
    return rank
