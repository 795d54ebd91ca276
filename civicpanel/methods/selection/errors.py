"""Exceptions a council staff member can act on. All are ValueErrors."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import MethodError


class SelectionError(MethodError):
    """Base class for everything the selection method refuses to do."""

    code = "selection.error"


class InputFileError(SelectionError):
    """A people or features file cannot be used as it is.

    `problems` lists every problem found, each naming the file and the line, so a
    sheet can be fixed in one pass instead of one error at a time.
    """

    code = "selection.input_file"

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems), problems=self.problems)


@dataclass(frozen=True)
class Relaxation:
    """One change to one quota that, with the others, makes the quotas feasible."""

    feature: str
    value: str
    bound: str  # "min" or "max"
    old: int
    new: int

    def __str__(self) -> str:
        return f"{self.feature} {self.value}: {self.bound} {self.old} -> {self.new}"


class InfeasibleQuotasError(SelectionError):
    """No panel of the requested size meets every quota.

    `problems` explains which quotas collide; `relaxation` is the smallest change to
    the quotas (fewest people of slack, lower minimums weighted as in the Sortition
    Foundation's tools) that makes them feasible, or None when no change within the
    min_flex/max_flex columns can.
    """

    def __init__(self, problems: list[str], relaxation: list[Relaxation] | None):
        self.problems = list(problems)
        self.relaxation = relaxation
        lines = ["The quotas cannot all be met:"]
        lines += [f"  - {p}" for p in self.problems]
        if relaxation is None:
            lines.append("No relaxation within the min_flex/max_flex columns makes them feasible.")
        elif relaxation:
            lines.append("Smallest change to the quotas that makes them feasible:")
            lines += [f"  - {r}" for r in relaxation]
        super().__init__("\n".join(lines), code="selection.infeasible_quotas", problems=self.problems,
                         relaxation=relaxation)
