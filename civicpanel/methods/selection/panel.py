"""Quota selection: the fairest lottery over panels meeting every quota, and one draw."""

from __future__ import annotations

import time

import numpy as np

from .data import Features, Pool, SelectionResult, selected_ids
from .draw import pick_index, rng_for, sample_without_replacement
from .errors import SelectionError
from .leximin import Lottery, solve
from .quota import TypeTable, build_types, check_feasible, lp_bound, quota_counts
from .reserve import build_reserve

METHODS = ("leximin", "maximin")


def draw_panel(types: TypeTable, lottery: Lottery, seed: int,
               reserve: int = 0) -> tuple[np.ndarray, list[int], list[int]]:
    """One composition from the lottery, its members uniformly within each type, then
    the reserve list: (composition, pool rows selected, pool rows of the reserve)."""
    rng = rng_for(seed)
    composition = lottery.compositions[pick_index(rng, lottery.weights)]
    rows: list[int] = []
    for t in range(types.size):
        members = types.members[t]
        rows += [int(members[i]) for i in sample_without_replacement(rng, len(members), int(composition[t]))]
    return composition, rows, build_reserve(types, composition, set(rows), reserve, rng)


def select_panel(
    pool: Pool,
    features: Features,
    size: int,
    seed: int,
    *,
    method: str = "leximin",
    reserve: int = 0,
) -> SelectionResult:
    """Draw a panel of exactly `size` meeting every quota, from the fairest lottery.

    leximin maximises the smallest selection probability, then the next smallest, and
    so on; maximin only the smallest. Raises InfeasibleQuotasError (with the colliding
    quotas and the smallest relaxation) when no panel meets the quotas; nothing is
    drawn then.
    """
    if method not in METHODS:
        raise SelectionError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}",
                             code="selection.unknown_method", value=str(method), methods=", ".join(METHODS))
    if seed < 0:
        raise SelectionError(f"the seed must be a whole number 0 or more, got {seed}", code="selection.bad_seed",
                             value=str(seed))
    if reserve < 0:
        raise SelectionError(f"reserve must be 0 or more, got {reserve}", code="selection.bad_reserve",
                             value=str(reserve))
    started = time.perf_counter()
    types = build_types(pool, features)
    first = check_feasible(pool, features, types, size)
    lottery = solve(types, size, first, method)
    composition, rows, reserve_rows = draw_panel(types, lottery, seed, reserve)
    probabilities = lottery.type_probability[types.person_type] if len(pool) else np.zeros(0)
    probabilities = np.clip(probabilities, 0.0, 1.0)
    counts = quota_counts(types, composition)
    groups = tuple(tuple(pool.ids[int(r)] for r in types.members[t]) for t in range(types.size))
    return SelectionResult(
        method=method,
        seed=seed,
        size=size,
        ids=pool.ids,
        selected=selected_ids(pool, rows),
        reserve=tuple(pool.ids[r] for r in reserve_rows),
        probabilities=probabilities,
        min_probability=float(probabilities.min()) if len(pool) else 0.0,
        lp_bound=lp_bound(types, size),
        quotas_met=all(c.met for c in counts) and len(rows) == size,
        quota_counts=counts,
        panels_mixed=len(lottery.weights),
        levels=lottery.levels,
        seconds=time.perf_counter() - started,
        compositions=lottery.compositions,
        composition_weights=lottery.weights,
        groups=groups,
    )

