"""Equal Shares compiled (numba), for the add-one completion, which counts once per step.

One count here is the same rule as `mes.mes`, in floating point, for any utilities (approval,
cumulative, ordinal). It gives the set bought, or "unsure" when a decision is too close for
floating point to be trusted:
- a supporter whose budget is within `tol` (a millionth of the share) of what she would pay,
  or who would be left with less than `tol` (an empty purse cannot be told from a nearly empty one);
- an affordability test within `tol` per supporter of equality;
- two prices per unit of utility within a relative 1e-9 of each other, unless every supporter of
  both pays the same price per utility: then both prices are exact fractions of integers
  (cost / utility of those with money) and are compared exactly, ties going to the tie order;
- a price whose floating-point error could come near 1e-10 of it (when those paying all they have
  pay almost all of the cost, the rest is a small difference of large sums).
Every margin is at least ten thousand times the rounding error a count accumulates (about one unit
in the last place of the share per purchase).
The caller then counts that share with the exact path. So the sets are exactly those of the
exact counts, and most counts take well under a millisecond (no Python per voter or per purchase).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import gcd

import numpy as np
from numba import njit
from scipy.sparse import csr_matrix

from ..profile import Profile

_FITS = 2.0**62  # products compared in int64 must stay below this


@njit(cache=True, nogil=True)
def _less(key, rank, a, b):
    return key[a] < key[b] or (key[a] == key[b] and rank[a] < rank[b])


@njit(cache=True, nogil=True)
def _push(heap, size, key, rank, j):
    """Adds project j to the binary heap `heap[:size]` ordered by (key, rank); returns the size."""
    i = size
    heap[i] = j
    while i > 0:
        parent = (i - 1) // 2
        if _less(key, rank, heap[i], heap[parent]):
            heap[i], heap[parent] = heap[parent], heap[i]
            i = parent
        else:
            break
    return size + 1


@njit(cache=True, nogil=True)
def _pop(heap, size, key, rank):
    """Removes the top of the heap; returns the new size."""
    size -= 1
    heap[0] = heap[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and _less(key, rank, heap[left + 1], heap[left]):
            child = left + 1
        if _less(key, rank, heap[child], heap[i]):
            heap[i], heap[child] = heap[child], heap[i]
            i = child
        else:
            break
    return size


@njit(cache=True, nogil=True)
def _count(share, tol, indptr, voters, util, ured, costs, cred, exact_ok, rank, active, overlap, n, out):  # noqa: PLR0912, PLR0915
    """One count at `share` per voter; writes the projects bought into `out` in order and
    returns how many, or -1 when a decision is too close to call in floating point."""
    eps = 1e-9
    m = len(costs)
    bud = np.full(n, share)
    lb = np.zeros(m)
    heap = np.empty(m, dtype=np.int64)
    size = 0
    for j in active:
        lb[j] = costs[j] / util[indptr[j]:indptr[j + 1]].sum()
        size = _push(heap, size, lb, rank, j)
    rho = np.zeros(m)
    richsum = np.zeros(m, dtype=np.int64)  # utilities (reduced) of supporters with money, when all pay rho x u
    allrich = np.zeros(m, dtype=np.bool_)
    delta = np.zeros(m)  # relative error of rho (estimate)
    seen = np.zeros(m, dtype=np.int64)
    # purchases made when each project was last evaluated: the evaluation still holds if none
    # bought since shares a supporter with it (their budgets are unchanged)
    at = np.full(m, -1, dtype=np.int64)
    width = 1
    for j in active:
        width = max(width, indptr[j + 1] - indptr[j])
    poor = np.zeros(width, dtype=np.bool_)
    money = np.empty(width)
    uu = np.empty(width)
    nsel = 0
    while True:
        best = np.inf
        nseen = 0
        while True:
            # the next project by lower bound on its price (ties: tie order)
            if size == 0 or lb[heap[0]] > best * (1 + eps):
                break
            j = heap[0]
            size = _pop(heap, size, lb, rank)
            if at[j] >= 0:
                same = True
                for t in range(at[j], nsel):
                    if overlap[j, out[t]]:
                        same = False
                        break
                if same:
                    seen[nseen] = j
                    nseen += 1
                    best = min(best, rho[j])
                    continue
            # supporters with money left
            k = 0
            total = 0.0
            usum = 0.0
            isum = 0
            for p in range(indptr[j], indptr[j + 1]):
                b = bud[voters[p]]
                if b > 0:
                    money[k] = b
                    uu[k] = util[p]
                    total += b
                    usum += util[p]
                    isum += ured[p]
                    k += 1
            c = costs[j]
            if k == 0 or total < c - tol * k:
                continue  # unaffordable: out for good
            if total <= c + tol * k:
                return -1
            r = c / usum
            low = np.inf
            for q in range(k):
                low = min(low, money[q] - r * uu[q])
            if low >= tol:
                allrich[j] = True
                richsum[j] = isum
                delta[j] = 4.4e-16
            else:
                allrich[j] = False
                # those who cannot pay r x u pay all they have, which raises r for the others;
                # repeat until no one more falls short (r only rises, so this ends)
                need = c
                rest = usum
                paid = 0.0
                npoor = 0
                while True:
                    more = False
                    for q in range(k):
                        if not poor[q] and money[q] < r * uu[q]:
                            poor[q] = True
                            paid += money[q]
                            npoor += 1
                            rest -= uu[q]
                            more = True
                    if not more:
                        break
                    if rest <= 0:
                        return -1  # affordable by the sum, yet everyone short: too close to call
                    r = (c - paid) / rest
                for q in range(k):
                    poor[q] = False
                need = c - paid
                # relative error of r: from the budgets summed (each off by about one unit in the
                # last place of the share per purchase), the rounding of the sum and of c - paid;
                # it must stay far below the 1e-9 that makes a close call
                err = (nsel + 1) * 2.3e-16 * share
                delta[j] = (npoor * err + 1.2e-16 * (k * paid + c)) / need + 4.4e-16
                if delta[j] > 1e-10:
                    return -1
                for q in range(k):
                    if abs(money[q] - r * uu[q]) < tol:
                        return -1
            rho[j] = r
            lb[j] = r
            at[j] = nsel
            seen[nseen] = j
            nseen += 1
            if r < best:
                best = r
        if nseen == 0:
            break
        # the winner: lowest price per utility; close calls exactly or not at all
        w = -1
        close = 0
        for q in range(nseen):
            j = seen[q]
            if rho[j] <= best * (1 + eps):
                close += 1
                if w < 0:
                    w = j
                    continue
                if not (allrich[j] and allrich[w] and exact_ok[j] and exact_ok[w]):
                    return -1
                a = float(cred[j]) * float(richsum[w])
                bb = float(cred[w]) * float(richsum[j])
                if a >= _FITS or bb >= _FITS:
                    return -1
                lhs = cred[j] * richsum[w]  # rho_j = cred_j / richsum_j, compared by cross products
                rhs = cred[w] * richsum[j]
                if lhs < rhs or (lhs == rhs and rank[j] < rank[w]):
                    w = j
        if w < 0:
            break
        # pay: min(budget, rho x utility)
        r = rho[w]
        for p in range(indptr[w], indptr[w + 1]):
            v = voters[p]
            b = bud[v]
            if b > 0:
                owe = r * util[p]
                if b <= owe:
                    bud[v] = 0.0
                else:
                    left = b - owe
                    if left < tol:
                        return -1
                    bud[v] = left
        for q in range(nseen):
            if seen[q] != w:
                size = _push(heap, size, lb, rank, seen[q])
        out[nsel] = w
        nsel += 1
    return nsel


@njit(cache=True, nogil=True)
def _steps(base, step, first, last, budget, icosts, candidate, stop_exhaustive, sel, nsel,  # noqa: PLR0913
           indptr, voters, util, ured, costs, cred, exact_ok, rank, active, overlap, n, out):
    """The add-one completion from step `first`, whose outcome `sel[:nsel]` fits the budget.
    Returns (code, step, nsel), `sel[:nsel]` being the outcome at that step: code 0, it is the
    last (nothing more to buy, or exhaustive when `stop_exhaustive`); 1, the next step's outcome
    goes over the budget; 2, the next step's count is too close to call here; 3, `last` reached."""
    m = len(icosts)
    chosen = np.zeros(m, dtype=np.bool_)
    s = first
    while s < last:
        chosen[:] = False
        spent = 0
        for q in range(nsel):
            chosen[sel[q]] = True
            spent += icosts[sel[q]]
        left = False
        fits = False
        for j in range(m):
            if candidate[j] and not chosen[j]:
                left = True
                if icosts[j] <= budget - spent:
                    fits = True
        if not left or (stop_exhaustive and not fits):
            return 0, s, nsel
        share = base + (s + 1) * step
        got = _count(share, 1e-6 * share, indptr, voters, util, ured, costs, cred, exact_ok, rank, active,
                     overlap, n, out)
        if got < 0:
            return 2, s, nsel
        total = 0
        for q in range(got):
            total += icosts[out[q]]
        if total > budget:
            return 1, s, nsel
        sel[:got] = out[:got]
        nsel = got
        s += 1
    return 3, s, nsel


@dataclass
class Compiled:
    """A round in the arrays the compiled count reads (built once per round and utility)."""

    indptr: np.ndarray
    voters: np.ndarray
    util: np.ndarray
    ured: np.ndarray
    costs: np.ndarray
    cred: np.ndarray
    exact_ok: np.ndarray
    rank: np.ndarray
    active: np.ndarray
    overlap: np.ndarray  # overlap[i, j]: projects i and j share a supporter
    free: list[int]
    n: int


def compile_round(profile: Profile, rank: list[int], util) -> Compiled:
    """Supporters and utilities as flat arrays; per project its cost and utilities divided by
    their greatest common divisor (so exact price comparisons fit in 64-bit integers)."""
    m = profile.m
    sups, utils, ureds = [], [], []
    cred = np.zeros(m, dtype=np.int64)
    exact_ok = np.zeros(m, dtype=np.bool_)
    active, free = [], []
    none = np.zeros(0, dtype=np.int64)
    for j in range(m):
        sup = profile.supporters[j]
        u, uarr = util[j]
        cost = profile.costs[j]
        total = u * len(sup) if u is not None else int(uarr.sum())
        if j in profile.excluded or len(sup) == 0 or total <= 0 or cost == 0:
            if cost == 0 and j not in profile.excluded and len(sup) and total > 0:
                free.append(j)
            sups.append(none)
            utils.append(np.zeros(0))
            ureds.append(none)
            continue
        active.append(j)
        sups.append(np.asarray(sup, dtype=np.int64))
        if u is not None:
            utils.append(np.full(len(sup), float(u)))
            g = gcd(cost, int(u))
            ok = (u // g) * len(sup) < _FITS and cost // g < _FITS
            ureds.append(np.full(len(sup), u // g if ok else 0, dtype=np.int64))
        else:
            distinct = [int(x) for x in np.unique(uarr).tolist()]
            utils.append(np.asarray(uarr, dtype=np.float64))
            g = gcd(cost, *distinct)
            ok = total // g < _FITS and cost // g < _FITS
            ureds.append(np.asarray(uarr // g, dtype=np.int64) if ok else np.zeros(len(sup), dtype=np.int64))
        exact_ok[j] = ok
        cred[j] = cost // g if ok else 0
    indptr = np.zeros(m + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(s) for s in sups])
    # Budgets are in currency, costs too; utilities stay as they are (prices per utility are only
    # compared with each other).
    costs = np.asarray([float(Fraction(c, profile.money_scale)) for c in profile.costs], dtype=np.float64)
    voters = np.concatenate(sups)
    member = csr_matrix((np.ones(len(voters), dtype=np.float32), voters, indptr), shape=(m, max(profile.n_voters, 1)))
    overlap = np.asarray((member @ member.T).todense()) > 0
    return Compiled(indptr=indptr, voters=voters, util=np.concatenate(utils),
                    ured=np.concatenate(ureds), costs=costs, cred=cred, exact_ok=exact_ok,
                    rank=np.asarray(rank, dtype=np.int64), active=np.asarray(active, dtype=np.int64),
                    overlap=overlap, free=free, n=profile.n_voters)


def count_compiled(c: Compiled, share: Fraction) -> list[int] | None:
    """The projects bought at `share` per voter, in order (free ones first), or None when a
    decision is too close for floating point (count it exactly instead)."""
    out = np.empty(len(c.active), dtype=np.int64)
    s = float(share)
    got = _count(s, 1e-6 * s, c.indptr, c.voters, c.util, c.ured, c.costs, c.cred, c.exact_ok, c.rank,
                 c.active, c.overlap, c.n, out)
    if got < 0:
        return None
    return c.free + out[:got].tolist()


def add1_compiled(c: Compiled, profile: Profile, base: Fraction, step: Fraction, stop_when_exhaustive: bool,
                  max_steps: int, exact) -> tuple[int, list[int]]:
    """The add-one completion (see `completion`), counting each share here and `exact(share)` where
    a count is too close to call in floating point. Returns the number of steps taken (a last
    one that went over the budget included), the number of the last step that fit (its share is
    base + that x step) and its outcome in the order of purchase."""
    free = set(c.free)
    icosts = np.asarray(profile.costs, dtype=np.int64)
    candidate = np.zeros(profile.m, dtype=np.bool_)
    candidate[c.active] = True
    sel = np.empty(len(c.active), dtype=np.int64)
    out = np.empty(len(c.active), dtype=np.int64)

    def bought(share: Fraction) -> list[int]:
        got = count_compiled(c, share)
        return [j for j in (got if got is not None else exact(share)) if j not in free]

    first = bought(base)
    sel[:len(first)] = first
    nsel, s = len(first), 0
    while True:
        code, s, nsel = _steps(float(base), float(step), s, max_steps, profile.budget, icosts, candidate,
                               stop_when_exhaustive, sel, nsel, c.indptr, c.voters, c.util, c.ured, c.costs,
                               c.cred, c.exact_ok, c.rank, c.active, c.overlap, c.n, out)
        if code != 2:
            break
        nxt = bought(base + (s + 1) * step)  # too close to call in floating point: exactly
        if sum(profile.costs[j] for j in nxt) > profile.budget:
            code = 1
            break
        sel[:len(nxt)] = nxt
        nsel, s = len(nxt), s + 1
    return s + (code == 1), s, c.free + sel[:nsel].tolist()


def fits_compiled(profile: Profile) -> bool:
    """Whether sums of costs fit the 64-bit integers `add1_compiled` adds them in."""
    return (max(profile.costs, default=0) + 1) * (profile.m + 1) < _FITS and profile.budget < _FITS
