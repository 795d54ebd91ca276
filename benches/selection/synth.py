"""Synthetic volunteer pools with self-selection bias, generated with a fixed seed.

4 features: gender (2 values), age band (6), district (5), education (3). The
population shares are fixed; volunteers are drawn with older and more educated people
over-represented, as in real volunteer pools. Quotas are the population share of the
panel +/- 10 % (min rounded down, max rounded up).
"""

from __future__ import annotations

import math

import numpy as np

FEATURES = {
    "gender": (["female", "male"], [0.51, 0.49], [1.0, 1.0]),
    "age": (["16-24", "25-34", "35-44", "45-54", "55-64", "65+"],
            [0.14, 0.17, 0.16, 0.17, 0.16, 0.20], [0.5, 0.7, 0.9, 1.1, 1.4, 1.6]),
    "district": (["Valby", "Vigerslev", "Amager", "Norrebro", "Vesterbro"],
                 [0.24, 0.14, 0.22, 0.21, 0.19], [1.0, 0.8, 1.0, 1.1, 1.2]),
    "education": (["basic", "vocational", "higher"], [0.30, 0.40, 0.30], [0.5, 0.9, 1.7]),
}


def make_pool(pool_size: int, seed: int = 2021) -> tuple[list[str], dict[str, list[str]]]:
    """Volunteers: each feature drawn independently from share * volunteering bias."""
    rng = np.random.Generator(np.random.PCG64(seed))
    columns: dict[str, list[str]] = {}
    for name, (values, share, bias) in FEATURES.items():
        p = np.asarray(share) * np.asarray(bias)
        p /= p.sum()
        columns[name] = [values[k] for k in rng.choice(len(values), size=pool_size, p=p)]
    ids = [f"p{i:05d}" for i in range(pool_size)]
    return ids, columns


def make_quotas(panel_size: int) -> list[tuple[str, str, int, int]]:
    out = []
    for name, (values, share, _) in FEATURES.items():
        for v, s in zip(values, share, strict=True):
            out.append((name, v, math.floor(0.9 * s * panel_size), math.ceil(1.1 * s * panel_size)))
    return out
