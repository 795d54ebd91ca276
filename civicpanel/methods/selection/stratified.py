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
from .cube import cube_sample
from .data import Features, Pool, StratifiedResult, id_order, pool_codes, selected_ids
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


# Up to this many features the lottery over types is used: every value's invitations are then
# its expectation rounded down or up, and the lottery stays small. Beyond, the number of types
# grows exponentially and the cube method (cube.py) takes over.
LOTTERY_MAX_FEATURES = 3


def feature_codes(pool: Pool, features: Features) -> tuple[np.ndarray, tuple[int, ...]]:
    """Each person's value index per feature (people x features) and the number of values."""
    return pool_codes(pool, features), tuple(len(features.values(f)) for f in features.names)


def rake_codes(codes: np.ndarray, categories: tuple[int, ...], start: np.ndarray, cap: np.ndarray,
               targets: list[np.ndarray], rounds: int = 1000, tol: float = 1e-10) -> np.ndarray:
    """`rake` with the incidence given as value indices (rows of `codes`), for many types."""
    e = np.minimum(start.astype(float), cap)
    for _ in range(rounds):
        for j, (n, target) in enumerate(zip(categories, targets, strict=True)):
            have = np.bincount(codes[:, j], weights=e, minlength=n)
            factor = np.divide(target, have, out=np.ones(n), where=have > 0)
            e = np.minimum(e * factor[codes[:, j]], cap)
        worst = max(np.abs(np.bincount(codes[:, j], weights=e, minlength=n) - target).max()
                    for j, (n, target) in enumerate(zip(categories, targets, strict=True)))
        if worst <= tol * max(1.0, float(targets[0].sum())):
            break
    return e


# Up to this many category combinations the cube's types are found through a table of them.
TABLE_TYPES = 2**24


def _cube_sample(pool: Pool, features: Features, size: int, seed: int, started: float) -> StratifiedResult:
    """Steps 1-2 on the types by value indices, then one balanced draw by the cube method."""
    codes, categories = feature_codes(pool, features)
    targets = _targets(features, size)
    by_feature = np.cumsum([0, *categories])
    target_list = [targets[by_feature[j]:by_feature[j + 1]] for j in range(len(categories))]
    radix = np.cumprod([1, *categories[:-1]]).astype(float)
    combinations = float(np.prod(np.asarray(categories, dtype=float)))
    if combinations <= TABLE_TYPES:
        # Types numbered in the order of their keys, as np.unique numbers them, through a table
        # of every key (a tenth of np.unique's sort at a million people); a type's codes are
        # read back from its key.
        keys = codes @ radix.astype(np.int64)
        present = np.zeros(int(combinations), dtype=bool)
        present[keys] = True
        type_keys = np.flatnonzero(present)
        person_type = (np.cumsum(present) - 1)[keys]
        type_codes = (type_keys[:, None] // radix.astype(np.int64)) % np.asarray(categories, dtype=np.int64)
    else:
        if combinations < 2.0**62:
            keys = codes @ radix.astype(np.int64)
            _, first, person_type = np.unique(keys, return_index=True, return_inverse=True)
        else:
            _, first, person_type = np.unique(codes, axis=0, return_index=True, return_inverse=True)
        person_type = person_type.reshape(-1)
        type_codes = codes[first]
    n = np.bincount(person_type).astype(float)
    rates = pool.response_rates if pool.response_rates is not None else np.ones(len(pool))
    rate_t = np.bincount(person_type, weights=rates, minlength=len(n)) / n
    cap = n * rate_t
    shortfalls = []
    for j, f in enumerate(features.names):
        can = np.bincount(type_codes[:, j], weights=cap, minlength=categories[j])
        people = np.bincount(type_codes[:, j], weights=n, minlength=categories[j])
        for k, value in enumerate(features.values(f)):
            if can[k] < target_list[j][k] - 1e-9:
                shortfalls.append(Problem(
                    f"{f} {value}: target {target_list[j][k]:.1f} completes, but the pool can "
                    f"give at most {can[k]:.1f} ({int(people[k])} people)", code="selection.shortfall", feature=f,
                    value=value, target=float(target_list[j][k]), can=float(can[k]), people=int(people[k])))
    completes = rake_codes(type_codes, categories, cap, cap, target_list)
    invites = np.minimum(np.divide(completes, rate_t, out=np.zeros_like(completes), where=rate_t > 0), n)
    inclusion = np.clip((invites / n)[person_type], 0.0, 1.0)
    # People in id order, so that the order of the people file does not change the draw.
    order = id_order(pool.ids)
    selected = np.zeros(len(pool), dtype=bool)
    selected[order] = cube_sample(codes[order], categories, inclusion[order], rng_for(seed))
    labels = [(q.feature, q.value) for q in features.quotas]
    expected = np.concatenate([np.bincount(codes[:, j], weights=inclusion * rates, minlength=c)
                               for j, c in enumerate(categories)])
    drawn = np.concatenate([np.bincount(codes[selected, j], minlength=c) for j, c in enumerate(categories)])
    return StratifiedResult(
        method="stratified",
        seed=seed,
        size=size,
        ids=pool.ids,
        selected=selected_ids(pool, np.flatnonzero(selected)),
        inclusion=inclusion,
        target=tuple((f, v, float(t)) for (f, v), t in zip(labels, targets, strict=True)),
        expected=tuple((f, v, float(e)) for (f, v), e in zip(labels, expected, strict=True)),
        drawn=tuple((f, v, int(d)) for (f, v), d in zip(labels, drawn, strict=True)),
        shortfalls=tuple(shortfalls),
        expected_completes=float(inclusion @ rates),
        panels_mixed=0,
        seconds=time.perf_counter() - started,
        design="cube",
    )


def stratified_sample(pool: Pool, features: Features, size: int, seed: int,
                      design: str = "auto") -> StratifiedResult:
    """Draw a sample of `size` expected completes matching the population shares.

    With `pool.response_rates` set, invitations exceed `size` where fewer answer;
    without, response is taken as certain and exactly about `size` are invited.
    `design` is "lottery" (over types), "cube", or "auto": the lottery for up to
    LOTTERY_MAX_FEATURES features, the cube method beyond.
    """
    started = time.perf_counter()
    if seed < 0:
        raise SelectionError(f"the seed must be a whole number 0 or more, got {seed}", code="selection.bad_seed",
                             value=str(seed))
    if design not in ("auto", "lottery", "cube"):
        raise SelectionError(f"unknown sample design {design!r}: use auto, lottery or cube",
                             code="selection.unknown_design", value=str(design))
    if size <= 0:
        raise SelectionError(f"sample size must be positive, got {size}", code="selection.bad_size", value=size)
    if design == "cube" or (design == "auto" and len(features.names) > LOTTERY_MAX_FEATURES):
        return _cube_sample(pool, features, size, seed, started)
    lottery = stratified_design(pool, features, size)
    composition, rows = lottery.draw(seed)
    A = lottery.types.incidence
    expected_invites = lottery.compositions.T @ lottery.weights
    labels = [(q.feature, q.value) for q in features.quotas]
    return StratifiedResult(
        method="stratified",
        seed=seed,
        size=size,
        ids=pool.ids,
        selected=selected_ids(pool, rows),
        inclusion=lottery.inclusion,
        target=tuple((f, v, float(t)) for (f, v), t in zip(labels, lottery.targets, strict=True)),
        expected=tuple((f, v, float(e)) for (f, v), e in
                       zip(labels, A @ (expected_invites * lottery.rate_t), strict=True)),
        drawn=tuple((f, v, int(d)) for (f, v), d in zip(labels, A @ composition, strict=True)),
        shortfalls=lottery.shortfalls,
        expected_completes=float(expected_invites @ lottery.rate_t),
        panels_mixed=len(lottery.weights),
        seconds=time.perf_counter() - started,
    )
