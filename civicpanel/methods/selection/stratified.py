"""Stratified survey samples matching population shares on several features at once.

1. Target completes per feature value: population share x sample size.
2. Raking (iterative proportional fitting) of the pool's types to those margins,
   starting from the pool's own joint distribution (weighted by response rate), with
   each type capped at what it can give (its size x its response rate). This gives the
   expected completes per type; divided by the type's mean response rate, the expected
   invitations per type (so more are invited where fewer answer).
3. A lottery over integer invitation counts per type whose mean is exactly those
   expected invitations, each draw keeping every feature value's invitations at the
   expected number rounded down or up (dependent rounding; see leximin.round_decompose).
4. One draw from the lottery; people drawn uniformly within their type.

A person's inclusion probability is then exactly E[invitations of their type] / type
size, which the weighting method needs. Where the pool is too thin to reach a target,
the sample takes everyone it can there and the shortfall is reported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from ..errors import Problem
from .data import Features, Pool, StratifiedResult
from .draw import pick_index, rng_for, sample_without_replacement
from .errors import SelectionError
from .leximin import decompose, round_decompose
from .quota import TypeTable, build_types
from .solver import Pricer


def _targets(features: Features, size: int) -> np.ndarray:
    missing = [f"{q.feature} {q.value}" for q in features.quotas if q.population is None]
    if missing:
        raise SelectionError("a stratified sample needs the population share of every feature value; "
                             "missing for: " + ", ".join(missing), code="selection.population_missing",
                             values=", ".join(missing))
    out = np.zeros(len(features.quotas))
    for f in features.names:
        idx = [i for i, q in enumerate(features.quotas) if q.feature == f]
        pops = np.array([features.quotas[i].population or 0.0 for i in idx])
        if pops.sum() <= 0:
            raise SelectionError(f"the population figures for {f} add up to 0", code="selection.population_zero",
                                 feature=f)
        out[idx] = pops / pops.sum() * size
    return out


def rake(A: np.ndarray, start: np.ndarray, cap: np.ndarray, targets: np.ndarray,
         rounds: int = 1000, tol: float = 1e-10) -> np.ndarray:
    """Scale `start` so its sums over each value (rows of A) match `targets`, every
    entry kept <= cap; where a target cannot be reached its types end at their cap."""
    e = np.minimum(start.astype(float), cap)
    for _ in range(rounds):
        for row, target in zip(A, targets, strict=True):
            mask = row > 0
            have = e[mask].sum()
            if have > 0:
                e[mask] = np.minimum(e[mask] * (target / have), cap[mask])
        if np.abs(A @ e - targets).max() <= tol:
            break
    return e


@dataclass(frozen=True)
class StratifiedDesign:
    """The lottery behind a stratified sample, ready to be drawn from with any seed."""

    pool: Pool
    types: TypeTable
    compositions: np.ndarray
    weights: np.ndarray
    inclusion: np.ndarray
    rate_t: np.ndarray
    targets: np.ndarray
    shortfalls: tuple[str, ...]

    def draw(self, seed: int) -> tuple[np.ndarray, list[int]]:
        rng = rng_for(seed)
        composition = self.compositions[pick_index(rng, self.weights)]
        rows: list[int] = []
        for t in range(self.types.size):
            members = self.types.members[t]
            rows += [int(members[i]) for i in sample_without_replacement(rng, len(members), int(composition[t]))]
        return composition, rows


def stratified_design(pool: Pool, features: Features, size: int) -> StratifiedDesign:
    """The lottery over invitation counts per type (steps 1-3 above)."""
    if size <= 0:
        raise SelectionError(f"sample size must be positive, got {size}", code="selection.bad_size", value=size)
    types = build_types(pool, features)
    A = types.incidence
    n = types.counts.astype(float)
    targets = _targets(features, size)
    rates = pool.response_rates if pool.response_rates is not None else np.ones(len(pool))
    rate_t = np.array([rates[m].mean() for m in types.members]) if types.size else np.zeros(0)
    cap = n * rate_t
    shortfalls = []
    for q, target, can, people in zip(features.quotas, targets, A @ cap, A @ n, strict=True):
        if can < target - 1e-9:
            shortfalls.append(Problem(
                f"{q.feature} {q.value}: target {target:.1f} completes, but the pool can give at most "
                f"{can:.1f} ({int(people)} people)", code="selection.shortfall", feature=q.feature, value=q.value,
                target=float(target), can=float(can), people=int(people)))
    completes = rake(A, cap, cap, targets)
    invites = np.divide(completes, rate_t, out=np.zeros_like(completes), where=rate_t > 0)
    invites = np.minimum(invites, n)
    # Invitations per value and in total, rounded down or up, bound every draw.
    margins = A @ invites
    total = float(invites.sum())
    size_range = (int(np.floor(total + 1e-9)), int(np.ceil(total - 1e-9)))
    with_total = replace(types, incidence=np.vstack([A, np.ones(types.size)]),
                         lo=np.append(np.floor(margins + 1e-9), size_range[0]),
                         hi=np.append(np.ceil(margins - 1e-9), size_range[1]))
    pricer = Pricer(with_total, size_range[0], size_range)
    cols, weights = round_decompose(with_total, invites, pricer)
    if weights is None or np.abs((cols / n).T @ weights - invites / n).max() > 1e-7:
        start = list(cols)
        if not start:
            first = pricer.best(np.zeros(types.size))
            if first is None:
                raise SelectionError("no sample meets the population margins", code="selection.no_sample")
            start = [first]
        cols, weights, _ = decompose(with_total, invites / n, pricer, start)
    keep = weights > 1e-12
    cols, weights = cols[keep], weights[keep] / weights[keep].sum()
    expected_invites = cols.T @ weights
    inclusion = np.clip((expected_invites / n)[types.person_type], 0.0, 1.0)
    return StratifiedDesign(pool, types, cols, weights, inclusion, rate_t, targets, tuple(shortfalls))


def stratified_sample(pool: Pool, features: Features, size: int, seed: int) -> StratifiedResult:
    """Draw a sample of `size` expected completes matching the population shares.

    With `pool.response_rates` set, invitations exceed `size` where fewer answer;
    without, response is taken as certain and exactly about `size` are invited.
    """
    started = time.perf_counter()
    if seed < 0:
        raise SelectionError(f"the seed must be a whole number 0 or more, got {seed}", code="selection.bad_seed",
                             value=str(seed))
    design = stratified_design(pool, features, size)
    composition, rows = design.draw(seed)
    A = design.types.incidence
    expected_invites = design.compositions.T @ design.weights
    labels = [(q.feature, q.value) for q in features.quotas]
    return StratifiedResult(
        method="stratified",
        seed=seed,
        size=size,
        ids=pool.ids,
        selected=tuple(sorted(pool.ids[r] for r in rows)),
        inclusion=design.inclusion,
        target=tuple((f, v, float(t)) for (f, v), t in zip(labels, design.targets, strict=True)),
        expected=tuple((f, v, float(e)) for (f, v), e in
                       zip(labels, A @ (expected_invites * design.rate_t), strict=True)),
        drawn=tuple((f, v, int(d)) for (f, v), d in zip(labels, A @ composition, strict=True)),
        shortfalls=design.shortfalls,
        expected_completes=float(expected_invites @ design.rate_t),
        panels_mixed=len(design.weights),
        seconds=time.perf_counter() - started,
    )
