"""Landing the cube by column generation: a lottery over within-one samples of the open members.

When the flight phase stops with many members still open (probabilities p strictly between 0
and 1), any lottery over samples of them whose inclusion probabilities are exactly p keeps the
whole design exact. If every sample in the lottery keeps each category's count (and the sample
size) within one of its expectation, so does the drawn sample. Such a lottery need not exist
for the members left open at the flight's very end (the cube then leaves a category or two up
to 1.5 away); with about four times as many open members on ten questions it nearly always
does, and it is found here by column generation:

- master: a phase-1 LP over the samples found so far, minimising the artificial slack in
  "the samples' mixture equals p" (and "the weights sum to one"); zero slack is the lottery.
  It is one persistent HiGHS model: new samples are added as columns and the primal simplex
  restarts from its last basis. It starts from independent roundings of p, each repaired to
  within one by a few moves (samples that look like p need few rounds to mix).
- pricing: a sample whose dual value beats the convexity row's dual lowers the slack. A
  compiled local search climbs from the samples the LP uses and from new repaired random
  roundings of p (one member swapped for another, one added or dropped, every category kept
  within one), on the duals and, when that finds nothing new, on the duals plus noise; only
  then does an integer programme look for a within-one sample that lowers the slack, and its
  dual bound proves (Lagrangian bound) when no lottery of within-one samples has these
  probabilities.
- the weights are recomputed from the final simplex basis, so the lottery reproduces p to
  rounding error (checked to 1e-9), not to the LP's feasibility tolerance.

The budget counts LP rounds and integer programmes, never seconds, so the same seed gives the
same sample on a busy machine; when it runs out, or no such lottery exists, the caller lands by
its own (always successful) LP instead.
"""

from __future__ import annotations

import highspy
import numpy as np
from numba import njit
from numpy.random import Generator

from .draw import pick_index, rng_for

EPS = 1e-9
# The budget: master LP re-solves and pricing integer programmes (the first finds a starting
# sample), and the branch-and-bound nodes of each. With ten questions and 124 open members a
# landing takes 10 to 15 rounds on 100,000 members and 25 to 100 on 1,000,000 (at most one
# programme); the budget is twice the most measured.
MAX_ROUNDS = 200
MAX_PROGRAMS = 4
PROGRAM_NODES = 2_000
# Moves per local search climb; repaired random roundings of p that start the master, and the
# noise levels tried in turn on the duals when the climbs on the duals find nothing new.
MAX_MOVES = 64
SEED_COLUMNS = 100
# Each round also climbs from this many new repaired random roundings of p (not only from
# the samples the LP uses): without them the slack stalls on some pools (1,000,000 x 10: 150
# rounds and more), with them it falls in 10 to 40 rounds.
FRESH_STARTS = 50
NOISE = (0.0, 0.1, 0.3, 1.0)
# The master is feasible when its artificial slack is below SLACK_ZERO; the lottery is then
# recomputed from the simplex basis and checked to TOLERANCE.
SLACK_ZERO = 1e-8
TOLERANCE = 1e-9


@njit(cache=True, nogil=True)
def _fits(rows, lo, hi, counts, out_, in_):
    """Whether the counts stay within their bounds with member out_ dropped and in_ added
    (either may be -1: none)."""
    for c in range(rows.shape[1]):
        a = rows[out_, c] if out_ >= 0 else -1
        b = rows[in_, c] if in_ >= 0 else -1
        if a == b:
            continue
        if a >= 0 and counts[a] - 1 < lo[a]:
            return False
        if b >= 0 and counts[b] + 1 > hi[b]:
            return False
    return True


@njit(cache=True, nogil=True)
def _counts(rows, sample, n_rows):
    """Each row's count of the members in the sample."""
    counts = np.zeros(n_rows, dtype=np.int64)
    for i in range(rows.shape[0]):
        if sample[i]:
            for c in range(rows.shape[1]):
                counts[rows[i, c]] += 1
    return counts


@njit(cache=True, nogil=True)
def _move(rows, counts, sample, out_, in_):
    """Take member out_ out of the sample and member in_ into it (either may be -1: none),
    keeping the row counts."""
    for c in range(rows.shape[1]):
        if out_ >= 0:
            counts[rows[out_, c]] -= 1
        if in_ >= 0:
            counts[rows[in_, c]] += 1
    if out_ >= 0:
        sample[out_] = False
    if in_ >= 0:
        sample[in_] = True


@njit(cache=True, nogil=True)
def _climb(rows, lo, hi, y, start, max_moves):
    """Best-improvement local search over within-one samples from `start` (bool, members),
    on the value y . sample. rows[k] lists member k's row per question and, last, the sample
    size row; lo/hi bound every row's count. Moves: add one, drop one, swap one in for one out.
    Returns the sample reached."""
    sample = start.copy()
    counts = _counts(rows, sample, len(lo))
    # Members by value, best first: a swap's gain y[j] - y[i] only falls along both orders,
    # so each scan stops as soon as it cannot beat the best move found.
    order = np.argsort(-y)
    for _ in range(max_moves):
        best, out_, in_ = 1e-12, -1, -1
        for j in order:  # add j
            if y[j] <= best:
                break
            if not sample[j] and _fits(rows, lo, hi, counts, -1, j):
                best, out_, in_ = y[j], -1, j
                break
        for i in order[::-1]:  # drop i
            if -y[i] <= best:
                break
            if sample[i] and _fits(rows, lo, hi, counts, i, -1):
                best, out_, in_ = -y[i], i, -1
                break
        top = -np.inf
        for j in order:
            if not sample[j]:
                top = y[j]
                break
        for i in order[::-1]:  # swap i out, j in
            if top - y[i] <= best:
                break
            if not sample[i]:
                continue
            for j in order:
                if y[j] - y[i] <= best:
                    break
                if not sample[j] and _fits(rows, lo, hi, counts, i, j):
                    best, out_, in_ = y[j] - y[i], i, j
                    break
        if out_ < 0 and in_ < 0:
            break
        _move(rows, counts, sample, out_, in_)
    return sample


@njit(cache=True, nogil=True)
def _excess(lo, hi, count):
    return max(lo - count, 0) + max(count - hi, 0)


@njit(cache=True, nogil=True)
def _change(rows, lo, hi, counts, out_, in_):
    """How much the total excess changes with member out_ dropped and in_ added (-1: none)."""
    change = 0
    for c in range(rows.shape[1]):
        a = rows[out_, c] if out_ >= 0 else -1
        b = rows[in_, c] if in_ >= 0 else -1
        if a == b:
            continue
        if a >= 0:
            change += _excess(lo[a], hi[a], counts[a] - 1) - _excess(lo[a], hi[a], counts[a])
        if b >= 0:
            change += _excess(lo[b], hi[b], counts[b] + 1) - _excess(lo[b], hi[b], counts[b])
    return change


@njit(cache=True, nogil=True)
def _repair(rows, lo, hi, start, max_moves):
    """From any sample, moves (add, drop, swap) that reduce the total excess over the
    bounds, until there is none (a within-one sample) or no move reduces it. Returns the
    sample and its remaining excess. Only a move that brings a row beyond its bounds back
    towards them can reduce the excess, so one side of each move is a member of such a row
    who leaves it (in the sample, the row above its bound) or enters it (out, below)."""
    k, width = rows.shape
    sample = start.copy()
    counts = _counts(rows, sample, len(lo))
    total = 0
    for r in range(len(lo)):
        total += _excess(lo[r], hi[r], counts[r])
    for _ in range(max_moves):
        if total == 0:
            break
        best, out_, in_ = 0, -1, -1
        for t in range(k):
            touches = False
            for c in range(width):
                r = rows[t, c]
                if counts[r] > hi[r] if sample[t] else counts[r] < lo[r]:
                    touches = True
                    break
            if not touches:
                continue
            for other in range(-1, k):
                if other >= 0 and sample[other] == sample[t]:
                    continue
                i, j = (t, other) if sample[t] else (other, t)
                change = _change(rows, lo, hi, counts, i, j)
                if change < 0:  # the first move that reduces it: the repair need not be best
                    best, out_, in_ = change, i, j
                    break
            if best < 0:
                break
        if best == 0:
            break
        total += best
        _move(rows, counts, sample, out_, in_)
    return sample, total


@njit(cache=True, nogil=True)
def _repair_all(rows, lo, hi, starts, max_moves):
    out = np.empty_like(starts)
    excess = np.empty(starts.shape[0], dtype=np.int64)
    for s in range(starts.shape[0]):
        out[s], excess[s] = _repair(rows, lo, hi, starts[s], max_moves)
    return out, excess


@njit(cache=True, nogil=True)
def _climb_all(rows, lo, hi, ys, starts, max_moves):
    """A climb from each start (rows of starts), each on its own values (rows of ys)."""
    out = np.empty_like(starts)
    for s in range(starts.shape[0]):
        out[s] = _climb(rows, lo, hi, ys[s], starts[s], max_moves)
    return out


def _quiet(h: highspy.Highs) -> None:
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)


class _Master:
    """min sum of artificials s.t. sum_j w_j S_j + s+ - s- = p, sum_j w_j + a = 1, w >= 0."""

    def __init__(self, p: np.ndarray):
        h = highspy.Highs()
        _quiet(h)
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("presolve", "off")  # re-solved warm after each new column
        h.setOptionValue("simplex_strategy", 4)  # primal: new columns keep the basis feasible
        k = len(p)
        inf = highspy.kHighsInf
        h.addRows(k + 1, np.append(p, 1.0), np.append(p, 1.0), 0, np.zeros(0, np.int32),
                  np.zeros(0, np.int32), np.zeros(0))
        # Artificials: +1 and -1 on each member's row, +1 on the convexity row.
        idx = np.concatenate([np.arange(k), np.arange(k), [k]]).astype(np.int32)
        val = np.concatenate([np.ones(k), -np.ones(k), [1.0]])
        n = 2 * k + 1
        h.addCols(n, np.ones(n), np.zeros(n), np.full(n, inf), n, np.arange(n, dtype=np.int32),
                  idx, val)
        self.h, self.k, self.artificials, self.p = h, k, n, p

    def add(self, samples: np.ndarray) -> None:
        """New columns: each sample's members and the convexity row."""
        n, k = samples.shape
        # Column-wise sparse: each sample's members, then the convexity row k.
        entries = np.hstack([samples, np.ones((n, 1), dtype=bool)])
        where = np.nonzero(entries)
        starts = np.concatenate([[0], np.cumsum(entries.sum(axis=1))[:-1]]).astype(np.int32)
        self.h.addCols(n, np.zeros(n), np.zeros(n), np.full(n, highspy.kHighsInf), len(where[1]),
                       starts, where[1].astype(np.int32), np.ones(len(where[1])))

    def solve(self) -> tuple[float, np.ndarray, float, np.ndarray] | None:
        """Slack, member duals y, convexity dual z, sample weights; None if HiGHS fails."""
        h = self.h
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        sol = h.getSolution()
        duals = np.asarray(sol.row_dual)
        weights = np.asarray(sol.col_value)[self.artificials :]
        return float(h.getInfo().objective_function_value), duals[: self.k], float(duals[self.k]), weights

    def exact_weights(self) -> np.ndarray | None:
        """The sample weights recomputed from the final basis (B w = [p; 1] solved with the
        simplex's own factorisation): the LP's values are only within its feasibility
        tolerance of the probabilities, these are to rounding error. None if an artificial
        is not zero."""
        h = self.h
        status, basic = h.getBasicVariables()
        status, values = h.getBasisSolve(np.append(self.p, 1.0))
        basic, values = np.asarray(basic), np.asarray(values)
        weights = np.zeros(h.getNumCol() - self.artificials)
        slack = 0.0
        for var, value in zip(basic, values, strict=True):
            if var >= self.artificials:
                weights[var - self.artificials] = value
            elif var >= 0:
                slack = max(slack, abs(value))
        if slack > TOLERANCE or weights.min() < -TOLERANCE:
            return None
        return np.clip(weights, 0.0, None)


class _Pricer:
    """max y . x over within-one samples x (binary), as an integer programme."""

    def __init__(self, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray):
        h = highspy.Highs()
        _quiet(h)
        h.setOptionValue("mip_max_nodes", PROGRAM_NODES)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 1e-9)
        k = len(rows)
        h.addCols(k, np.zeros(k), np.zeros(k), np.ones(k), 0, np.zeros(0, np.int32),
                  np.zeros(0, np.int32), np.zeros(0))
        h.changeColsIntegrality(k, np.arange(k, dtype=np.int32),
                                np.array([highspy.HighsVarType.kInteger] * k))
        used = np.unique(rows)
        members = [np.flatnonzero((rows == r).any(axis=1)).astype(np.int32) for r in used]
        starts = np.cumsum([0] + [len(m) for m in members[:-1]]).astype(np.int32)
        flat = np.concatenate(members)
        h.addRows(len(used), lo[used].astype(float), hi[used].astype(float), len(flat), starts,
                  flat, np.ones(len(flat)))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h, self.k = h, k

    def best(self, y: np.ndarray, enough: float) -> tuple[np.ndarray | None, float]:
        """A sample with y . x >= enough if one is found, else the best (None if there is
        none), and an upper bound on y . x (when the search was not stopped early)."""
        h, k = self.h, self.k
        h.changeColsCost(k, np.arange(k, dtype=np.int32), y)
        h.setOptionValue("objective_target", enough)
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return None, -np.inf
        info = h.getInfo()
        if info.primal_solution_status != 2:  # no feasible solution found within the nodes
            return None, np.inf
        x = np.asarray(h.getSolution().col_value) > 0.5
        return x, float(info.mip_dual_bound)


def column_generation(p: np.ndarray, rows: np.ndarray, n_rows: int) -> tuple[np.ndarray, np.ndarray] | None:
    """A lottery over within-one samples of the open members whose inclusion probabilities are
    exactly p: (samples as rows of bools, their weights), or None when the integer programme
    proves that none exists, or the budget runs out first.

    rows[k]: member k's category row per question, then the sample size row (n_rows - 1)."""
    k = len(p)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    incidence = np.zeros((n_rows, k))
    np.put_along_axis(incidence.T, rows, 1.0, axis=1)
    target = incidence @ p
    lo = np.maximum(np.ceil(target - 1.0 - EPS), 0).astype(np.int64)
    hi = np.floor(target + 1.0 + EPS).astype(np.int64)
    lo[-1], hi[-1] = np.floor(target[-1] + EPS), np.ceil(target[-1] - EPS)

    master = _Master(p)
    pricer = None
    samples: list[np.ndarray] = []
    seen: set[bytes] = set()
    # Fixed noise (not the draw's generator: the lottery depends only on p), from PCG64's
    # doubles only, like every draw (draw.py).
    jitter = rng_for(len(p))
    # A within-one sample to start from: p rounded, repaired; the integer programme if that
    # does not reach one.
    x, excess = _repair(rows, lo, hi, p >= 0.5, 4 * len(p))
    programs = 0
    if excess > 0:
        pricer = _Pricer(rows, lo, hi)
        x, _ = pricer.best(np.zeros(len(p)), 0.0)
        programs = 1
        if x is None:
            return None
    # The master starts from a spread of samples like p: independent roundings of p (each
    # member in with its probability), repaired to within one where a few moves do it.
    x = _climb(rows, lo, hi, p - 0.5, x, 4 * len(p))
    first = np.unique(np.vstack([x[None], _roundings(rows, lo, hi, p, SEED_COLUMNS, jitter)]), axis=0)
    seen.update(s.tobytes() for s in first)
    master.add(first)
    samples.extend(first)
    for _ in range(MAX_ROUNDS):
        solved = master.solve()
        if solved is None:
            return None
        slack, y, z, weights = solved
        if slack <= SLACK_ZERO:
            return _exact(p, np.array(samples), master.exact_weights())
        used = np.array([s for s, w in zip(samples, weights, strict=True) if w > EPS])
        fresh = []
        for noise in NOISE if len(used) else ():
            # The climbs on y itself first; when they end where they started, on y with
            # more and more noise (fixed, so the lottery is the same every time), whose
            # local optima differ; only samples that improve on y itself count.
            starts = np.vstack([used, _roundings(rows, lo, hi, p, FRESH_STARTS, jitter)])
            ys = y + noise * _noise(jitter, starts.shape)
            climbed = _climb_all(rows, lo, hi, ys, starts, MAX_MOVES)
            gains = climbed @ y + z
            for s in climbed[gains > EPS]:
                key = s.tobytes()
                if key not in seen:
                    seen.add(key)
                    fresh.append(s)
            if fresh:
                break
        if not fresh:
            if programs == MAX_PROGRAMS:
                return None
            programs += 1
            pricer = pricer or _Pricer(rows, lo, hi)
            # Stops at the first sample that lowers the slack by a visible amount.
            x, bound = pricer.best(y, -z + 1e-3)
            # No sample lowers the slack by more than (bound + z) per unit of weight, and the
            # weights sum to one: a slack that stays positive proves there is no lottery.
            if x is None or slack - max(bound + z, 0.0) > SLACK_ZERO:
                return None
            if y @ x + z <= EPS or x.tobytes() in seen:
                return None
            seen.add(x.tobytes())
            fresh.append(x)
        master.add(np.array(fresh))
        samples.extend(fresh)
    return None


def _roundings(rows: np.ndarray, lo: np.ndarray, hi: np.ndarray, p: np.ndarray, n: int,
               rng: Generator) -> np.ndarray:
    """Independent roundings of p (each member in with its probability), those that a few
    moves repair to within one (about half)."""
    repaired, excess = _repair_all(rows, lo, hi, rng.random((n, len(p))) < p, 4 * len(p))
    return repaired[excess == 0]


def _noise(rng: Generator, shape: tuple[int, int]) -> np.ndarray:
    """Uniform noise of mean 0 and variance 1."""
    return (rng.random(shape) - 0.5) * np.sqrt(12.0)


def _exact(p: np.ndarray, samples: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray] | None:
    """The samples the lottery uses and their weights, checked: the mixture reproduces p and
    the weights sum to one, both within TOLERANCE."""
    if weights is None:
        return None
    keep = weights > 0
    samples, weights = samples[keep], weights[keep]
    if np.abs(weights @ samples - p).max() > TOLERANCE or abs(weights.sum() - 1.0) > TOLERANCE:
        return None
    return samples, weights


def land(p: np.ndarray, rows: np.ndarray, n_rows: int, rng: Generator) -> np.ndarray | None:
    """One sample (bools over the open members) from the column generation's lottery, or None."""
    lottery = column_generation(p, rows, n_rows)
    if lottery is None:
        return None
    samples, weights = lottery
    return samples[pick_index(rng, weights / weights.sum())]
