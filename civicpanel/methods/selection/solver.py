"""Thin persistent HiGHS models (through highspy) for the column generation.

The master LP and the pricing integer program are built once and then changed in
place (costs, bounds, new columns), so each iteration is a warm-started re-solve
without rebuilding the model.
"""

from __future__ import annotations

import highspy
import numpy as np

from .quota import TypeTable

INF = highspy.kHighsInf


def _quiet(h: highspy.Highs) -> None:
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)


class Pricer:
    """max weights . x over integer compositions meeting the quotas."""

    def __init__(self, types: TypeTable, size: int, size_range: tuple[int, int] | None = None):
        h = highspy.Highs()
        _quiet(h)
        h.setOptionValue("mip_rel_gap", 1e-9)
        h.setOptionValue("mip_abs_gap", 1e-12)
        # Keep the improving solutions met on the way: they are feasible compositions
        # with a good dual value too, and adding them saves column-generation rounds.
        h.setOptionValue("mip_improving_solution_save", True)
        T = types.size
        for t in range(T):
            h.addCol(0.0, 0.0, float(types.counts[t]), 0, np.array([], dtype=np.int32), np.array([]))
        h.changeColsIntegrality(T, np.arange(T, dtype=np.int32),
                                np.array([highspy.HighsVarType.kInteger] * T))
        size_lo, size_hi = size_range or (size, size)
        self.size_lo, self.size_hi = size_lo, size_hi
        self.incidence = types.incidence
        h.addRow(float(size_lo), float(size_hi), T, np.arange(T, dtype=np.int32), np.ones(T))
        for q in range(len(types.lo)):
            idx = np.flatnonzero(types.incidence[q]).astype(np.int32)
            h.addRow(float(types.lo[q]), float(types.hi[q]), len(idx), idx, np.ones(len(idx)))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h, self.T = h, T
        self.counts = types.counts.astype(float)
        self.lo, self.hi = types.lo.astype(float), types.hi.astype(float)
        self.cache: dict[bytes, np.ndarray] = {}
        self.extra: list[np.ndarray] = []

    def restrict(self, lower: np.ndarray | None = None, upper: np.ndarray | None = None,
                 row_lo: np.ndarray | None = None, row_hi: np.ndarray | None = None) -> None:
        """Only consider compositions with lower <= x <= upper and, for the quotas,
        row_lo <= incidence x <= row_hi (None: back to the pool and the quotas)."""
        lower = np.zeros(self.T) if lower is None else np.asarray(lower, dtype=float)
        upper = self.counts if upper is None else np.asarray(upper, dtype=float)
        self.h.changeColsBounds(self.T, np.arange(self.T, dtype=np.int32), lower, upper)
        Q = len(self.lo)
        row_lo = self.lo if row_lo is None else np.asarray(row_lo, dtype=float)
        row_hi = self.hi if row_hi is None else np.asarray(row_hi, dtype=float)
        self.h.changeRowsBounds(Q, np.arange(1, Q + 1, dtype=np.int32), row_lo, row_hi)  # type: ignore[attr-defined]
        self.cache.clear()

    def valid(self, x: np.ndarray) -> bool:
        """x is a composition meeting the pool sizes, the total and the quotas."""
        counts = self.incidence @ x
        return bool(np.all(x >= 0) and np.all(x <= self.counts)
                    and self.size_lo <= x.sum() <= self.size_hi
                    and np.all(counts >= self.lo) and np.all(counts <= self.hi))

    def best(self, weights: np.ndarray) -> np.ndarray | None:
        key = np.round(weights, 12).tobytes()
        if key in self.cache:
            self.extra = []
            return self.cache[key]
        h, T = self.h, self.T
        h.changeColsCost(T, np.arange(T, dtype=np.int32), np.asarray(weights, dtype=float))
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return None
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"pricing problem: {h.modelStatusToString(status)}")
        x = np.round(np.asarray(h.getSolution().col_value)).astype(np.int64)
        self.cache[key] = x
        saved = (np.round(np.asarray(s.col_value)).astype(np.int64) for s in h.getSavedMipSolutions())
        self.extra = [y for y in saved if self.valid(y)]
        return x


class Master:
    """max z s.t. sum_c l_c P[t, c] >= z (free t) or >= fixed_t (fixed t), sum l = 1."""

    def __init__(self, T: int):
        h = highspy.Highs()
        _quiet(h)
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("presolve", "off")  # re-solved warm after each change
        # column 0: z (free), coefficient -1 in each free type's row
        h.addCol(1.0, -INF, INF, 0, np.array([], dtype=np.int32), np.array([]))
        for _ in range(T):
            h.addRow(0.0, INF, 1, np.array([0], dtype=np.int32), np.array([-1.0]))
        h.addRow(1.0, 1.0, 0, np.array([], dtype=np.int32), np.array([]))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h, self.T, self.K = h, T, 0
        self.fixed = np.zeros(T)
        self.free = np.ones(T, dtype=bool)

    def add_column(self, p: np.ndarray) -> None:
        """A composition, as the probability it gives a member of each type."""
        nz = np.flatnonzero(p)
        idx = np.concatenate([nz, [self.T]]).astype(np.int32)
        val = np.concatenate([p[nz], [1.0]])
        self.h.addCol(0.0, 0.0, INF, len(idx), idx, val)
        self.K += 1

    def fix(self, types: np.ndarray, value: float) -> None:
        for t in np.flatnonzero(types):
            self.h.changeCoeff(int(t), 0, 0.0)
            self.h.changeRowBounds(int(t), float(value), INF)
        self.fixed[types] = value
        self.free &= ~types

    def solve(self) -> tuple[float, np.ndarray, np.ndarray, float]:
        """z, column weights, dual weight per type (>= 0, summing to 1 over free types), mu."""
        h = self.h
        h.run()
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"master LP: {h.modelStatusToString(status)}")
        sol = h.getSolution()
        z = float(sol.col_value[0])
        weights = np.maximum(np.asarray(sol.col_value[1:]), 0.0)
        duals = np.asarray(sol.row_dual[: self.T])
        total = duals[self.free].sum()
        w = np.maximum(duals * (1.0 if total >= 0 else -1.0), 0.0)
        mu = z + float(w[~self.free] @ self.fixed[~self.free])
        return z, weights, w, mu


class Relaxed:
    """The linear relaxation over expected counts y_t (0 <= y_t <= n_t, sum N, quotas):
    max z s.t. y_t >= n_t z (free t) or y_t >= n_t fixed_t (fixed t)."""

    def __init__(self, types: TypeTable, size: int):
        h = highspy.Highs()
        _quiet(h)
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("presolve", "off")  # re-solved warm after each change
        T = types.size
        n = types.counts.astype(float)
        for t in range(T):
            h.addCol(0.0, 0.0, float(n[t]), 0, np.array([], dtype=np.int32), np.array([]))
        h.addCol(1.0, -INF, INF, 0, np.array([], dtype=np.int32), np.array([]))  # z
        for t in range(T):
            h.addRow(0.0, INF, 2, np.array([t, T], dtype=np.int32), np.array([1.0, -n[t]]))
        h.addRow(float(size), float(size), T, np.arange(T, dtype=np.int32), np.ones(T))
        for q in range(len(types.lo)):
            idx = np.flatnonzero(types.incidence[q]).astype(np.int32)
            h.addRow(float(types.lo[q]), float(types.hi[q]), len(idx), idx, np.ones(len(idx)))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h, self.T, self.n = h, T, n
        self.free = np.ones(T, dtype=bool)

    def fix(self, types: np.ndarray, value: float) -> None:
        for t in np.flatnonzero(types):
            self.h.changeCoeff(int(t), self.T, 0.0)
            self.h.changeRowBounds(int(t), float(value * self.n[t]), INF)
        self.free &= ~types

    def solve(self) -> tuple[float, np.ndarray, np.ndarray]:
        """z, the expected counts y, and the dual weight of each type's row (>= 0)."""
        h = self.h
        h.run()
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"relaxed LP: {h.modelStatusToString(status)}")
        sol = h.getSolution()
        y = np.asarray(sol.col_value[: self.T])
        duals = np.asarray(sol.row_dual[: self.T])
        total = duals[self.free].sum()
        w = np.maximum(duals * (1.0 if total >= 0 else -1.0), 0.0)
        return float(sol.col_value[self.T]), y, w


class Decomposer:
    """min total |sum_c l_c P[t, c] - target_t| over lotteries l on the columns."""

    def __init__(self, target: np.ndarray):
        h = highspy.Highs()
        _quiet(h)
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("presolve", "off")  # re-solved warm after each change
        T = len(target)
        for _t in range(T):  # slack below and above the target, cost 1
            h.addCol(1.0, 0.0, INF, 0, np.array([], dtype=np.int32), np.array([]))
            h.addCol(1.0, 0.0, INF, 0, np.array([], dtype=np.int32), np.array([]))
        for t in range(T):
            h.addRow(float(target[t]), float(target[t]), 2,
                     np.array([2 * t, 2 * t + 1], dtype=np.int32), np.array([1.0, -1.0]))
        h.addRow(1.0, 1.0, 0, np.array([], dtype=np.int32), np.array([]))
        h.changeObjectiveSense(highspy.ObjSense.kMinimize)
        self.h, self.T, self.K = h, T, 0

    def add_column(self, p: np.ndarray) -> None:
        nz = np.flatnonzero(p)
        idx = np.concatenate([nz, [self.T]]).astype(np.int32)
        val = np.concatenate([p[nz], [1.0]])
        self.h.addCol(0.0, 0.0, INF, len(idx), idx, val)
        self.K += 1

    def solve(self) -> tuple[float, np.ndarray, np.ndarray, float]:
        """Total slack, column weights, row duals per type, dual of sum l = 1."""
        h = self.h
        h.run()
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"decomposition LP: {h.modelStatusToString(status)}")
        sol = h.getSolution()
        weights = np.maximum(np.asarray(sol.col_value[2 * self.T:]), 0.0)
        duals = np.asarray(sol.row_dual)
        return float(h.getInfo().objective_function_value), weights, duals[: self.T], float(duals[self.T])
