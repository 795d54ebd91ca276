"""Explanations a resident can read: why each project was funded or what it lacked.

Each explanation is plain data: {"funded": bool, "text": str, ...numbers}."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .profile import Profile
from .rules.mes import MESRun


def money(x: Fraction, currency: str = "") -> str:
    s = f"{float(x):,.2f}"
    if s.endswith(".00"):
        s = s[:-3]
    return f"{currency} {s}".strip()


def _people(n: int) -> str:
    return f"{n} supporter" + ("" if n == 1 else "s")


def explain_mes(profile: Profile, run: MESRun, selection: list[int], currency: str = "") -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    bought = {p.project: p for p in run.purchases}
    in_mes = set(run.selected)
    spent = sum(profile.costs[j] for j in selection)
    left = Fraction(profile.budget - spent, profile.money_scale)
    for j in range(profile.m):
        pid = profile.ids[j]
        cost = profile.money(profile.costs[j])
        if j in bought:
            p = bought[j]
            parts = []
            full = [(c, a) for c, a, all_left in p.payments if not all_left]
            broke = [(c, a) for c, a, all_left in p.payments if all_left]
            for c, a in full:
                parts.append(f"{_people(c)} paid {money(a, currency)} each")
            if broke:
                n_broke = sum(c for c, _ in broke)
                lo = min(a for _, a in broke)
                hi = max(a for _, a in broke)
                span = money(lo, currency) if lo == hi else f"{money(lo, currency)} to {money(hi, currency)}"
                parts.append(f"{_people(n_broke)} paid all they had left ({span})")
            out[pid] = {"funded": True, "how": "equal shares", "cost": float(cost),
                        "payers": sum(c for c, _, _ in p.payments),
                        "text": f"Funded for {money(cost, currency)}: " + "; ".join(parts) + "."}
        elif j in in_mes:
            out[pid] = {"funded": True, "how": "free", "cost": 0.0,
                        "text": "Funded: it costs nothing and has supporters."}
        elif j in selection:
            out[pid] = {"funded": True, "how": "greedy completion", "cost": float(cost),
                        "text": f"Funded by the completion: {profile.score(j)} votes, and its cost "
                                f"{money(cost, currency)} fit in the money Equal Shares left unspent."}
        elif j in profile.excluded:
            out[pid] = {"funded": False, "cost": float(cost), "reason": "excluded",
                        "text": f"Not counted: {profile.votes(j)} of {profile.n_voters} voters supported "
                                "it, a share below the threshold for its cost."}
        elif profile.votes(j) == 0:
            out[pid] = {"funded": False, "cost": float(cost), "reason": "no support",
                        "text": "Not funded: no voter supported it."}
        else:
            have = run.left_for.get(j, Fraction(0))
            out[pid] = {"funded": False, "cost": float(cost), "reason": "supporters short",
                        "supporters_money": float(have),
                        "text": f"Not funded: its {_people(profile.votes(j))} had {money(have, currency)} "
                                f"left of the {money(cost, currency)} it costs"
                                + (f" (and only {money(left, currency)} of the budget is unspent)."
                                   if cost > left else ".")}
    return out


def explain_greedy(profile: Profile, rank: list[int], selection: list[int], per_cost: bool,
                   min_votes: int | None, currency: str = "") -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    chosen = set(selection)
    order = selection + [j for j in range(profile.m) if j not in chosen]
    # Replay the order of consideration to know what was left when each project's turn came.
    def key(j: int):
        s, c = profile.score(j), profile.costs[j]
        if per_cost:
            return (-(Fraction(s, c) if c > 0 else Fraction(10**30)), rank[j])
        return (-s, rank[j])

    remaining = profile.budget
    for pos, j in enumerate(sorted(order, key=key), start=1):
        pid = profile.ids[j]
        cost = profile.money(profile.costs[j])
        votes = profile.score(j)
        left = profile.money(remaining)
        if j in chosen:
            remaining -= profile.costs[j]
            out[pid] = {"funded": True, "position": pos, "votes": votes, "cost": float(cost),
                        "text": f"Funded: {votes} votes, number {pos} in the order"
                                f"{' of votes per cost' if per_cost else ''}; its cost {money(cost, currency)} "
                                f"fit in the {money(left, currency)} left."}
        elif j in profile.excluded:
            out[pid] = {"funded": False, "votes": votes, "cost": float(cost), "reason": "excluded",
                        "text": "Not counted: its share of voters was below the threshold for its cost."}
        elif min_votes is not None and votes < min_votes:
            out[pid] = {"funded": False, "votes": votes, "cost": float(cost), "reason": "threshold",
                        "text": f"Not funded: {votes} votes, fewer than the {min_votes} required."}
        else:
            out[pid] = {"funded": False, "position": pos, "votes": votes, "cost": float(cost),
                        "reason": "did not fit",
                        "text": f"Not funded: {votes} votes, number {pos} in the order; when its turn came "
                                f"only {money(left, currency)} was left, less than its cost {money(cost, currency)}."}
    return out


def explain_other(profile: Profile, selection: list[int], rule: str, currency: str = "") -> dict[str, dict[str, Any]]:
    chosen = set(selection)
    total = sum(profile.score(j) for j in selection)
    out: dict[str, dict[str, Any]] = {}
    for j in range(profile.m):
        pid = profile.ids[j]
        votes = profile.score(j)
        cost = profile.money(profile.costs[j])
        if rule == "utilitarian":
            text = (f"Funded: part of the set of projects with the most votes in total ({total}) within the budget."
                    if j in chosen else
                    f"Not funded: with its {votes} votes and cost {money(cost, currency)} no set including it "
                    f"gets more votes within the budget.")
        else:
            text = (f"Funded: number {selection.index(j) + 1} in the order in which its supporters' "
                    "shared load was lowest." if j in chosen else
                    "Not funded: the rule stopped before its supporters' shared load was the lowest, "
                    "or it did not fit in the budget.")
        out[pid] = {"funded": j in chosen, "votes": votes, "cost": float(cost), "text": text}
    return out
