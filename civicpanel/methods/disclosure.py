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

__all__ = ["LineSuppression", "LinkedSuppression", "TableSuppression", "suppress_line", "suppress_linked", "suppress_table"]


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


# --- Linked tables: a line and its breakdowns published together ---------------------------------

@dataclass(frozen=True)
class LinkedSuppression:
    """Which figures of a published line and of its breakdown tables to hide.

    `line` masks the line's entries (one per answer); `tables[t]` masks table t's entries
    (answers x groups). `withdrawn[t]` is True when table t could not be protected by hiding
    single entries and is not to be published at all (every entry hidden).
    """

    line: np.ndarray
    tables: list[np.ndarray]
    withdrawn: list[bool]


class _LinkedSystem:
    """The equations a reader can write about one question's published figures.

    Unknowns: the line's counts L[k] and each table's counts X_t[k, g]. Known constants (as a
    reader who knows the group sizes and the number who answered would have them): n and the
    group sizes m_t[g]. Equations: sum_k L[k] = n; for every table t and answer k,
    sum_g X_t[k, g] = L[k]; for every table t and group g, sum_k X_t[k, g] = m_t[g].
    A hidden figure is revealed exactly when its unit vector lies in the row space of these
    equations restricted to the hidden figures (the published ones moved to the right side).
    """

    def __init__(self, n_answers: int, group_counts: list[int]):
        self.k = n_answers
        self.offsets = [n_answers]
        for groups in group_counts:
            self.offsets.append(self.offsets[-1] + n_answers * groups)
        self.size = self.offsets[-1]
        rows = [np.r_[np.ones(n_answers), np.zeros(self.size - n_answers)]]
        for t, groups in enumerate(group_counts):
            for answer in range(n_answers):
                row = np.zeros(self.size)
                row[answer] = -1
                row[[self.cell(t, answer, g) for g in range(groups)]] = 1
                rows.append(row)
            for g in range(groups):
                row = np.zeros(self.size)
                row[[self.cell(t, answer, g) for answer in range(n_answers)]] = 1
                rows.append(row)
        self.equations = np.array(rows)

    def cell(self, table: int, answer: int, group: int) -> int:
        groups = (self.offsets[table + 1] - self.offsets[table]) // self.k
        return self.offsets[table] + answer * groups + group

    def determined(self, hidden: np.ndarray) -> list[int]:
        """The hidden unknowns a reader can solve (floating point: used for the search)."""
        columns = np.flatnonzero(hidden)
        if not len(columns):
            return []
        a = self.equations[:, columns]
        rank = np.linalg.matrix_rank(a) if a.size else 0
        if rank == 0:
            return []
        _u, _s, vt = np.linalg.svd(a)
        null = vt[rank:].T  # basis of the hidden values the published ones leave free
        if null.size == 0:
            return [int(c) for c in columns]
        free = np.linalg.norm(null, axis=1) > 1e-9
        return [int(c) for c, f in zip(columns, free, strict=True) if not f]

    def determined_exactly(self, hidden: np.ndarray) -> list[int]:
        """The same in exact rational arithmetic (the proof that what is published is safe)."""
        from fractions import Fraction

        columns = [int(c) for c in np.flatnonzero(hidden)]
        matrix = [[Fraction(int(self.equations[r, c])) for c in columns] for r in range(len(self.equations))]
        pivots: list[int] = []
        row = 0
        for col in range(len(columns)):
            pivot = next((r for r in range(row, len(matrix)) if matrix[r][col] != 0), None)
            if pivot is None:
                continue
            matrix[row], matrix[pivot] = matrix[pivot], matrix[row]
            lead = matrix[row][col]
            matrix[row] = [value / lead for value in matrix[row]]
            for r in range(len(matrix)):
                if r != row and matrix[r][col] != 0:
                    factor = matrix[r][col]
                    matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[row], strict=True)]
            pivots.append(col)
            row += 1
        # In reduced row echelon form, unknown j is solvable iff its pivot row has no other entry.
        solved = []
        for r, col in enumerate(pivots):
            if all(value == 0 for j, value in enumerate(matrix[r]) if j != col):
                solved.append(columns[col])
        return solved


def _position(system: _LinkedSystem, index: int) -> tuple[int | None, int, int | None]:
    """(table or None for the line, answer, group or None) of an unknown."""
    if index < system.k:
        return None, index, None
    t = next(t for t in range(len(system.offsets) - 1) if system.offsets[t] <= index < system.offsets[t + 1])
    groups = (system.offsets[t + 1] - system.offsets[t]) // system.k
    answer, group = divmod(index - system.offsets[t], groups)
    return t, answer, group


def _beside(system: _LinkedSystem, target: int, other: int) -> bool:
    """Whether two unknowns share an equation: the same answer, or the same table's group."""
    t1, a1, g1 = _position(system, target)
    t2, a2, g2 = _position(system, other)
    if t2 is None:
        return a1 == a2
    return a1 == a2 or (t1 == t2 and g1 == g2)


def suppress_linked(line: np.ndarray, tables: list[np.ndarray], *, line_hidden: np.ndarray | None = None,
                    always_hidden: list[np.ndarray] | None = None, min_count: int = MIN_COUNT) -> LinkedSuppression:
    """Suppress a line of counts (per answer) and breakdown tables of it (answers x groups, each
    table's columns adding up to the line) that are published together.

    Primary: every table entry with 0 < count < min_count, every entry of a group with fewer
    than min_count people, the entries `always_hidden` marks (e.g. the group of people in no
    category, never published), and the line entries `line_hidden` marks (the line's own
    suppression). Secondary: further entries, table entries before line entries and small
    before large, until no hidden entry can be worked out from the published ones, the group
    sizes and the total, by any sum or difference across the line and all the tables (checked
    in exact arithmetic): first a single entry that frees the solvable one, else the cheapest
    entry beside it (same answer or same group), until none is solvable. A table that runs out
    of entries to hide is withdrawn whole, which adds nothing a reader could use.
    """
    line = _check_counts(line, 1)
    tables = [_check_counts(table, 2) for table in tables]
    for table in tables:
        if table.shape[0] != len(line) or not np.array_equal(table.sum(axis=1), line):
            raise DisclosureError("each table's rows must add up to the line", code="disclosure.linked")
    line_hidden = np.zeros(len(line), dtype=bool) if line_hidden is None else np.asarray(line_hidden, dtype=bool)
    # An answer nobody chose (shown as 0 %) and a group nobody is in are zeros a reader knows
    # already: they leave the equations (and are shown as 0 where shown at all).
    rows = np.flatnonzero((line > 0) | line_hidden)
    if not len(rows):
        return LinkedSuppression(line=line_hidden.copy(), tables=[np.zeros(t.shape, dtype=bool) for t in tables],
                                 withdrawn=[False] * len(tables))
    columns = [np.flatnonzero(table.sum(axis=0) > 0) for table in tables]
    result = _suppress_linked(line[rows], [table[np.ix_(rows, cols)] for table, cols in zip(tables, columns, strict=True)],
                              line_hidden[rows],
                              [mask[np.ix_(rows, cols)] for mask, cols in zip(always_hidden, columns, strict=True)]
                              if always_hidden is not None else None, min_count)
    line_mask = np.zeros(len(line), dtype=bool)
    line_mask[rows] = result.line
    masks = []
    for table, cols, mask, withdrawn in zip(tables, columns, result.tables, result.withdrawn, strict=True):
        full = np.full(table.shape, withdrawn, dtype=bool)
        full[np.ix_(rows, cols)] = mask
        masks.append(full)
    return LinkedSuppression(line=line_mask, tables=masks, withdrawn=result.withdrawn)


def _suppress_linked(line: np.ndarray, tables: list[np.ndarray], line_hidden: np.ndarray,
                     always_hidden: list[np.ndarray] | None, min_count: int) -> LinkedSuppression:
    system = _LinkedSystem(len(line), [table.shape[1] for table in tables])
    counts = np.concatenate([line, *[table.ravel() for table in tables]]).astype(float)
    hidden = np.zeros(system.size, dtype=bool)
    hidden[:len(line)] = line_hidden
    withdrawn = [False] * len(tables)
    for t, table in enumerate(tables):
        block = (table > 0) & (table < min_count)
        block |= (table.sum(axis=0) < min_count)[None, :]
        if always_hidden is not None:
            block |= always_hidden[t]
        hidden[system.offsets[t]:system.offsets[t + 1]] = block.ravel()

    def table_of(index: int) -> int | None:
        return next((t for t in range(len(tables)) if system.offsets[t] <= index < system.offsets[t + 1]), None)

    def withdraw(t: int) -> None:
        withdrawn[t] = True
        hidden[system.offsets[t]:system.offsets[t + 1]] = True

    # Cheapest first: table entries before line entries, then by how many people they rest on.
    cost = counts + np.r_[np.full(len(line), 1e9), np.zeros(system.size - len(line))]
    while True:
        solved = system.determined(hidden)
        if not solved:
            break
        target = solved[0]
        # A hidden zero protects little (a sum of hidden entries that must be >= 0 can pin them),
        # so zeros are never chosen to protect another entry.
        candidates = sorted((i for i in range(system.size) if not hidden[i] and counts[i] > 0),
                            key=lambda i: (cost[i], i))
        chosen = None
        for candidate in candidates:
            hidden[candidate] = True
            still = target in system.determined(hidden)
            hidden[candidate] = False
            if not still:
                chosen = candidate
                break
        if chosen is None:
            # No single entry does it: hide the cheapest entry beside the target (its answer's
            # row, or its group's column) and look again; a rectangle closes in a few steps.
            beside = [i for i in candidates if _beside(system, target, i)]
            chosen = beside[0] if beside else None
        if chosen is not None:
            hidden[chosen] = True
            continue
        t = table_of(target)
        if t is None:  # a line entry no table entry can cover: the tables go
            remaining = [t for t in range(len(tables)) if not withdrawn[t]]
            if not remaining:
                break
            for t in remaining:
                withdraw(t)
        else:
            withdraw(t)
    # The proof, exactly: should rounding have misled the search, nothing of the tables is shown.
    if system.determined_exactly(hidden):
        for t in range(len(tables)):
            withdraw(t)
    line_mask = hidden[:len(line)].copy()
    masks = [hidden[system.offsets[t]:system.offsets[t + 1]].reshape(table.shape).copy()
             for t, table in enumerate(tables)]
    return LinkedSuppression(line=line_mask, tables=masks, withdrawn=withdrawn)
