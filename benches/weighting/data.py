"""Synthetic respondents for the weighting benchmark (fixed seed).

Five features with 2 to 6 categories. A population is drawn (features independent, or
correlated through a shared latent variable), and each person answers with a propensity
that differs by feature (the young, men and the short-educated answer less), so the
respondents are a biased picture of the population. Ten questions: six single-choice
(codes, -1 for no answer) and four 1-10 ratings (NaN for no answer), each depending on
the features so that weighting moves the estimates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

SIZES = (2, 3, 4, 5, 6)
NAMES = ("gender", "age", "education", "district", "income")
SINGLE = (2, 3, 4, 5, 3, 4)  # options of the six single-choice questions
RATINGS = 4


@dataclass
class Dataset:
    scenario: str
    n: int
    features: dict[str, np.ndarray]  # int8 codes
    shares: list[np.ndarray]  # population shares per feature
    single: list[np.ndarray]  # int8 codes, -1 = no answer
    ratings: list[np.ndarray]  # float64, NaN = no answer

    def input_bytes(self) -> int:
        arrays = [*self.features.values(), *self.single, *self.ratings]
        return sum(a.nbytes for a in arrays)


def make(n: int, scenario: str, seed: int = 20240601) -> Dataset:
    rng = np.random.default_rng(seed)
    shares = [rng.dirichlet(np.full(k, 4.0)) for k in SIZES]
    propensity = [np.linspace(0.35, 1.0, k)[rng.permutation(k)] for k in SIZES]
    rho = 0.0 if scenario == "independent" else 0.6
    cut = [norm.ppf(np.cumsum(s)[:-1]) for s in shares]
    kept: list[np.ndarray] = []
    got = 0
    while got < n:
        m = max(4 * (n - got), 10_000)
        u = rng.standard_normal(m)
        cols = []
        accept = np.ones(m)
        for j, _k in enumerate(SIZES):
            x = rho * u + np.sqrt(1 - rho * rho) * rng.standard_normal(m)
            c = np.searchsorted(cut[j], x).astype(np.int8)
            cols.append(c)
            accept *= propensity[j][c]
        keep = rng.random(m) < accept
        kept.append(np.stack([c[keep] for c in cols], axis=1))
        got += int(keep.sum())
    table = np.concatenate(kept)[:n]
    features = {name: np.ascontiguousarray(table[:, j]) for j, name in enumerate(NAMES)}
    single = []
    for q, k in enumerate(SINGLE):
        effect = sum(((q + j) % 3 - 1) * 0.4 * table[:, j] / (SIZES[j] - 1) for j in range(5))
        logits = rng.standard_normal((1, k)) + np.outer(effect, np.linspace(-1, 1, k))
        gumbel = -np.log(-np.log(rng.random((n, k))))
        a = np.argmax(logits + gumbel, axis=1).astype(np.int8)
        a[rng.random(n) < 0.05] = -1
        single.append(a)
    ratings = []
    for q in range(RATINGS):
        mu = 5.5 + sum(((q + 2 * j) % 3 - 1) * 1.2 * table[:, j] / (SIZES[j] - 1) for j in range(5))
        y = np.clip(np.rint(mu + rng.normal(0, 2, n)), 1, 10)
        y[rng.random(n) < 0.05] = np.nan
        ratings.append(y)
    return Dataset(scenario, n, features, shares, single, ratings)


def margin_error(features: dict[str, np.ndarray], shares: list[np.ndarray],
                 weights: np.ndarray) -> float:
    """Largest relative distance of any category's weighted share from its target."""
    total = float(weights.sum())
    worst = 0.0
    for (_name, codes), target in zip(features.items(), shares, strict=True):
        got = np.bincount(codes, weights=weights, minlength=len(target)) / total
        worst = max(worst, float(np.max(np.abs(got / target - 1))))
    return worst
