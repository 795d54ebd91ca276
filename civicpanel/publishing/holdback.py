"""The random tenth of a survey's invited members who get no feedback e-mail.

The draw is repeatable: the same seed and the same invited members give the same group
(members sorted by id, shuffled by numpy's PCG64 generator from the seed, the first tenth,
rounded, held back). The seed is stored with the feedback and each member's group is stored
too, so the comparison never depends on drawing again.
"""

from __future__ import annotations

import secrets

import numpy as np

HOLDBACK_SHARE = 0.1


def new_seed() -> int:
    return secrets.randbelow(2**31)


def holdback_draw(member_ids: list[int], *, seed: int, share: float = HOLDBACK_SHARE) -> set[int]:
    """The members held back: round(share x invited) of them, chosen at random from the seed."""
    ordered = sorted(set(member_ids))
    size = int(round(len(ordered) * share))
    if not ordered or size == 0:
        return set()
    order = np.random.Generator(np.random.PCG64(seed)).permutation(len(ordered))
    return {ordered[int(i)] for i in order[:size]}
