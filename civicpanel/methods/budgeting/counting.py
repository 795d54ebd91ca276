"""Counting a round: one entry point for every rule, with every option explicit."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

from .completion import COMPLETIONS, DEFAULT_COMPLETION, mes_completed
from .election import Ballot, BudgetingError, Election, Project, format_number
from .explain import explain_greedy, explain_mes, explain_other
from .profile import ORDINAL_SCORINGS, Profile, build_profile, low_support
from .rules.greedy import greedy
from .rules.mes import UTILITIES, utilities
from .rules.phragmen import phragmen
from .rules.utilitarian import utilitarian
from .ties import DEFAULT_TIE_BREAKING, TIE_BREAKINGS, tie_order

RULES = ("greedy", "greedy-cost", "mes", "phragmen", "utilitarian")


@dataclass(frozen=True)
class Options:
    """How to count. Defaults are those of equalshares.net for Equal Shares.

    - `completion` (Equal Shares only): see `completion.COMPLETIONS`; default "add1".
    - `utility` (Equal Shares only): "cost" (a supporter's utility is points x cost, for approval
      the cost: equalshares.net and the official Polish, Dutch and Swiss outcomes) or "points".
    - `tie_breaking`: "equalshares" (lowest cost, most votes, then a lottery drawn from `seed`
      before counting) or "pabutools" (project ids compared as strings).
    - `ordinal_scoring`: "max-length" (Kraków: 3-2-1 with max_length 3) or "ballot-length"
      (Zurich: ballot length minus rank, the last ranked getting 0).
    - `exclude_low_support`: a factor f; projects whose share of voters is below
      f x cost / budget are left out before counting (Świecie 2023: 1/3). Default: none.
    - `min_votes`: greedy only: projects with fewer points are not funded (Warszawa's threshold).
    - `step`: the add-one step in currency per voter.
    """

    completion: str = DEFAULT_COMPLETION
    utility: str = "cost"
    tie_breaking: str = DEFAULT_TIE_BREAKING
    seed: int = 0
    ordinal_scoring: str = "max-length"
    exclude_low_support: Fraction | None = None
    min_votes: int | None = None
    step: Fraction = Fraction(1)
    fund_unsupported: bool = True

    def check(self) -> None:
        for name, value, allowed in (("completion", self.completion, COMPLETIONS),
                                     ("utility", self.utility, UTILITIES),
                                     ("tie-breaking", self.tie_breaking, TIE_BREAKINGS),
                                     ("ordinal scoring", self.ordinal_scoring, ORDINAL_SCORINGS)):
            if value not in allowed:
                raise BudgetingError(f"{name} {value!r} is not one of {', '.join(allowed)}",
                                     code="budgeting.bad_option_value", option=name, value=str(value),
                                     allowed=", ".join(allowed))
        if self.step <= 0:
            raise BudgetingError("the add-one step must be positive", code="budgeting.bad_step")


@dataclass(frozen=True)
class Outcome:
    """The funded projects (in the order the rule chose them) and how they were chosen."""

    rule: str
    winners: tuple[str, ...]
    total_cost: Fraction
    budget: Fraction
    voters: int
    options: Options
    excluded: tuple[str, ...] = ()
    per_voter: Fraction | None = None  # Equal Shares: the share per voter that was used
    steps: int = 0  # Equal Shares add-one: how many times the share was raised
    seconds: float = 0.0
    explanations: dict[str, dict[str, Any]] | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; money as numbers (exact decimals where they exist)."""
        opts = {k: (_num(v) if isinstance(v, Fraction) else v) for k, v in asdict(self.options).items()}
        out: dict[str, Any] = {
            "rule": self.rule,
            "winners": sorted(self.winners, key=_id_key),
            "order": list(self.winners),
            "total_cost": _num(self.total_cost),
            "budget": _num(self.budget),
            "voters": self.voters,
            "options": opts,
            "excluded": list(self.excluded),
            "seconds": round(self.seconds, 4),
        }
        if self.per_voter is not None:
            out["per_voter"] = _num(self.per_voter)
            out["steps"] = self.steps
        if self.explanations is not None:
            out["explanations"] = self.explanations
        return out


def _num(x: Fraction) -> int | float:
    text = format_number(x)
    return int(text) if "." not in text else float(text)


def _id_key(pid: str) -> tuple[int, int | str]:
    return (0, int(pid)) if pid.isdecimal() else (1, pid)


def count(election: Election, rule: str = "mes", *, options: Options | None = None,
          explain: bool = False, **kwargs: Any) -> Outcome:
    """Count `election` with `rule` ("greedy", "greedy-cost", "mes", "phragmen",
    "utilitarian"). Options are given as an `Options` or as keyword arguments."""
    if options is None:
        given: dict[str, Any] = {k: (Fraction(v) if k in ("exclude_low_support", "step") and v is not None
                                     else v) for k, v in kwargs.items()}
        unknown = sorted(set(given) - set(Options.__dataclass_fields__))
        if unknown:
            raise BudgetingError(f"unknown option {unknown[0]!r}; options are "
                                 f"{', '.join(Options.__dataclass_fields__)}", code="budgeting.unknown_option",
                                 option=unknown[0], allowed=", ".join(Options.__dataclass_fields__))
        options = Options(**given)
    elif kwargs:
        raise BudgetingError("give options either as Options or as keywords, not both",
                             code="budgeting.options_twice")
    options.check()
    if rule not in RULES:
        raise BudgetingError(f"rule {rule!r} is not one of {', '.join(RULES)}", code="budgeting.unknown_rule",
                             value=str(rule), allowed=", ".join(RULES))
    started = time.perf_counter()
    profile = build_profile(election, ordinal_scoring=options.ordinal_scoring)
    excluded: set[int] = set()
    if options.exclude_low_support is not None:
        excluded = low_support(profile, options.exclude_low_support)
        profile.excluded = frozenset(excluded)
    rank = tie_order(profile, options.tie_breaking, options.seed)
    per_voter = None
    steps = 0
    explanations = None
    currency = election.meta.get("currency", "")
    if rule in ("greedy", "greedy-cost"):
        sel = greedy(profile, rank, per_cost=rule == "greedy-cost", min_score=options.min_votes,
                     fund_unsupported=options.fund_unsupported)
        if explain:
            explanations = explain_greedy(profile, rank, sel, rule == "greedy-cost", options.min_votes,
                                          currency)
    elif rule == "mes":
        util = utilities(profile, options.utility)
        run, sel, steps = mes_completed(profile, rank, util, completion=options.completion,
                                        step=options.step, explain=explain)
        per_voter = run.per_voter
        if explain:
            explanations = explain_mes(profile, run, sel, currency)
    elif rule == "phragmen":
        sel = phragmen(profile, rank)
        if explain:
            explanations = explain_other(profile, sel, "phragmen", currency)
    else:
        sel = utilitarian(profile, rank)
        if explain:
            explanations = explain_other(profile, sel, "utilitarian", currency)
    seconds = time.perf_counter() - started
    return Outcome(rule=rule, winners=tuple(profile.ids[j] for j in sel),
                   total_cost=Fraction(sum(profile.costs[j] for j in sel), profile.money_scale),
                   budget=election.budget, voters=profile.n_voters, options=options,
                   excluded=tuple(profile.ids[j] for j in sorted(excluded)), per_voter=per_voter,
                   steps=steps, seconds=seconds, explanations=explanations)


def make_election(*, budget: int | str | Fraction, projects: Mapping[str, int | str | Fraction],
                  ballots: Iterable[Sequence[str] | Mapping[str, int | str | Fraction]],
                  vote_type: str = "approval", meta: Mapping[str, str] | None = None,
                  names: Mapping[str, str] | None = None) -> Election:
    """Build a round from plain data: `projects` maps id -> cost; each ballot is a list of project
    ids (approval; a ranking for ordinal) or a mapping id -> points (cumulative, scoring)."""
    m = {"budget": format_number(Fraction(budget)), "vote_type": vote_type, **(meta or {})}
    projs = {str(p): Project(str(p), Fraction(c), (names or {}).get(str(p), "")) for p, c in projects.items()}
    bs: list[Ballot] = []
    for i, b in enumerate(ballots, start=1):
        if isinstance(b, Mapping):
            ids = tuple(str(p) for p in b)
            pts = tuple(Fraction(v) for v in b.values())
            bs.append(Ballot(str(i), ids, pts))
        else:
            bs.append(Ballot(str(i), tuple(str(p) for p in b)))
        for p in bs[-1].projects:
            if p not in projs:
                raise BudgetingError(f"ballot {i} names project {p!r}, which is not a project of the round",
                                     code="budgeting.ballot_project", ballot=i, project=str(p))
    cols = ["voter_id", "vote", "points"] if vote_type in ("cumulative", "scoring") else ["voter_id", "vote"]
    return Election(meta=m, projects=projs, ballots=bs, vote_columns=cols)


__all__ = ["RULES", "Options", "Outcome", "Profile", "count", "make_election"]
