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
import math
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
                explain: bool = False, track: bool = False, horizon: float = math.inf):
    """Same contract as `mes.mes` for profiles where project j gives each supporter `uniform[j]`.

    With `track`, also `run.stable_for`: how far the share per voter can rise with the same set
    of projects bought (see `_Tracker`)."""
    from .mes import MESRun, Purchase  # noqa: PLC0415 - avoid an import cycle

    run = MESRun(selected=[], per_voter=per_voter)
    n = profile.n_voters
    if n == 0:
        run.stable_for = math.inf
        return run
    scale = profile.money_scale
    costs, costs_f, costs_den = _cost_table(tuple(profile.costs), scale)
    free, active, heap0 = _start(tuple(profile.costs), scale, tuple(uniform), tuple(rank),
                                 frozenset(profile.excluded), tuple(map(len, profile.supporters)))
    run.selected.extend(free)
    if not active:
        run.stable_for = math.inf
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
    tracker = _Tracker(profile.m, n, tol, window, horizon) if track else None

    def short_of(j: int, sup: np.ndarray, poor: np.ndarray | None) -> tuple[np.ndarray, float]:
        """Supporters who pay all they have or have nothing, and the utility of the others."""
        full = profile.supporters[j]
        rich = len(sup) - (int(_count(poor)) if poor is not None else 0)
        short = full[bud[full] <= 0] if len(sup) < len(full) else full[:0]
        if poor is not None:
            short = np.concatenate((short, sup[poor]))
        return short, max(rich, 1) * uniform[j]

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
                slope = known[5]
            else:
                ev = evaluate(j)
                if ev is None:
                    run.unaffordable.add(j)
                    if tracker is not None:
                        full = profile.supporters[j]
                        tracker.unaffordable(j, full, bud[full], uniform[j], costs_f[j])
                    continue
                slope = 0.0
                if tracker is not None and (ev.poor is not None or len(ev.sup) < len(profile.supporters[j])):
                    slope = tracker.slope(*short_of(j, ev.sup, ev.poor))
                fresh[j] = (len(bought), ev.sup, ev.poor, ev.pi, ev.exact, slope)
            rho = ev.pi / uniform[j]
            if tracker is not None:
                tracker.evaluated(j, rho, slope)
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
        if tracker is not None:
            short, rich_utility = short_of(w, ev.sup, ev.poor)
            tracker.bought(w, seen[w][0], profile.supporters[w], short, rich_utility, uniform[w],
                           poor, bud[poor], uniform[w])
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
    if tracker is not None:
        run.stable_for = tracker.result()
    return run


class _Tracker:
    """How far the share per voter can rise from a run's with the same set of projects bought.

    All of this holds for rises below `horizon`, which lets a supporter who paid all she had count
    as having nothing afterwards if her budget could not reach that price within it (then her
    `grow` is 0). With the same purchases in the same order, raising the share never lowers a voter's budget
    and never raises a price (by induction over the purchases). `grow[i]` bounds how fast voter
    i's budget rises with the share: everyone starts at 1; when a project is bought, those who
    paid all they had (or had nothing) can bring more at a higher share, and the price per
    utility the others pay falls by at most their extra money over the others' utility (or over
    the least utility if no one else pays). So the price of a project whose last evaluation had
    supporters short of money falls by at most `slope` x the rise; one where everyone paid at
    the same price does not fall at all. Hence, for a rise below `stable_for`:
    - each round's winner still costs no more per utility, and each project it beat still costs
      more (its lower bound falls by at most slope x the rise), unless the beaten project is
      bought later and none of its short supporters pays for anything bought in between: then
      buying it earlier changes no one's payment (those who pay for both pay in full for both),
      and the same projects are bought;
    - a project found unaffordable can at most become affordable at a price per utility above
      that of every later round's winner (bounded from its supporters' money then, plus their
      `grow` x the rise), so it is never chosen.
    Every bound keeps a margin far above floating-point error (`tol` in money, `window` and a
    relative 1e-9 in prices). Works for any utilities: the callers pass who was short, the
    utility of those who were not, and each supporter's utility."""

    def __init__(self, m: int, n: int, tol: float, window: float, horizon: float = math.inf):
        self.tol = tol
        self.window = window
        self.horizon = horizon
        self.grow = np.ones(n)
        self.last_round = np.full(n, -1, dtype=np.int64)  # last purchase each voter supported
        self.rho = np.zeros(m)  # last price per utility of each project in play
        self.slopes = np.zeros(m)  # how fast it can fall with the share (0: not at all, or out of play)
        self.sensitive = 0
        self.beaten: list[np.ndarray] = []  # per round: the rise each project stays beaten for
        self.beaten_at: list[int] = []
        self.winners_rho: list[float] = []
        self.dropped: list[tuple[int, np.ndarray, np.ndarray, np.ndarray | float, float]] = []
        self.movable_after = np.full(m, np.iinfo(np.int64).max, dtype=np.int64)

    def slope(self, short: np.ndarray, rich_utility: float) -> float:
        """How fast a price per utility can fall: `short` paid all they had (or had nothing)."""
        if len(short) == 0:
            return 0.0
        return float(_sum(self.grow[short])) * (1 + 1e-9) / rich_utility

    def evaluated(self, j: int, rho: float, slope: float) -> None:
        self.rho[j] = rho
        old = float(self.slopes[j])
        if slope > 0 or old > 0:
            self.sensitive += int(slope > 0) - int(old > 0)
            self.slopes[j] = slope

    def _out(self, j: int) -> None:
        if self.slopes[j] > 0:
            self.sensitive -= 1
            self.slopes[j] = 0.0

    def unaffordable(self, j: int, full: np.ndarray, money: np.ndarray, utility: np.ndarray | float,
                     cost: float) -> None:
        self._out(j)
        self.dropped.append((len(self.winners_rho), money, self.grow[full], utility, cost))

    def bought(self, w: int, rho_w: float, full: np.ndarray, short: np.ndarray, rich_utility: float,
               utility: np.ndarray | float, poor: np.ndarray | None = None, poor_money: np.ndarray | None = None,
               poor_utility: np.ndarray | float = 0.0) -> None:
        t = len(self.winners_rho)
        self.winners_rho.append(rho_w)
        self._out(w)
        if self.sensitive:
            slopes = self.slopes
            rise = np.full(len(slopes), np.inf)
            margin = rho_w + self.window + 1e-9 * abs(rho_w)
            np.divide(self.rho - margin, slopes, out=rise, where=slopes > 0)
            self.beaten.append(rise)
            self.beaten_at.append(t)
        after = -1
        if len(short):
            grow = self.grow
            after = int(_max(self.last_round[short]))
            extra = float(_sum(grow[short])) * (1 + 1e-9) / rich_utility
            grow[full] += extra * utility
            if poor is not None and len(poor) and self.horizon < math.inf:
                # Those who paid all they had stay at nothing until their budget could reach the
                # price: if that needs a rise beyond the horizon, they have nothing within it.
                gap = rho_w * poor_utility - poor_money
                stay = gap > grow[poor] * self.horizon * (1 + 1e-9) + self.tol
                grow[poor[stay]] = 0.0
        self.movable_after[w] = after
        self.last_round[full] = t

    def result(self) -> float:
        lim = self.horizon
        if self.beaten:
            rises = np.vstack(self.beaten)
            at = np.asarray(self.beaten_at)
            rises[at[:, None] > self.movable_after[None, :]] = np.inf  # may move before the winner
            lim = float(rises.min())
        later = np.maximum.accumulate(np.asarray(self.winners_rho + [np.inf])[::-1])[::-1]
        for t, money, grow, utility, cost in self.dropped:
            # never cheaper than the dearest winner from its round on (+ margin), nor affordable
            top = later[t] + self.window + 1e-9 * later[t] if t < len(self.winners_rho) else np.inf
            caps = np.broadcast_to(np.asarray(top * utility, dtype=float), money.shape)
            lim = min(lim, _rise_until(money, grow, caps, cost - self.tol * (len(money) + 1)))
        return max(lim, 0.0)


def _rise_until(money: np.ndarray, grow: np.ndarray, caps: np.ndarray, cost: float) -> float:
    """The largest rise r with sum(min(money + grow x r, caps)) < cost: below it, these supporters
    cannot pay `cost` at a price per utility of at most the one giving `caps`."""
    grow = grow * (1 + 1e-9)
    if np.isinf(caps).any():
        growth = float(_sum(grow))
        if growth <= 0:  # supporters whose money no longer grows never reach more than they have
            return math.inf if float(_sum(money)) < cost else 0.0
        return (cost - float(_sum(money))) / growth
    full = money >= caps
    base = float(_sum(caps[full]))
    money, grow, caps = money[~full], grow[~full], caps[~full]
    if base + float(_sum(caps)) < cost:
        return math.inf
    still = grow <= 0  # their money no longer grows: it stays below their cap
    if still.any():
        base += float(_sum(money[still]))
        money, grow, caps = money[~still], grow[~still], caps[~still]
        if len(money) == 0:
            return math.inf if base < cost else 0.0
    at = (caps - money) / grow  # the rise at which each supporter reaches the cap
    order = np.argsort(at)
    at, money, grow, caps = at[order], money[order], grow[order], caps[order]
    capped = base + np.concatenate(([0.0], np.cumsum(caps)[:-1]))  # of those at the cap before
    rest_money = np.cumsum(money[::-1])[::-1]  # of those not yet at the cap
    rest_grow = np.cumsum(grow[::-1])[::-1]
    reached = capped + rest_money + at * rest_grow  # the sum at each breakpoint
    i = int(np.searchsorted(reached, cost))
    if i >= len(at):  # not even at their caps
        return math.inf
    return (cost - capped[i] - rest_money[i]) / rest_grow[i]


def _merge_payments(payments):
    acc: dict[tuple[Fraction, bool], int] = {}
    for c, amount, full in payments:
        acc[(amount, full)] = acc.get((amount, full), 0) + c
    return sorted(((c, a, f) for (a, f), c in acc.items()), key=lambda t: (-t[1], t[2]))
