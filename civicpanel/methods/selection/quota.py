"""People grouped into types, quota checks, infeasibility explanations and relaxations.

People with the same value on every feature are interchangeable for the quotas, so
every optimisation here runs over types (at most the product of the feature sizes,
whatever the pool size): a panel is an integer count x_t per type with
0 <= x_t <= n_t, sum x_t = N and min <= sum of x_t over a value's types <= max.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from ..errors import Problem
from .data import Features, Pool, QuotaCount, id_order, pool_codes
from .errors import InfeasibleQuotasError, Relaxation, SelectionError


@dataclass(frozen=True)
class TypeTable:
    """The pool grouped by feature-value combination, in a canonical order.

    Types are sorted by their values' positions in the features file; within a type
    members are sorted by id, so nothing depends on the order of the people file.
    """

    keys: np.ndarray  # (T, F) value index per feature
    counts: np.ndarray  # (T,) n_t
    members: tuple[np.ndarray, ...]  # pool row indices per type, sorted by id
    person_type: np.ndarray  # (n,) type of each pool row
    incidence: np.ndarray  # (Q, T) 1 where the type has the quota's value
    lo: np.ndarray  # (Q,)
    hi: np.ndarray  # (Q,)
    features: Features

    @property
    def size(self) -> int:
        return len(self.counts)

    def label(self, t: int) -> str:
        names = self.features.names
        return ", ".join(
            f"{f} {self.features.values(f)[self.keys[t, j]]}" for j, f in enumerate(names)
        )


def build_types(pool: Pool, features: Features) -> TypeTable:
    names = features.names
    n = len(pool)
    codes = pool_codes(pool, features)
    if n:
        keys, person_type = np.unique(codes, axis=0, return_inverse=True)
        person_type = person_type.reshape(-1)
    else:
        keys, person_type = np.zeros((0, len(names)), dtype=np.int64), np.zeros(0, dtype=np.int64)
    counts = np.bincount(person_type, minlength=len(keys))
    # Each type's people in the order of their ids as text (id_order), once for all types.
    by_id = id_order(pool.ids)
    in_order = by_id[np.argsort(person_type[by_id], kind="stable")]
    bounds = np.concatenate([[0], np.cumsum(counts)])
    members = [in_order[bounds[t]:bounds[t + 1]] for t in range(len(keys))]
    incidence = np.zeros((len(features.quotas), len(keys)))
    for q_index, q in enumerate(features.quotas):
        j = names.index(q.feature)
        incidence[q_index] = keys[:, j] == features.values(q.feature).index(q.value)
    lo = np.array([q.min for q in features.quotas], dtype=float)
    hi = np.array([q.max for q in features.quotas], dtype=float)
    return TypeTable(keys, counts, tuple(members), person_type, incidence, lo, hi, features)


def panel_constraints(types: TypeTable, size: int, lo=None, hi=None) -> list[LinearConstraint]:
    lo = types.lo if lo is None else lo
    hi = types.hi if hi is None else hi
    T = types.size
    return [
        LinearConstraint(np.ones((1, T)), size, size),
        LinearConstraint(types.incidence, lo, hi),
    ]


def find_composition(types: TypeTable, size: int, weights: np.ndarray | None = None,
                     lo: np.ndarray | None = None, hi: np.ndarray | None = None) -> np.ndarray | None:
    """A feasible integer composition maximising weights . x, or None if none exists."""
    T = types.size
    c = np.zeros(T) if weights is None else -np.asarray(weights, dtype=float)
    res = milp(
        c,
        constraints=panel_constraints(types, size, lo, hi),
        integrality=np.ones(T),
        bounds=Bounds(np.zeros(T), types.counts.astype(float)),
        options={"mip_rel_gap": 1e-9},
    )
    if res.x is None or res.status not in (0,):
        return None
    return np.round(res.x).astype(np.int64)


def lp_bound(types: TypeTable, size: int) -> float:
    """The largest minimum selection probability any lottery could give (an LP).

    maximise z subject to z <= p_i <= 1, sum p_i = N and every quota holding for the
    sums of p_i. By symmetry an optimum gives everyone in a type the same p, so it is
    solved over types with y_t = n_t p_t.
    """
    T = types.size
    n = types.counts.astype(float)
    # variables: y (T), z
    c = np.zeros(T + 1)
    c[-1] = -1.0
    A_ub = np.hstack([-np.eye(T), n[:, None]])  # z n_t - y_t <= 0
    A_q = np.hstack([types.incidence, np.zeros((len(types.lo), 1))])
    A_ub = np.vstack([A_ub, A_q, -A_q])
    b_ub = np.concatenate([np.zeros(T), types.hi, -types.lo])
    A_eq = np.hstack([np.ones((1, T)), np.zeros((1, 1))])
    bounds = [(0, float(k)) for k in n] + [(0, 1)]
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=[size], bounds=bounds, method="highs")
    if res.status != 0:
        return 0.0
    return float(-res.fun)


def quota_counts(types: TypeTable, composition: np.ndarray) -> tuple[QuotaCount, ...]:
    counts = types.incidence @ composition
    return tuple(
        QuotaCount(q.feature, q.value, q.min, q.max, int(round(k)))
        for q, k in zip(types.features.quotas, counts, strict=True)
    )


def explain(pool: Pool, features: Features, types: TypeTable, size: int, noun: str = "volunteers") -> list[str]:
    """Plain-language reasons the quotas cannot be met (the simple, named collisions)."""
    problems: list[str] = []
    available = types.incidence @ types.counts
    if size > len(pool):
        problems.append(Problem(f"panel size {size} but only {len(pool)} {noun} in the pool",
                                code="selection.pool_too_small", size=size, pool=len(pool)))
    for q, have in zip(features.quotas, available, strict=True):
        if q.min > have:
            problems.append(Problem(f"{q.feature} {q.value}: min {q.min}, but only {int(have)} such {noun}",
                                    code="selection.min_unavailable", feature=q.feature, value=q.value, min=q.min,
                                    have=int(have)))
    for f in features.names:
        qs = [(q, have) for q, have in zip(features.quotas, available, strict=True) if q.feature == f]
        mins = sum(q.min for q, _ in qs)
        if mins > size:
            problems.append(Problem(f"{f} mins add up to {mins} > panel size {size}", code="selection.mins_too_high",
                                    feature=f, total=mins, size=size))
        maxes = sum(min(q.max, int(have)) for q, have in qs)
        if maxes < size:
            capped = any(q.max > have for q, have in qs)
            what = "maxes (capped at the volunteers available)" if capped else "maxes"
            problems.append(Problem(f"{f} {what} add up to {maxes} < panel size {size}",
                                    code="selection.maxes_too_low", feature=f, total=maxes, size=size,
                                    capped=capped))
    return problems


def relax(types: TypeTable, size: int) -> list[Relaxation] | None:
    """The smallest change to min/max that makes the quotas feasible, or None.

    Minimises the total slack, lowering a min weighted 1 + 2/min (so a min of 1 is
    reluctantly dropped to 0) and raising a max weighted 1, within min_flex/max_flex.
    """
    T, Q = types.size, len(types.lo)
    quotas = types.features.quotas
    if size > int(types.counts.sum()):
        return None
    # variables: x (T), s_lo (Q), s_hi (Q)
    w_lo = np.array([0.0 if q.min == 0 else 1 + 2 / q.min for q in quotas])
    c = np.concatenate([np.zeros(T), w_lo + 1e-6, np.ones(Q)])
    lo_cap = np.array([q.min - (q.min_flex if q.min_flex is not None else 0) for q in quotas], dtype=float)
    hi_cap = np.array([
        (q.max_flex - q.max) if q.max_flex is not None else max(size - q.max, 0) for q in quotas
    ], dtype=float)
    if np.any(lo_cap < 0) or np.any(hi_cap < 0):
        return None
    eye = np.eye(Q)
    A = types.incidence
    constraints = [
        LinearConstraint(np.concatenate([np.ones(T), np.zeros(2 * Q)])[None, :], size, size),
        LinearConstraint(np.hstack([A, eye, np.zeros((Q, Q))]), types.lo, np.inf),  # Ax + s_lo >= lo
        LinearConstraint(np.hstack([A, np.zeros((Q, Q)), -eye]), -np.inf, types.hi),  # Ax - s_hi <= hi
    ]
    bounds = Bounds(np.zeros(T + 2 * Q), np.concatenate([types.counts, lo_cap, hi_cap]).astype(float))
    res = milp(c, constraints=constraints, integrality=np.ones(T + 2 * Q), bounds=bounds)
    if res.x is None or res.status != 0:
        return None
    s_lo = np.round(res.x[T:T + Q]).astype(int)
    s_hi = np.round(res.x[T + Q:]).astype(int)
    out = []
    for q, a, b in zip(quotas, s_lo, s_hi, strict=True):
        if a:
            out.append(Relaxation(q.feature, q.value, "min", q.min, q.min - int(a)))
        if b:
            out.append(Relaxation(q.feature, q.value, "max", q.max, q.max + int(b)))
    return out


def check_feasible(pool: Pool, features: Features, types: TypeTable, size: int, noun: str = "volunteers") -> np.ndarray:
    """Return one feasible composition, or raise InfeasibleQuotasError explaining why not."""
    if size < 0:
        raise SelectionError(f"panel size must be positive, got {size}", code="selection.bad_size", value=size)
    problems = explain(pool, features, types, size, noun)
    composition = None if problems else find_composition(types, size)
    if composition is not None:
        return composition
    relaxation = relax(types, size)
    if not problems:
        problems.append(_colliding(types, size))
    raise InfeasibleQuotasError(problems, relaxation)


def _colliding(types: TypeTable, size: int) -> str:
    """Name a smallest set of quota bounds that cannot hold together (a deletion filter:
    drop each bound in turn and keep it out if the rest is still infeasible)."""
    lo, hi = types.lo.copy(), types.hi.copy()
    big = float(size)
    for q in range(len(lo)):
        for bound in ("min", "max"):
            trial_lo, trial_hi = lo.copy(), hi.copy()
            if bound == "min":
                if trial_lo[q] == 0:
                    continue
                trial_lo[q] = 0
            else:
                if trial_hi[q] >= big:
                    continue
                trial_hi[q] = big
            if find_composition(types, size, lo=trial_lo, hi=trial_hi) is None:
                lo, hi = trial_lo, trial_hi
    parts = []
    for q, quota in enumerate(types.features.quotas):
        if lo[q] > 0:
            parts.append(f"{quota.feature} {quota.value} min {quota.min}")
        if hi[q] < big:
            parts.append(f"{quota.feature} {quota.value} max {quota.max}")
    return Problem(f"these quotas cannot all hold in one panel of {size} from this pool: " + "; ".join(parts),
                   code="selection.colliding", size=size, quotas="; ".join(parts))
