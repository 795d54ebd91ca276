"""Equal Shares when every supporter of a project gets the same utility from it (approval
ballots, with cost or unit utilities): the fast path.

Budgets are kept per voter in floating point for speed. Exactly, a voter with money left has
paid the full price of every project she supported that was bought so far, so her budget is the
share minus those prices: each voter keeps one bit per purchase, and exact sums over any group of
voters come from counting bits, in integers over one common denominator. Every decision that
floating point could get wrong is checked exactly: a poor/rich split whose margin is below `tol`
(a millionth of a voter's share), an affordability test near equality, and any two prices within
`tol` of each other. Outcomes are therefore exactly those of the all-integer `mes`."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import lcm

import numpy as np

from ..profile import Profile

TOL = 1e-6

_min = np.minimum.reduce
_max = np.maximum.reduce
_sum = np.add.reduce
_count = np.count_nonzero


_OVERLAPS: dict[int, tuple[list[np.ndarray], list[frozenset[int]]]] = {}


def _overlaps(supporters: list[np.ndarray], n: int) -> list[frozenset[int]]:
    """For each project, the projects sharing a supporter with it (itself included): buying it
    changes no other project's supporters' budgets. Cached per supporters list, for add-one."""
    hit = _OVERLAPS.get(id(supporters))
    if hit is not None and len(hit[0]) == len(supporters) \
            and all(a is b for a, b in zip(hit[0], supporters, strict=True)):
        return hit[1]
    m = len(supporters)
    if m * n <= 20_000_000:
        member = np.zeros((m, n), dtype=np.float32)
        for j, sup in enumerate(supporters):
            member[j, sup] = 1.0
        shared = (member @ member.T) > 0
    else:  # too large to hold as a matrix
        shared = np.zeros((m, m), dtype=bool)
        mask = np.zeros(n, dtype=bool)
        for j, sup in enumerate(supporters):
            mask[sup] = True
            shared[j] = [bool(mask[other].any()) for other in supporters]
            mask[sup] = False
    np.fill_diagonal(shared, True)
    result = [frozenset(np.flatnonzero(row).tolist()) for row in shared]
    if len(_OVERLAPS) >= 4:
        _OVERLAPS.clear()
    _OVERLAPS[id(supporters)] = (list(supporters), result)
    return result


@lru_cache(maxsize=8)
def _start(costs: tuple[int, ...], scale: int, uniform: tuple[int, ...], rank: tuple,
           excluded: frozenset[int], sizes: tuple[int, ...]):
    """What a run starts from, whatever the share: projects bought for free, the projects in
    play, and the initial heap of lower bounds on their prices per utility."""
    costs_f = _cost_table(costs, scale)[1]
    free: list[int] = []
    active: list[int] = []
    for j in range(len(costs)):
        if j in excluded or sizes[j] == 0 or uniform[j] <= 0:
            continue
        if costs[j] == 0:
            free.append(j)
            continue
        active.append(j)
    heap = [(costs_f[j] / (uniform[j] * sizes[j]), rank[j], j) for j in active]
    heapq.heapify(heap)
    return tuple(free), tuple(active), tuple(heap)


@lru_cache(maxsize=8)
def _cost_table(costs: tuple[int, ...], scale: int) -> tuple[list[Fraction], list[float], int]:
    """Costs as Fractions of currency, as floats, and the lcm of their denominators: the same for
    every run on a profile, so the add-one completion computes them once."""
    fr = [Fraction(c, scale) for c in costs]
    return fr, [float(c) for c in fr], lcm(*(c.denominator for c in fr))


@dataclass(slots=True)
class _Eval:
    sup: np.ndarray  # supporters with money left
    poor: np.ndarray | None  # mask over sup: pay all they have (None: no one)
    pi: float  # price per rich supporter
    exact: Fraction | None = None


class _Purses:
    """Float budgets per voter; exact budgets as share - sum of the prices paid, over `den`."""

    def __init__(self, n: int, per_voter: Fraction, costs: list[Fraction], max_purchases: int,
                 costs_den: int):
        self.bud = np.full(n, float(per_voter))
        self.words = max(1, (max_purchases + 63) // 64)
        self.bits = np.zeros((n, self.words), dtype=np.uint64)
        self.share_f = per_voter
        self.cost_f = costs
        self.den = lcm(per_voter.denominator, costs_den)
        self.prices: list[Fraction] = []  # price per voter of purchase r, once settled
        # Purchases whose exact price is not needed yet: (project, supporters, those short, price
        # if known). Those short never pay again, so their bits still tell what they had.
        self.pending: list[tuple[int, int, np.ndarray, Fraction | None]] = []
        self._scaled: dict[int, int] = {}  # price r times den, for the current den
        self.broke_epoch = 0  # raised whenever a voter's purse becomes empty

    @property
    def share(self) -> int:
        return self.share_f.numerator * (self.den // self.share_f.denominator)

    def cost(self, j: int) -> int:
        c = self.cost_f[j]
        return c.numerator * (self.den // c.denominator)

    def price(self, r: int) -> int:
        v = self._scaled.get(r)
        if v is None:
            p = self.prices[r]
            v = self._scaled[r] = p.numerator * (self.den // p.denominator)
        return v

    @property
    def purchases(self) -> int:
        return len(self.prices) + len(self.pending)

    def record(self, j: int, k: int, poor: np.ndarray, known: Fraction | None) -> int:
        self.pending.append((j, k, poor, known))
        return self.purchases - 1

    def settle(self) -> None:
        """Compute the exact prices of pending purchases, in order."""
        for j, k, poor, known in self.pending:
            if known is None:
                if len(poor) == 0:
                    c = self.cost_f[j]
                    known = Fraction(c.numerator, c.denominator * k)
                else:
                    paid = self._money(poor)
                    known = Fraction(self.cost(j) - paid, self.den * (k - len(poor)))
            self.add_price(known)
        self.pending = []

    def add_price(self, pi: Fraction) -> int:
        if self.den % pi.denominator:
            self.den = lcm(self.den, pi.denominator)
            self._scaled = {}
        self.prices.append(pi)
        return len(self.prices) - 1

    def counts(self, voters: np.ndarray) -> np.ndarray:
        """For each purchase so far, how many of `voters` paid for it."""
        r = len(self.prices)  # settled purchases: pending ones are never in these voters' bits
        if r == 0 or len(voters) == 0:
            return np.zeros(r, dtype=np.int64)
        rows = self.bits[voters]
        per_word = np.unpackbits(rows.view(np.uint8), axis=1, bitorder="little")
        return per_word.sum(axis=0, dtype=np.int64)[:r]

    def money(self, voters: np.ndarray) -> int:
        """Exact money (times den) of voters who all have money left."""
        self.settle()
        return self._money(voters)

    def _money(self, voters: np.ndarray) -> int:
        cnt = self.counts(voters)
        nz = np.flatnonzero(cnt).tolist()
        return len(voters) * self.share - sum(int(cnt[r]) * self.price(r) for r in nz)

    def groups(self, voters: np.ndarray) -> tuple[list[int], np.ndarray, np.ndarray]:
        """Distinct payment histories among voters: exact budgets (times den), counts, inverse."""
        self.settle()
        sel = np.ascontiguousarray(self.bits[voters])
        keys = sel.view(np.dtype((np.void, 8 * self.words))).ravel()
        _, first, inv, cnt = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)
        rows = sel[first]
        values = []
        share = self.share
        r_all = len(self.prices)
        for row in rows:
            bits = np.unpackbits(row.view(np.uint8), bitorder="little")[:r_all]
            values.append(share - sum(self.price(r) for r in np.flatnonzero(bits).tolist()))
        return values, cnt, inv.reshape(-1)

    def pay(self, r: int, rich: np.ndarray, poor: np.ndarray, pi: float, tol: float) -> None:
        if len(poor):
            self.bud[poor] = 0.0
            self.broke_epoch += 1
        if len(rich):
            left = self.bud[rich] - pi
            self.bud[rich] = left
            col = self.bits[:, r // 64]  # a column view: far faster than 2-d fancy indexing
            col[rich] |= np.uint64(1 << (r % 64))
            # Near zero, floating point cannot tell an empty purse from a nearly empty one.
            if _min(left) < tol:
                low = rich[left < tol]
                values, _, inv = self.groups(low)
                exact = np.array([max(float(Fraction(v, self.den)), 1e-300) if v > 0 else 0.0 for v in values])
                self.bud[low] = exact[inv]
                self.broke_epoch += 1


def mes_uniform(profile: Profile, rank: list[int], uniform: list[int], per_voter: Fraction,
                explain: bool = False):
    """Same contract as `mes.mes` for profiles where project j gives each supporter `uniform[j]`."""
    from .mes import MESRun, Purchase  # noqa: PLC0415 - avoid an import cycle

    run = MESRun(selected=[], per_voter=per_voter)
    n = profile.n_voters
    if n == 0:
        return run
    scale = profile.money_scale
    costs, costs_f, costs_den = _cost_table(tuple(profile.costs), scale)
    free, active, heap0 = _start(tuple(profile.costs), scale, tuple(uniform), tuple(rank),
                                 frozenset(profile.excluded), tuple(map(len, profile.supporters)))
    run.selected.extend(free)
    if not active:
        if explain:
            run.left_for = {j: Fraction(0) for j in range(profile.m)
                            if j not in run.selected and j not in profile.excluded}
        return run
    purses = _Purses(n, per_voter, costs, len(active), costs_den)
    tol = TOL * float(per_voter)
    window = tol / min(uniform[j] for j in active)  # prices closer than this are compared exactly

    def exact_eval(j: int, sup: np.ndarray) -> _Eval | None:
        values, cnt, inv = purses.groups(sup)
        order = sorted(range(len(values)), key=values.__getitem__)
        need, rem = purses.cost(j), int(cnt.sum())
        poor_groups: list[int] = []
        for g in order:
            v, c = values[g], int(cnt[g])
            if need <= v * rem:  # price need/rem per rich voter is within this group's budget
                poor = np.isin(inv, poor_groups)
                pi = Fraction(need, rem * purses.den)
                return _Eval(sup, poor, float(pi), pi)
            need -= c * v
            rem -= c
            poor_groups.append(g)
        return None

    live_sup = {j: profile.supporters[j] for j in active}
    bud = purses.bud  # updated in place, never rebound

    def evaluate(j: int) -> _Eval | None:
        sup = live_sup[j]
        k = len(sup)
        if k == 0:
            return None
        b = bud[sup]
        lo = float(_min(b))
        if not lo > 0:  # someone ran out of money since: drop empty purses
            live = b > 0
            sup, b = sup[live], b[live]
            live_sup[j] = sup
            k = len(b)
            if k == 0:
                return None
            lo = float(_min(b))
        c = costs_f[j]
        pi = c / k
        if lo >= pi + tol:  # everyone pays the same share: affordable, no one short
            return _Eval(sup, None, pi)
        total = float(_sum(b))
        if total < c - tol * k:
            return None
        if total <= c + tol * k:
            return exact_eval(j, sup)
        poor = b < pi
        npoor = _count(poor)
        while True:
            bp = b[poor]
            pi = (c - float(_sum(bp))) / (k - npoor)
            poor2 = b < pi
            n2 = _count(poor2)
            if n2 == npoor:
                break
            poor, npoor = poor2, n2
        rich_min = float(_min(b[~poor]))
        poor_max = float(_max(bp)) if npoor else -np.inf
        if rich_min < pi + tol or poor_max > pi - tol:
            return exact_eval(j, sup)
        return _Eval(sup, poor, pi)

    def exact_price(j: int, ev: _Eval) -> Fraction:
        if ev.exact is None:
            poor = ev.sup[:0] if ev.poor is None else ev.sup[ev.poor]
            if len(poor) == 0:
                ev.exact = Fraction(costs[j].numerator, costs[j].denominator * len(ev.sup))
            else:
                paid = purses.money(poor)
                ev.exact = Fraction(purses.cost(j) - paid, purses.den * (len(ev.sup) - len(poor)))
        return ev.exact

    heap = list(heap0)
    heappop, heappush = heapq.heappop, heapq.heappush
    overlaps = _overlaps(profile.supporters, n)
    # Evaluations with the number of purchases then: still valid if no supporter of the project
    # has paid for anything since.
    fresh: dict[int, tuple[int, np.ndarray, np.ndarray | None, float, Fraction | None]] = {}
    bought = run.selected
    while heap:
        best = limit = np.inf
        seen: dict[int, tuple[float, _Eval]] = {}
        while heap:
            if heap[0][0] > limit:
                break
            j = heappop(heap)[2]
            known = fresh.get(j)
            if known is not None and overlaps[j].isdisjoint(bought[known[0]:]):
                ev = _Eval(known[1], known[2], known[3], known[4])
            else:
                ev = evaluate(j)
                if ev is None:
                    run.unaffordable.add(j)
                    continue
                fresh[j] = (len(bought), ev.sup, ev.poor, ev.pi, ev.exact)
            rho = ev.pi / uniform[j]
            seen[j] = (rho, ev)
            if rho < best:
                best = rho
                limit = best + window
        if not seen:
            break
        close = [j for j, (rho, _) in seen.items() if rho <= best + window]
        if len(close) == 1:
            w = close[0]
        else:
            w = min(close, key=lambda j: (exact_price(j, seen[j][1]) / uniform[j], rank[j]))
        for j, (rho, _) in seen.items():
            if j != w:
                heappush(heap, (rho, rank[j], j))
        ev = seen[w][1]
        if ev.poor is None:
            poor, rich = ev.sup[:0], ev.sup
        else:
            poor, rich = ev.sup[ev.poor], ev.sup[~ev.poor]
        if explain:
            pi = exact_price(w, ev)
            payments = [(len(rich), pi, False)] if len(rich) else []
            if len(poor):
                values, cnt, _ = purses.groups(poor)
                payments += [(int(c), Fraction(v, purses.den), True) for v, c in zip(values, cnt, strict=True)]
            run.purchases.append(Purchase(w, pi / uniform[w], _merge_payments(payments)))
        r = purses.record(w, len(ev.sup), poor, ev.exact)
        purses.pay(r, rich, poor, float(ev.exact) if ev.exact is not None else ev.pi, tol)
        run.selected.append(w)
    if explain:
        chosen = set(run.selected)
        for j in range(profile.m):
            if j not in chosen and j not in profile.excluded:
                sup = profile.supporters[j]
                sup = sup[purses.bud[sup] > 0]
                run.left_for[j] = Fraction(purses.money(sup), purses.den)
    return run


def _merge_payments(payments):
    acc: dict[tuple[Fraction, bool], int] = {}
    for c, amount, full in payments:
        acc[(amount, full)] = acc.get((amount, full), 0) + c
    return sorted(((c, a, f) for (a, f), c in acc.items()), key=lambda t: (-t[1], t[2]))
