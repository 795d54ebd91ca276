"""Who in an address extract gets a letter: the allocation over groups and the random draw.

The allocation (documented with an example in docs/recruitment.md):

- Addressees fall in cells: age band x gender x district (an unknown part is a cell of its own).
- Each profile group g (one age band, one gender, one district) gets a factor
  ``lack(g) x effort(g)``:
  ``lack(g)`` is the group's share of the residents over its share of the active panel, kept
  between 1 and MAX_LACK (a group the panel has enough of is not under-sampled below its share;
  a group with no member at all gets MAX_LACK);
  ``effort(g)`` is the conversion of all letters so far over the group's own conversion (both
  estimated as in `conversion_rates`), kept between 1/MAX_EFFORT and MAX_EFFORT: a group that
  answers letters less often gets more of them.
- A cell's weight is the product of its groups' factors over the average of that product across
  the addressees (1: an average chance), kept between MIN_WEIGHT and MAX_WEIGHT.
- Letters are shared out in proportion to (addressees in the cell x weight), never more than
  the cell holds (what is left over goes to the other cells, in the same proportions), rounded
  by largest remainder; then drawn at random without replacement within each cell from a
  stored seed, so the draw can be repeated.

The proportional sample is the same with every weight 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from civicpanel.methods.selection.draw import rng_for, sample_without_replacement

MAX_LACK = 3.0
MAX_EFFORT = 2.0
MIN_WEIGHT = 0.5
MAX_WEIGHT = 6.0
# Until a group has had this many letters, its own conversion counts for little: the estimate
# is pulled towards the conversion of all letters (see `conversion_rates`).
PRIOR_LETTERS = 50
# The conversion assumed before any letter has been sent: a planning figure, replaced by what
# the council's own letters show as soon as there are some.
DEFAULT_CONVERSION = 0.03

Cell = tuple[int | None, int | None, int | None]  # (age option, gender option, district option)
PREFIXES = ("age", "gender", "district")


@dataclass(frozen=True)
class Person:
    id: int
    cell: Cell


@dataclass
class Conversion:
    """Letters sent and sign-ups that became members, per group key and in all."""

    letters: dict[str, int]
    members: dict[str, int]
    total_letters: int
    total_members: int

    @property
    def overall(self) -> float:
        """The conversion of all letters, pulled towards DEFAULT_CONVERSION by PRIOR_LETTERS
        letters' worth of weight: never 0 (a first batch without sign-ups yet would otherwise
        make every plan infinite), and the council's own figure once it has sent many."""
        return (self.total_members + PRIOR_LETTERS * DEFAULT_CONVERSION) / (self.total_letters + PRIOR_LETTERS)


def conversion_rates(conversion: Conversion) -> dict[str, float]:
    """Each group's estimated conversion: (its members + PRIOR_LETTERS x overall) over
    (its letters + PRIOR_LETTERS), so that a group with few letters is not judged on luck."""
    overall = conversion.overall
    return {key: (conversion.members.get(key, 0) + PRIOR_LETTERS * overall) / (letters + PRIOR_LETTERS)
            for key, letters in conversion.letters.items()}


def group_keys(cell: Cell) -> list[str]:
    return [f"{prefix}:{option}" for prefix, option in zip(PREFIXES, cell, strict=True) if option]


def group_factor(key: str, *, lack: dict[str, float], rates: dict[str, float], overall: float) -> float:
    """lack x effort for one group (see the module doc)."""
    ratio = lack.get(key, 1.0)
    factor = min(MAX_LACK, max(1.0, ratio))
    rate = rates.get(key)
    if rate and overall:
        factor *= min(MAX_EFFORT, max(1 / MAX_EFFORT, overall / rate))
    return factor


def cell_weights(sizes: dict[Cell, int], *, lack: dict[str, float], rates: dict[str, float],
                 overall: float) -> dict[Cell, float]:
    raw = {}
    for cell in sizes:
        weight = 1.0
        for key in group_keys(cell):
            weight *= group_factor(key, lack=lack, rates=rates, overall=overall)
        raw[cell] = weight
    # Relative to the average addressee, so that a factor every addressee shares (all of the
    # extract are women, say) changes nothing, and the limits bound the over-sampling itself.
    total = sum(sizes.values())
    mean = sum(raw[c] * n for c, n in sizes.items()) / total if total else 1.0
    return {cell: min(MAX_WEIGHT, max(MIN_WEIGHT, weight / mean)) for cell, weight in raw.items()}


def allocate(sizes: dict[Cell, int], weights: dict[Cell, float], total: int) -> dict[Cell, int]:
    """Letters per cell: in proportion to size x weight, capped at the size, largest remainder."""
    total = min(total, sum(sizes.values()))
    fixed: dict[Cell, int] = {}
    open_cells = {cell for cell, size in sizes.items() if size > 0}
    remaining = total
    shares: dict[Cell, float] = {}
    while open_cells:
        mass = sum(sizes[c] * weights.get(c, 1.0) for c in open_cells)
        shares = {c: remaining * sizes[c] * weights.get(c, 1.0) / mass for c in open_cells}
        full = {c for c in open_cells if shares[c] >= sizes[c]}
        if not full:
            break
        for cell in full:  # a cell cannot give more letters than it has addressees
            fixed[cell] = sizes[cell]
            remaining -= sizes[cell]
            open_cells.discard(cell)
    result = dict(fixed)
    floors = {c: math.floor(shares[c]) for c in open_cells}
    result.update(floors)
    left = total - sum(result.values())
    # Largest remainder; ties broken by the cell's place in a fixed order, so a rerun agrees.
    order = sorted(open_cells, key=lambda c: (-(shares[c] - floors[c]), str(c)))
    for cell in order[:left]:
        result[cell] += 1
    return {cell: result.get(cell, 0) for cell in sizes}


def draw(people: Sequence[Person], per_cell: dict[Cell, int], *, seed: int) -> list[Person]:
    """A simple random sample of the allotted size within each cell (cells in a fixed order)."""
    rng = rng_for(seed)
    by_cell: dict[Cell, list[Person]] = {}
    for person in sorted(people, key=lambda p: p.id):
        by_cell.setdefault(person.cell, []).append(person)
    chosen: list[Person] = []
    for cell in sorted(by_cell, key=str):
        members = by_cell[cell]
        k = min(per_cell.get(cell, 0), len(members))
        if k:
            chosen.extend(members[i] for i in sorted(sample_without_replacement(rng, len(members), k)))
    return chosen


def draw_planned(people: Sequence[Person], plan: Sequence[tuple[str, int]], *, seed: int
                 ) -> tuple[list[tuple[Person, str]], dict[str, int]]:
    """The refresh plan's letters: for each group in the plan's order, a random draw of its number
    among the addressees of that group not drawn yet. Returns (person, group key) pairs and the
    number actually drawn per group (fewer when the extract runs out)."""
    rng = rng_for(seed)
    taken: set[int] = set()
    chosen: list[tuple[Person, str]] = []
    drawn: dict[str, int] = {}
    ordered = sorted(people, key=lambda p: p.id)
    for key, wanted in plan:
        pool = [p for p in ordered if p.id not in taken and key in group_keys(p.cell)]
        k = min(max(0, wanted), len(pool))
        picks = [pool[i] for i in sorted(sample_without_replacement(rng, len(pool), k))] if k else []
        for person in picks:
            taken.add(person.id)
            chosen.append((person, key))
        drawn[key] = len(picks)
    return chosen, drawn
