"""The Method of Equal Shares (Peters and Skowron), in exact arithmetic.

Every voter starts with the same share of the budget. A project is bought when its supporters
can pay for it together, each paying the same price per unit of utility (`rho`), or everything
they have left if that is less. Each round buys the project with the lowest `rho`.

Exactness and speed: voters whose budgets are equal form a class, so a project's supporters are
counted per class with numpy, and the price is found by a scan over classes in integer arithmetic
(all budgets are integers over one common denominator, enlarged whenever a payment needs it).
Prices only rise as budgets shrink, so last round's price is a lower bound and most projects are
not re-evaluated (the same lazy order as equalshares.net and pabutools).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd, lcm

import numpy as np

from ..profile import Profile

UTILITIES = ("cost", "points")


@dataclass
class Purchase:
    """One bought project: the price per unit of utility and who paid what."""

    project: int
    rho: Fraction
    payments: list[tuple[int, Fraction, bool]]  # (number of voters, amount each, paid all they had)


@dataclass
class MESRun:
    selected: list[int]
    per_voter: Fraction
    purchases: list[Purchase] = field(default_factory=list)
    left_for: dict[int, Fraction] = field(default_factory=dict)  # unfunded: supporters' money left
    unaffordable: set[int] = field(default_factory=set)


def utilities(profile: Profile, kind: str = "cost") -> list[tuple[int | None, np.ndarray | None]]:
    """Per project: (the same utility for every supporter, or None, and else one per supporter).
    "cost": a supporter's utility is points x cost (for approval: the cost, as on equalshares.net);
    "points": the points alone (for approval: 1 per project)."""
    out: list[tuple[int | None, np.ndarray | None]] = []
    for j in range(profile.m):
        pts = profile.points[j]
        c = profile.costs[j] if kind == "cost" else 1
        if pts is None:
            out.append((c, None))
        elif len(pts) and int(pts.min()) == int(pts.max()):
            out.append((int(pts[0]) * c, None))
        else:
            arr = pts.astype(object) * c if c > 2**40 else pts * c
            out.append((None, arr))
    return out


class _State:
    """Voter budgets as classes: `cls[i]` the class of voter i, `num[k]` its budget times `den`.
    Class 0 is the empty purse."""

    def __init__(self, n: int, per_voter: Fraction, costs: list[int], scale: int):
        # budgets are num/den in currency; costs are integers in units of 1/scale
        self.den = per_voter.denominator * scale
        self.cls = np.ones(n, dtype=np.int64)
        self.num: list[int] = [0, per_voter.numerator * scale]
        self.cost_num = [c * per_voter.denominator for c in costs]
        # Budgets are rescaled lazily: class k is stored over the denominator of its epoch.
        self.epoch: list[int] = [0, 0]
        self.dens: list[int] = [self.den]
        self._fac: dict[int, int] = {}

    def _fresh(self, ks) -> None:
        """Bring classes `ks` to the current common denominator."""
        num, ep, cur = self.num, self.epoch, len(self.dens) - 1
        fac = self._fac
        for k in ks:
            e = ep[k]
            if e != cur:
                f = fac.get(e)
                if f is None:
                    f = fac[e] = self.den // self.dens[e]
                num[k] *= f
                ep[k] = cur

    def groups(self, sup: np.ndarray, u: int | None, uarr: np.ndarray | None):
        """Supporters with money, grouped by (class, utility), sorted by budget per utility."""
        num = self.num
        if u is not None:
            cnt = np.bincount(self.cls[sup], minlength=len(num))
            cnt[0] = 0
            nz = np.flatnonzero(cnt).tolist()
            self._fresh(nz)
            nz.sort(key=num.__getitem__)
            cl = cnt.tolist() if len(nz) * 8 > len(num) else None
            if cl is None:
                return [(k, u, int(cnt[k])) for k in nz]
            return [(k, u, cl[k]) for k in nz]
        assert uarr is not None
        uvals, uidx, big = _distinct(uarr)
        key = self.cls[sup] * len(uvals) + uidx
        keys, cnts = np.unique(key, return_counts=True)
        self._fresh({int(k) // len(uvals) for k in keys.tolist()})
        num = self.num
        gs = [(int(k) // len(uvals), int(uvals[int(k) % len(uvals)]), int(c))
              for k, c in zip(keys.tolist(), cnts.tolist(), strict=True) if int(k) // len(uvals) != 0]
        gs.sort(key=lambda g: num[g[0]] * (big // g[1]))  # orders by budget / utility, in integers
        return gs

    def price(self, j: int, groups) -> tuple[int, int] | None:
        """(need, total utility) with rho = need / (total utility x den), or None if unaffordable."""
        num = self.num
        rem = sum(c * u for _, u, c in groups)
        need = self.cost_num[j]
        for k, u, c in groups:
            nk = num[k]
            if need * u <= nk * rem:
                return need, rem
            need -= c * nk
            rem -= c * u
        return None

    def pay(self, sup: np.ndarray, uarr: np.ndarray | None, groups, need: int, rem: int,
            record: bool = False) -> list:
        """Charge the supporters min(budget, rho x utility); returns the payment groups."""
        gu = 0
        for _, u, _ in groups:
            gu = gcd(gu, u)
        rem //= gu  # payments are (u / gu) x need / rem: keeps the common denominator small
        g = gcd(need, rem)
        a, t = need // g, rem // g
        if t != 1:
            self.cost_num = [x * t for x in self.cost_num]
            self.den *= t
            self.dens.append(self.den)
            self._fac = {}
            self._fresh({k for k, _, _ in groups})
        num = self.num
        den = self.den
        new_id: dict[tuple[int, int], int] = {}
        payments = []
        for k, u, c in groups:
            owed = (u // gu) * a
            have = num[k]
            if owed >= have:
                new_id[(k, u)] = 0
                if record:  # paying exactly what is left is paying the share, not running short
                    payments.append((c, Fraction(have, den), owed > have))
            else:
                new_id[(k, u)] = len(num)
                num.append(have - owed)
                self.epoch.append(len(self.dens) - 1)
                if record:
                    payments.append((c, Fraction(owed, den), False))
        cls_sup = self.cls[sup]
        if uarr is None:
            mapping = np.arange(len(num), dtype=np.int64)
            for (k, _u), nid in new_id.items():
                mapping[k] = nid
            self.cls[sup] = mapping[cls_sup]
        else:
            uvals, uidx, _ = _distinct(uarr)
            lu = len(uvals)
            key = cls_sup * lu + uidx
            table = {k * lu + int(np.searchsorted(uvals, u)): nid for (k, u), nid in new_id.items()}
            keys, inv = np.unique(key, return_inverse=True)
            target = np.array([table.get(int(k), int(k) // lu) for k in keys.tolist()], dtype=np.int64)
            self.cls[sup] = target[inv]
        if len(num) > len(self.cls) + 1024:
            self._compact()
        return payments

    def _compact(self) -> None:
        used = np.bincount(self.cls, minlength=len(self.num)) > 0
        used[0] = True
        live = np.flatnonzero(used)
        remap = np.zeros(len(self.num), dtype=np.int64)
        remap[live] = np.arange(len(live))
        self.cls = remap[self.cls]
        self.num = [self.num[k] for k in live.tolist()]
        self.epoch = [self.epoch[k] for k in live.tolist()]

    def money_of(self, sup: np.ndarray) -> Fraction:
        cnt = np.bincount(self.cls[sup], minlength=len(self.num))
        nz = np.flatnonzero(cnt).tolist()
        self._fresh(nz)
        return Fraction(sum(int(cnt[k]) * self.num[k] for k in nz), self.den)


def mes(profile: Profile, rank: list[int], util, per_voter: Fraction | None = None, *,
        explain: bool = False, exact: bool = False) -> MESRun:
    """One run of Equal Shares with `per_voter` money for each voter (default: budget / voters).

    Approval-like profiles (one utility per project) take the fast path of `mes_fast`, which
    checks every close decision exactly; `exact=True` forces the all-integer path."""
    n = profile.n_voters
    if per_voter is None:
        per_voter = Fraction(profile.budget, max(n, 1) * profile.money_scale)
    if not exact and all(u is not None for u, _ in util):
        from .mes_fast import mes_uniform  # noqa: PLC0415

        return mes_uniform(profile, rank, [int(u) for u, _ in util], per_voter, explain=explain)
    run = MESRun(selected=[], per_voter=per_voter)
    if n == 0:
        return run
    scale = profile.money_scale
    # costs in units of 1/scale; per_voter in currency -> budgets in units of 1/(scale*den)
    state = _State(n, per_voter, profile.costs, scale)
    active = []
    lower: dict[int, Fraction] = {}
    for j in range(profile.m):
        if j in profile.excluded or len(profile.supporters[j]) == 0:
            continue
        u, uarr = util[j]
        total = u * len(profile.supporters[j]) if u is not None else int(uarr.sum())
        if total <= 0:
            continue
        if profile.costs[j] == 0:
            run.selected.append(j)
            continue
        active.append(j)
        lower[j] = Fraction(profile.costs[j], total * scale)
    heap = [(lower[j], rank[j], j) for j in active]
    heapq.heapify(heap)
    while heap:
        best: Fraction | None = None
        ties: list[tuple[int, int, int, list]] = []
        seen: list[tuple[Fraction, int, int]] = []
        while heap:
            lb, r, j = heap[0]
            if best is not None and lb > best:
                break
            heapq.heappop(heap)
            sup = profile.supporters[j]
            u, uarr = util[j]
            gs = state.groups(sup, u, uarr)
            pr = state.price(j, gs)
            if pr is None:
                run.unaffordable.add(j)
                continue
            need, rem = pr
            rho = Fraction(need, rem * state.den)
            seen.append((rho, r, j))
            if best is None or rho < best:
                best, ties = rho, [(j, need, rem, gs)]
            elif rho == best:
                ties.append((j, need, rem, gs))
        if not ties:
            break
        j, need, rem, gs = min(ties, key=lambda t: rank[t[0]])
        for item in seen:
            if item[2] != j:
                heapq.heappush(heap, item)
        u, uarr = util[j]
        payments = state.pay(profile.supporters[j], uarr, gs, need, rem, record=explain)
        run.selected.append(j)
        if explain:
            assert best is not None
            run.purchases.append(Purchase(j, best, _merge(payments)))
    if explain:
        chosen = set(run.selected)
        for j in range(profile.m):
            if j not in chosen and j not in profile.excluded:
                run.left_for[j] = state.money_of(profile.supporters[j])
    return run


_DISTINCT: dict[int, tuple[np.ndarray, tuple[np.ndarray, np.ndarray, int]]] = {}


def _distinct(uarr: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Distinct utilities of a project's supporters, each supporter's index among them, and their
    lcm (for exact integer sort keys). Cached: the same arrays are used in every add-one step."""
    hit = _DISTINCT.get(id(uarr))
    if hit is not None and hit[0] is uarr:
        return hit[1]
    uvals, uidx = np.unique(uarr, return_inverse=True)
    res = (uvals, uidx.reshape(-1), lcm(*(int(x) for x in uvals.tolist())))
    if len(_DISTINCT) > 4096:
        _DISTINCT.clear()
    _DISTINCT[id(uarr)] = (uarr, res)
    return res


def _merge(payments: list[tuple[int, Fraction, bool]]) -> list[tuple[int, Fraction, bool]]:
    acc: dict[tuple[Fraction, bool], int] = {}
    for c, amount, full in payments:
        acc[(amount, full)] = acc.get((amount, full), 0) + c
    return sorted(((c, a, f) for (a, f), c in acc.items()), key=lambda t: (-t[1], t[2]))
