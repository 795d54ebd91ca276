"""Plain data for a participatory-budgeting round: projects, ballots and the round itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..errors import MethodError, Problem

VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")


class BudgetingError(MethodError):
    """A round or an option that cannot be counted, with a message saying what to change."""

    code = "budgeting.error"


class PabulibError(BudgetingError):
    """A .pb file that cannot be read; names the file and the line."""

    code = "budgeting.pabulib"

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 code: str = "budgeting.pabulib_error", **params: Any):
        self.path = path
        self.line = line
        self.reason = message
        where = path or "<text>"
        if line is not None:
            where = f"{where}, line {line}"
        # The error's code says "a .pb file"; its `problem` names the line's own problem.
        super().__init__(f"{where}: {message}", code=("budgeting.pabulib" if path else "budgeting.pabulib_text") if line is not None
                         else "budgeting.pabulib_file",
                         file=path or "", line=line if line is not None else "",
                         problem=Problem(message, code=code, **params))


@dataclass(frozen=True)
class Project:
    """A project that can be funded. `extra` keeps the other PROJECTS columns (name, category, ...)."""

    id: str
    cost: Fraction
    name: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Ballot:
    """One voter's ballot. `projects` in the order the voter gave them (the ranking for ordinal
    ballots); `points` is parallel to `projects` for cumulative and scoring ballots. An empty
    ballot is still a voter: it gets a share of the budget under Equal Shares."""

    voter_id: str
    projects: tuple[str, ...]
    points: tuple[Fraction, ...] | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass
class Election:
    """One round with one budget (one Pabulib file). `meta` keeps every META key in order."""

    meta: dict[str, str]
    projects: dict[str, Project]
    ballots: list[Ballot]
    project_columns: list[str] = field(default_factory=lambda: ["project_id", "cost", "name"])
    vote_columns: list[str] = field(default_factory=lambda: ["voter_id", "vote"])

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    @property
    def budget(self) -> Fraction:
        return parse_number(self.meta["budget"])

    @property
    def label(self) -> str:
        parts = [self.meta.get(k, "") for k in ("country", "unit", "instance", "subunit")]
        return " ".join(p for p in parts if p) or "round"

    def vote_counts(self) -> dict[str, int]:
        """Number of ballots naming each project."""
        counts = dict.fromkeys(self.projects, 0)
        for b in self.ballots:
            for p in b.projects:
                counts[p] += 1
        return counts


def parse_number(text: str) -> Fraction:
    """A decimal number as written in Pabulib files ("12000", "3009585.74", "4000.0", "1,5")."""
    s = text.strip().replace(",", ".")
    if not s:
        raise ValueError("empty number")
    return Fraction(s)


def format_number(x: Fraction) -> str:
    """The shortest exact decimal for a Fraction with a finite decimal expansion."""
    if x.denominator == 1:
        return str(x.numerator)
    d = x.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return str(float(x))
    digits = max(twos, fives)
    scaled = x * 10**digits
    sign = "-" if scaled < 0 else ""
    n = abs(scaled.numerator)
    whole, frac_part = divmod(n, 10**digits)
    return f"{sign}{whole}.{str(frac_part).rjust(digits, '0').rstrip('0')}"
