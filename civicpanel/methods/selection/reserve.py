"""The reserve list and the replacement rule.

Rule: when a selected person drops out, they are replaced by the first person on the
reserve list, not yet used, whose swap keeps every quota. The list is built so that
this works: it is first one person of each type on the panel (drawn uniformly within
the type, panel types taken in a random order), since someone with the same feature
values as the dropout always keeps the quotas; then a second person of each type with
at least two panel members, and so on; then, if more reserves are wanted, the rest of
the pool in a random order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.random import Generator

from .data import Features, Pool
from .draw import sample_without_replacement, shuffle
from .quota import TypeTable


def build_reserve(types: TypeTable, composition: np.ndarray, selected_rows: set[int],
                  count: int, rng: Generator) -> list[int]:
    """Pool rows of the reserve list, in order."""
    if count <= 0:
        return []
    spare = [
        [int(r) for r in types.members[t] if int(r) not in selected_rows] for t in range(types.size)
    ]
    for t in range(types.size):
        spare[t] = shuffle(rng, spare[t])
    reserve: list[int] = []
    # Round k adds one more person of each type with more than k panel members (types
    # in a random order), so early reserves cover every type on the panel.
    for k in range(int(composition.max(initial=0))):
        for t in shuffle(rng, [t for t in range(types.size) if composition[t] > k and spare[t]]):
            if len(reserve) >= count:
                return reserve
            reserve.append(spare[t].pop(0))
    rest = [r for t in range(types.size) for r in spare[t]]
    for i in sample_without_replacement(rng, len(rest), min(len(rest), count - len(reserve))):
        reserve.append(rest[i])
    return reserve


def replacement_for(pool: Pool, features: Features, panel: Sequence[str],
                    reserve: Sequence[str], dropped: str) -> str | None:
    """The first reserve whose swap for `dropped` keeps every quota, or None."""
    index = {pid: i for i, pid in enumerate(pool.ids)}
    members = [index[p] for p in panel if p != dropped]
    if len(members) == len(panel):
        raise ValueError(f"{dropped!r} is not on the panel")
    for candidate in reserve:
        if candidate in panel:
            continue
        rows = [*members, index[candidate]]
        if all(
            q.min <= sum(pool.values[q.feature][r] == q.value for r in rows) <= q.max
            for q in features.quotas
        ):
            return candidate
    return None
