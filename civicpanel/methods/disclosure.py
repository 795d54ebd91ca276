"""Disclosure control for published tables: primary and secondary cell suppression.

Primary suppression hides every published figure resting on fewer than `min_count`
respondents (5 by default). Secondary suppression then hides further figures so that no
primary one can be worked out exactly from the totals published beside it.

A table with row totals, column totals and a grand total is a set of linear equations
(each row adds up to its total, each column to its total). Think of the suppressed
entries as edges of a graph between row nodes and column nodes (the totals row and the
totals column are nodes too). A suppressed entry can be solved exactly from the
published ones if and only if its edge lies on no cycle of that graph, i.e. it is a
bridge. So secondary suppression repeats: find a bridge, close a rectangle through it
with the cheapest entries still published (fewest respondents, totals last), until no
suppressed entry is a bridge.

A one-line table (shares that add up to 100 %, or group means tied to the overall
mean) is one equation: protected as soon as it has no suppressed entry or at least two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import MethodError

__all__ = ["LineSuppression", "TableSuppression", "suppress_line", "suppress_table"]


class DisclosureError(MethodError):
    """A table of respondent counts that suppression cannot work on."""

    code = "disclosure.error"


MIN_COUNT = 5

_MARGIN_PENALTY = 1e9
_GRAND_PENALTY = 1e15


@dataclass(frozen=True)
class TableSuppression:
    """Which entries of a two-way table to hide.

    Arrays follow the full table: rows 0..R-1 are the table's rows and row R its column
    totals; columns 0..C-1 the table's columns and column C its row totals; entry (R, C)
    is the grand total.
    """

    counts: np.ndarray
    primary: np.ndarray
    secondary: np.ndarray
    min_count: int

    @property
    def suppressed(self) -> np.ndarray:
        return self.primary | self.secondary

    def label(self, row: int, column: int) -> str | None:
        """'primary', 'secondary' or None for the entry at (row, column) of the full table."""
        if self.primary[row, column]:
            return "primary"
        if self.secondary[row, column]:
            return "secondary"
        return None


@dataclass(frozen=True)
class LineSuppression:
    """Which entries of a one-equation table to hide; the total is the last entry."""

    counts: np.ndarray
    primary: np.ndarray
    secondary: np.ndarray
    min_count: int

    @property
    def suppressed(self) -> np.ndarray:
        return self.primary | self.secondary

    def label(self, index: int) -> str | None:
        if self.primary[index]:
            return "primary"
        if self.secondary[index]:
            return "secondary"
        return None


def _check_counts(counts: np.ndarray, ndim: int) -> np.ndarray:
    arr = np.asarray(counts)
    if arr.ndim != ndim:
        raise DisclosureError(f"expected a {ndim}-dimensional table of respondent counts, got shape {arr.shape}",
                              code="disclosure.shape", dimensions=ndim)
    if arr.size and (not np.all(np.isfinite(arr)) or arr.min() < 0):
        raise DisclosureError("respondent counts must be finite and not negative", code="disclosure.counts")
    return arr.astype(np.int64)


def suppress_line(counts: np.ndarray, *, min_count: int = MIN_COUNT) -> LineSuppression:
    """Suppress entries of one line whose entries add up to a published total.

    `counts` are the respondents behind each entry; the total is appended as the last
    entry of the result. An entry below `min_count` is suppressed (primary); if that
    leaves exactly one suppressed entry, the smallest other entry is suppressed too
    (secondary), since one unknown in one equation could be solved.
    """
    cells = _check_counts(counts, 1)
    full = np.append(cells, cells.sum())
    primary = full < min_count
    secondary = np.zeros_like(primary)
    if primary[-1]:
        primary[:] = True
        return LineSuppression(full, primary, secondary, min_count)
    if primary.sum() == 1:
        candidates = [i for i in range(len(cells)) if not primary[i]]
        if candidates:
            pick = min(candidates, key=lambda i: (full[i], i))
            secondary[pick] = True
        else:  # a single entry that equals the total: hide the total as well
            secondary[-1] = True
    return LineSuppression(full, primary, secondary, min_count)


def _bridges(edges: set[tuple[int, int]], n_rows: int) -> list[tuple[int, int]]:
    """Suppressed entries that lie on no cycle (rows are nodes 0.., columns n_rows..)."""
    adjacency: dict[int, set[int]] = {}
    for r, c in edges:
        adjacency.setdefault(r, set()).add(n_rows + c)
        adjacency.setdefault(n_rows + c, set()).add(r)
    found = []
    for r, c in sorted(edges):
        start, goal = r, n_rows + c
        seen = {start}
        stack = [start]
        reached = False
        while stack and not reached:
            node = stack.pop()
            for other in adjacency[node]:
                if node == start and other == goal:
                    continue  # the edge itself
                if other == goal:
                    reached = True
                    break
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        if not reached:
            found.append((r, c))
    return found


def suppress_table(counts: np.ndarray, *, min_count: int = MIN_COUNT) -> TableSuppression:
    """Suppress a two-way table of respondent counts published with all its totals.

    Returns masks over the full (R+1) x (C+1) table (see `TableSuppression`). Every
    entry, totals included, below `min_count` is primary; secondary suppressions are
    added until no suppressed entry can be solved from the published ones.
    """
    cells = _check_counts(counts, 2)
    n_rows, n_cols = cells.shape
    full = np.zeros((n_rows + 1, n_cols + 1), dtype=np.int64)
    full[:n_rows, :n_cols] = cells
    full[:n_rows, n_cols] = cells.sum(axis=1)
    full[n_rows, :n_cols] = cells.sum(axis=0)
    full[n_rows, n_cols] = cells.sum()
    primary = full < min_count
    secondary = np.zeros_like(primary)
    if primary[n_rows, n_cols]:
        primary[:] = True
        return TableSuppression(full, primary, secondary, min_count)

    cost = full.astype(float)
    cost[n_rows, :] += _MARGIN_PENALTY
    cost[:, n_cols] += _MARGIN_PENALTY
    cost[n_rows, n_cols] += _GRAND_PENALTY

    suppressed = {(int(r), int(c)) for r, c in zip(*np.nonzero(primary), strict=True)}
    total_rows, total_cols = n_rows + 1, n_cols + 1
    while True:
        bridges = _bridges(suppressed, total_rows)
        if not bridges:
            break
        r, c = bridges[0]
        best: tuple[float, int, int] | None = None
        for r2 in range(total_rows):
            if r2 == r:
                continue
            for c2 in range(total_cols):
                if c2 == c:
                    continue
                extra = sum(cost[i, j] for i, j in ((r, c2), (r2, c), (r2, c2))
                            if (i, j) not in suppressed)
                if best is None or extra < best[0]:
                    best = (extra, r2, c2)
        if best is None:  # a 1 x 1 table: nothing can hide the entry but its totals
            secondary[:] = ~primary
            break
        _, r2, c2 = best
        for i, j in ((r, c2), (r2, c), (r2, c2)):
            if (i, j) not in suppressed:
                suppressed.add((i, j))
                secondary[i, j] = True
    return TableSuppression(full, primary, secondary, min_count)
