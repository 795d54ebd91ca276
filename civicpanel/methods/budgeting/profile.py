"""The counting form of a round: per project its supporters (numpy index arrays) and their points,
costs as exact integers. Every rule works on this."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import lcm

import numpy as np

from .election import BudgetingError, Election

ORDINAL_SCORINGS = ("max-length", "ballot-length")


@dataclass
class Profile:
    """`supporters[j]` are the voters giving project j positive points, `points[j]` their points as
    integers (None: one point each, as for approval). Money is in integer units of 1/`money_scale`."""

    ids: list[str]
    costs: list[int]
    budget: int
    money_scale: int
    n_voters: int
    supporters: list[np.ndarray]
    points: list[np.ndarray | None]
    points_scale: int
    excluded: frozenset[int]
    vote_type: str

    @property
    def m(self) -> int:
        return len(self.ids)

    def votes(self, j: int) -> int:
        """Number of voters supporting project j."""
        return int(len(self.supporters[j]))

    def score(self, j: int) -> int:
        """Total points of project j (votes for approval), in units of 1/points_scale."""
        p = self.points[j]
        return len(self.supporters[j]) if p is None else int(p.sum(dtype=np.int64))

    def money(self, x: int) -> Fraction:
        return Fraction(x, self.money_scale)


def build_profile(election: Election, *, ordinal_scoring: str = "max-length",
                  exclude: frozenset[str] | set[str] = frozenset()) -> Profile:
    """Compile a round. `ordinal_scoring` turns a ranking into points: "max-length" gives the
    first of a ballot `max_length` points, the next one less (Kraków: 3-2-1); "ballot-length" gives
    the first `len(ballot) - 1`, down to 0 for the last (Zurich; pabutools' Borda satisfaction)."""
    if ordinal_scoring not in ORDINAL_SCORINGS:
        raise BudgetingError(f"ordinal scoring {ordinal_scoring!r} is not one of {', '.join(ORDINAL_SCORINGS)}",
                             code="budgeting.bad_option_value", option="ordinal scoring",
                             value=str(ordinal_scoring), allowed=", ".join(ORDINAL_SCORINGS))
    ids = list(election.projects)
    index = {p: j for j, p in enumerate(ids)}
    costs_f = [election.projects[p].cost for p in ids]
    budget_f = election.budget
    scale = lcm(budget_f.denominator, *(c.denominator for c in costs_f))
    vote_type = election.vote_type
    m = len(ids)
    sup_lists: list[list[int]] = [[] for _ in range(m)]
    pts_lists: list[list[Fraction | int]] = [[] for _ in range(m)]
    weighted = vote_type in ("cumulative", "scoring", "ordinal")
    max_len = None
    if vote_type == "ordinal" and ordinal_scoring == "max-length":
        raw = election.meta.get("max_length", "").strip()
        max_len = int(raw) if raw else max((len(b.projects) for b in election.ballots), default=0)
    for i, b in enumerate(election.ballots if weighted else ()):
        if vote_type == "ordinal":
            top = max_len if max_len is not None else len(b.projects) - 1
            for r, p in enumerate(b.projects):
                pts = top - r
                if pts > 0:
                    j = index[p]
                    sup_lists[j].append(i)
                    pts_lists[j].append(pts)
        elif weighted and b.points is not None:
            for p, x in zip(b.projects, b.points, strict=True):
                if x.numerator > 0:  # Fraction or int; comparing numerators is far quicker
                    j = index[p]
                    sup_lists[j].append(i)
                    pts_lists[j].append(x)
    if not weighted:  # approval: one sort instead of a Python append per vote
        flat = np.fromiter((index[p] for b in election.ballots for p in b.projects), dtype=np.int64)
        voters = np.repeat(np.arange(len(election.ballots), dtype=np.int64),
                           [len(b.projects) for b in election.ballots])
        order = np.argsort(flat, kind="stable")
        bounds = np.searchsorted(flat[order], np.arange(m + 1))
        sorted_voters = voters[order]
        sup_lists = [sorted_voters[bounds[j]:bounds[j + 1]] for j in range(m)]  # type: ignore[misc]
    pscale = 1
    if weighted:
        pscale = lcm(1, *{x.denominator for lst in pts_lists for x in lst})
    supporters = [np.asarray(s, dtype=np.int64) for s in sup_lists]
    points: list[np.ndarray | None] = []
    for lst in pts_lists:
        if not weighted:
            points.append(None)
        else:
            points.append(np.asarray([x.numerator * (pscale // x.denominator) for x in lst], dtype=np.int64))
    excluded = frozenset(index[p] for p in exclude if p in index)
    return Profile(ids=ids, costs=[int(c * scale) for c in costs_f], budget=int(budget_f * scale),
                   money_scale=scale, n_voters=len(election.ballots), supporters=supporters,
                   points=points, points_scale=pscale, excluded=excluded, vote_type=vote_type)


def low_support(profile: Profile, factor: Fraction) -> set[int]:
    """Projects whose share of voters is below factor x cost / budget (Świecie 2023: factor 1/3)."""
    n, budget = profile.n_voters, profile.budget
    return {j for j in range(profile.m)
            if Fraction(profile.votes(j), max(n, 1)) < factor * Fraction(profile.costs[j], max(budget, 1))}
