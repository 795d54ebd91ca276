"""Reproducible draws. Only PCG64's stream of doubles is used (not numpy's higher-level
sampling routines, whose algorithms may change between numpy versions), so the same
seed gives the same draw on any machine."""

from __future__ import annotations

import numpy as np
from numpy.random import PCG64, Generator


def rng_for(seed: int) -> Generator:
    return Generator(PCG64(seed))


def pick_index(rng: Generator, weights: np.ndarray) -> int:
    """Index k with probability weights[k] (weights sum to 1)."""
    u = float(rng.random())
    cum = np.cumsum(weights)
    k = int(np.searchsorted(cum, u * cum[-1], side="right"))
    return min(k, len(weights) - 1)


def sample_without_replacement(rng: Generator, n: int, k: int) -> list[int]:
    """k distinct positions out of range(n), uniformly, by a partial Fisher-Yates shuffle."""
    order = list(range(n))
    for i in range(k):
        j = i + int(rng.random() * (n - i))
        order[i], order[j] = order[j], order[i]
    return order[:k]


def shuffle(rng: Generator, items: list) -> list:
    picked = sample_without_replacement(rng, len(items), len(items))
    return [items[i] for i in picked]
