"""Maximin and leximin lotteries over panel compositions, by column generation.

Following Flanigan, Gölz, Gupta, Hennig and Procaccia (Nature, 2021), but over types:
a lottery is a probability distribution over compositions (integer counts per type),
and person i of type t is selected with probability E[x_t] / n_t. The master LP over
the compositions found so far maximises the smallest probability among the types not
yet fixed; its dual weights give the pricing problem, an integer program over one
composition solved with HiGHS. When no composition prices out, the types with a
positive dual weight cannot rise above the optimum in any optimal lottery: they are
fixed at it (leximin), and the next level starts. Maximin stops after the first level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .quota import TypeTable
from .solver import Decomposer, Master, Pricer, Relaxed

TOL = 1e-9


@dataclass(frozen=True)
class Lottery:
    compositions: np.ndarray  # (K, T) integer counts per type
    weights: np.ndarray  # (K,) probabilities, sum 1
    type_probability: np.ndarray  # (T,) selection probability of one member of each type
    levels: int


def relaxed_leximin(types: TypeTable, size: int, method: str = "leximin") -> tuple[np.ndarray, int]:
    """Leximin (or maximin) expected counts over the linear relaxation of the quotas.

    No lottery can beat this vector in the leximin order (every lottery's expected
    counts lie in the relaxation), so if a lottery achieves it, that lottery is leximin.
    """
    relaxed = Relaxed(types, size)
    levels = 0
    while relaxed.free.any():
        levels += 1
        z, y, w = relaxed.solve()
        tight = relaxed.free & (w > 1e-9)
        if not tight.any():
            tight = relaxed.free & (w == w[relaxed.free].max())
        relaxed.fix(tight, max(z - 1e-11, 0.0))
        if method == "maximin":
            break
    return y, levels


def round_decompose(types: TypeTable, target: np.ndarray, pricer: Pricer,
                    max_steps: int = 10_000) -> tuple[np.ndarray, np.ndarray | None]:
    """Write expected counts `target` as a lottery over integer compositions, or None.

    Dependent rounding, one integer program per step: take a composition x that
    rounds every type's count of the current point q down or up and keeps every quota
    that q meets with equality; move q away from x (q' = (q - l x) / (1 - l)) as far as
    the quotas and the rounding box allow, and give x the weight l of what is left.
    Each step pins at least one more count or quota, so there are at most about
    (types + quotas) steps. Returns the compositions and their weights, or None for
    the weights if some step finds no such composition (the relaxation's point may lie
    on a face without integer points); the compositions are then still good columns.
    """
    A = types.incidence
    q = np.asarray(target, dtype=float).copy()
    mass = 1.0
    cols: list[np.ndarray] = []
    weights: list[float] = []
    eps = 1e-7
    try:
        for _ in range(max_steps):
            snapped = np.round(q)
            q = np.where(np.abs(q - snapped) < eps, snapped, q)
            low, high = np.floor(q), np.ceil(q)
            aq = A @ q
            # A quota that q meets with equality must hold with equality for x too.
            row_lo = np.where(aq >= types.hi - eps, types.hi, types.lo)
            row_hi = np.where(aq <= types.lo + eps, types.lo, types.hi)
            pricer.restrict(low, high, row_lo, row_hi)
            x = pricer.best(q - low - 0.5)
            if x is None:
                # No composition rounds q within the box: leave the box, keeping only
                # the faces of the quota polytope that q lies on.
                n = types.counts.astype(float)
                low = np.where(q >= n - eps, n, 0.0)
                high = np.where(q <= eps, 0.0, n)
                pricer.restrict(low, high, row_lo, row_hi)
                x = pricer.best(q - np.floor(q) - 0.5)
                if x is None:
                    return np.array(cols), None
            step = _longest_step(q, x.astype(float), low, high, aq, A @ x, types.lo, types.hi)
            if step >= 1.0 - 1e-12:
                cols.append(x)
                weights.append(mass)
                break
            if step <= 1e-12:
                return np.array(cols), None
            cols.append(x)
            weights.append(mass * step)
            q = (q - step * x) / (1.0 - step)
            mass *= 1.0 - step
        else:
            return np.array(cols), None
    finally:
        pricer.restrict()
    return np.array(cols), np.array(weights)


def _longest_step(q, x, low, high, aq, ax, lo, hi) -> float:
    """Largest l in [0, 1] with (q - l x) / (1 - l) within [low, high] and [lo, hi] (on A)."""
    step = 1.0
    for value, point, lower, upper in ((q, x, low, high), (aq, ax, lo, hi)):
        up = upper - point
        mask = up > 1e-12
        if mask.any():
            step = min(step, float(np.min((upper[mask] - value[mask]) / up[mask])))
        down = point - lower
        mask = down > 1e-12
        if mask.any():
            step = min(step, float(np.min((value[mask] - lower[mask]) / down[mask])))
    return max(step, 0.0)


def decompose(types: TypeTable, target: np.ndarray, pricer: Pricer,
              start: list[np.ndarray], max_columns: int = 5000) -> tuple[np.ndarray, np.ndarray, float]:
    """A lottery over compositions whose type probabilities are as close as possible
    (total absolute deviation) to `target` (probabilities per type). Column generation:
    the pricing problem finds the composition with the best dual value."""
    n = types.counts.astype(float)
    dec = Decomposer(target)
    cols: list[np.ndarray] = []
    seen: set[bytes] = set()
    for x in start:
        if x.tobytes() not in seen:
            seen.add(x.tobytes())
            cols.append(x)
            dec.add_column(x / n)
    # First only near the target (each type's count rounded down or up), where a
    # decomposition almost always exists and the pricing problems are small; then
    # anywhere.
    y_target = target * n
    pricer.restrict(np.floor(y_target + 1e-9), np.ceil(y_target - 1e-9))
    try:
        for _phase in range(2):
            while True:
                slack, weights, y, y_conv = dec.solve()
                if slack <= 1e-10 or len(cols) >= max_columns:
                    return np.array(cols), weights, slack
                found = pricer.best(y / n)
                if found is None or float(y @ (found / n)) + y_conv <= 1e-10 or found.tobytes() in seen:
                    break
                for extra in [found, *pricer.extra]:
                    if extra.tobytes() not in seen:
                        seen.add(extra.tobytes())
                        cols.append(extra)
                        dec.add_column(extra / n)
            pricer.restrict()
    finally:
        pricer.restrict()
    return np.array(cols), weights, slack


def solve(types: TypeTable, size: int, first: np.ndarray, method: str = "leximin") -> Lottery:
    """The leximin (or maximin) lottery. `first` is any feasible composition.

    First the leximin point of the linear relaxation is computed (small LPs only) and
    decomposed into a lottery over integer compositions; when that succeeds exactly,
    it is optimal. Otherwise the lottery is found by column generation over the
    integer compositions directly, started from the decomposition's columns.
    """
    n = types.counts.astype(float)
    pricer = Pricer(types, size)
    y, levels = relaxed_leximin(types, size, method)
    cols, weights = round_decompose(types, y, pricer)
    if weights is not None and np.abs((cols / n).T @ weights - y / n).max() <= 1e-7:
        lottery = _finish(cols, weights, n, levels)
    else:
        cols, weights, slack = decompose(types, y / n, pricer, [first, *cols])
        if slack <= 1e-7:
            lottery = _finish(cols, weights, n, levels)
        else:
            lottery = _column_generation(types, size, list(cols), method, pricer)
    # Never draw from a composition that breaks a quota, whatever the solver returned.
    if not all(pricer.valid(c) for c in lottery.compositions):
        raise RuntimeError("internal error: a panel composition in the lottery breaks a quota")
    return lottery


def _finish(M: np.ndarray, weights: np.ndarray, n: np.ndarray, levels: int) -> Lottery:
    keep = weights > 1e-12
    M, weights = M[keep], weights[keep] / weights[keep].sum()
    order = np.lexsort(M.T[::-1])  # canonical order of the compositions
    M, weights = M[order], weights[order]
    p = (M / n).T @ weights
    return Lottery(M, weights, p, levels)


def _column_generation(types: TypeTable, size: int, start: list[np.ndarray], method: str,
                       pricer: Pricer) -> Lottery:
    """The exact leximin (or maximin) lottery, by column generation from `start`."""
    T = types.size
    n = types.counts.astype(float)
    master = Master(T)
    cols: list[np.ndarray] = []
    seen: set[bytes] = set()

    def add(x: np.ndarray) -> bool:
        if x.tobytes() in seen:
            return False
        seen.add(x.tobytes())
        cols.append(x)
        master.add_column(x / n)
        return True

    for column in start:
        add(column)
    levels = 0
    while master.free.any():
        levels += 1
        while True:
            z, weights, w, mu = master.solve()
            best = pricer.best(w / n)
            assert best is not None  # the quotas are feasible
            value = float(w @ (best / n))
            if value <= mu + TOL * max(1.0, abs(mu)) or not add(best):
                break
        free = master.free
        tight = free & (w > 1e-7)
        if not tight.any():
            tight = free & (w == w[free].max())
        # Slightly below z, so that the next levels' LPs stay feasible despite rounding.
        master.fix(tight, max(z - 1e-10, 0.0))
        if method == "maximin":
            break
    return _finish(np.array(cols), weights, n, levels)
