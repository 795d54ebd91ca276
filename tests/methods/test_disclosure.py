"""Suppression: every small cell hidden, and none recoverable from the published totals."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from civicpanel.methods.disclosure import suppress_line, suppress_table


def _recoverable(full: np.ndarray, suppressed: np.ndarray) -> list[tuple[int, int]]:
    """Suppressed entries whose value follows from the published ones (linear algebra).

    The full table (last row and column are totals) obeys: each row's cells add up to its
    total, each column's to its total. An unknown entry is determined exactly when its
    unit vector lies in the row space of the equations restricted to the unknowns.
    """
    R, C = full.shape
    unknown = [(r, c) for r in range(R) for c in range(C) if suppressed[r, c]]
    if not unknown:
        return []
    col = {rc: i for i, rc in enumerate(unknown)}
    eqs = []
    for r in range(R):
        row = np.zeros(len(unknown))
        for c in range(C):
            if (r, c) in col:
                row[col[(r, c)]] = -1.0 if c == C - 1 else 1.0
        eqs.append(row)
    for c in range(C):
        row = np.zeros(len(unknown))
        for r in range(R):
            if (r, c) in col:
                row[col[(r, c)]] = -1.0 if r == R - 1 else 1.0
        eqs.append(row)
    A = np.array(eqs)
    rank = np.linalg.matrix_rank(A)
    found = []
    for rc, i in col.items():
        e = np.zeros(len(unknown))
        e[i] = 1.0
        if np.linalg.matrix_rank(np.vstack([A, e])) == rank:
            found.append(rc)
    return found


def test_a_table_without_small_cells_is_published_whole():
    s = suppress_table(np.array([[10, 20, 30], [40, 50, 60]]))
    assert not s.suppressed.any()


def test_a_single_small_cell_takes_a_rectangle_with_it():
    counts = np.array([[3, 20, 30], [40, 50, 60], [25, 35, 45]])
    s = suppress_table(counts)
    assert s.label(0, 0) == "primary"
    assert s.suppressed.sum() == 4  # the cheapest rectangle through the small cell
    assert s.secondary[0, 1] and s.secondary[2, 0] and s.secondary[2, 1]
    assert _recoverable(s.counts, s.suppressed) == []


def test_a_small_grand_total_hides_everything():
    s = suppress_table(np.array([[1, 1], [1, 0]]))
    assert s.suppressed.all()


@settings(max_examples=150, deadline=None)
@given(arrays(np.int64, st.tuples(st.integers(1, 5), st.integers(1, 5)),
              elements=st.integers(0, 40)),
       st.integers(1, 10))
def test_property_small_cells_suppressed_and_none_recoverable(counts, min_count):
    s = suppress_table(counts, min_count=min_count)
    # every figure resting on fewer than min_count respondents is hidden
    assert np.all(s.suppressed[s.counts < min_count])
    assert np.array_equal(s.primary, s.counts < min_count) or s.primary.all()
    # and no hidden figure can be worked out from the published ones
    assert _recoverable(s.counts, s.suppressed) == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=8), st.integers(1, 10))
def test_property_a_line_never_has_exactly_one_hidden_entry(counts, min_count):
    s = suppress_line(np.array(counts), min_count=min_count)
    assert np.all(s.suppressed[s.counts < min_count])
    hidden = int(s.suppressed.sum())
    assert hidden != 1
    if hidden == 0:
        assert np.all(s.counts >= min_count)


def test_line_hides_the_smallest_other_entry():
    s = suppress_line(np.array([50, 3, 20, 40]))
    assert s.label(1) == "primary"
    assert s.label(2) == "secondary"
    assert s.label(4) is None  # the total stays published


# --- A line and its breakdowns published together (suppress_linked) ----------------------------

def _reader_solves(line, tables, line_mask, table_masks) -> list[str]:
    """What a reader can work out exactly, written here independently of the module: every
    equation the published figures satisfy (the line adds up to n, each table's rows add up to
    the line, each group's column to its size), and for each hidden figure whether its unit
    vector lies in the row space of the equations over the hidden figures."""
    names = [("line", k) for k in range(len(line))]
    for t, table in enumerate(tables):
        names += [("table", t, k, g) for k in range(table.shape[0]) for g in range(table.shape[1])]
    index = {name: i for i, name in enumerate(names)}
    equations = [[1 if name[0] == "line" else 0 for name in names]]
    for t, table in enumerate(tables):
        for k in range(table.shape[0]):
            row = [0] * len(names)
            row[index[("line", k)]] = -1
            for g in range(table.shape[1]):
                row[index[("table", t, k, g)]] = 1
            equations.append(row)
        for g in range(table.shape[1]):
            row = [0] * len(names)
            for k in range(table.shape[0]):
                row[index[("table", t, k, g)]] = 1
            equations.append(row)
    hidden = [i for i, name in enumerate(names)
              if (line_mask[name[1]] if name[0] == "line" else table_masks[name[1]][name[2], name[3]])]
    if not hidden:
        return []
    a = np.array(equations, dtype=float)[:, hidden]
    rank = np.linalg.matrix_rank(a)
    solved = []
    for j, i in enumerate(hidden):
        unit = np.zeros(len(hidden))
        unit[j] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            solved.append(str(names[i]))
    return solved


def _line_rule(line: np.ndarray) -> np.ndarray:
    """The public line's own rule (publishing.results): zeros shown, the rest by suppress_line."""
    chosen = np.flatnonzero(line)
    mask = np.zeros(len(line), dtype=bool)
    mask[chosen] = suppress_line(line[chosen]).suppressed[:-1]
    return mask


def test_linked_hides_what_a_breakdown_would_reveal_by_subtraction():
    from civicpanel.methods.disclosure import suppress_linked

    # Walk 20, car 7, bike 3; by two districts. The line hides bike (3) and car (7).
    line = np.array([20, 7, 3])
    district = np.array([[12, 8], [4, 3], [2, 1]])
    result = suppress_linked(line, [district], line_hidden=_line_rule(line))
    assert result.line.tolist() == [False, True, True]
    # Every table entry under 5 is hidden, and nothing hidden can be worked out.
    assert result.tables[0][1:].all()
    assert _reader_solves(line, [district], result.line, result.tables) == []
    # Two breakdowns of the same answers: across the two tables, still nothing.
    age = np.array([[5, 9, 6], [2, 2, 3], [1, 1, 1]])
    both = suppress_linked(line, [district, age], line_hidden=_line_rule(line))
    assert _reader_solves(line, [district, age], both.line, both.tables) == []


def test_linked_groups_too_small_or_never_published_are_hidden_whole():
    from civicpanel.methods.disclosure import suppress_linked

    line = np.array([30, 25])
    # Group 3 has 4 people; the last column is people in no group (never published).
    table = np.array([[10, 12, 3, 5], [9, 10, 1, 5]])
    never = np.zeros_like(table, dtype=bool)
    never[:, 3] = True
    result = suppress_linked(line, [table], line_hidden=_line_rule(line), always_hidden=[never])
    assert result.tables[0][:, 2].all() and result.tables[0][:, 3].all()
    assert _reader_solves(line, [table], result.line, result.tables) == []
    assert not result.line.any()  # the line itself stays whole: other groups were hidden instead


def test_linked_suppression_is_proven_on_many_random_tables():
    """Whatever the counts, every primary figure is hidden and no hidden figure can be worked
    out from the published ones (checked by the independent reader above)."""
    from civicpanel.methods.disclosure import suppress_linked

    rng = np.random.default_rng(13)
    for _case in range(150):
        answers = int(rng.integers(2, 5))
        tables = [rng.integers(0, 12, size=(answers, int(rng.integers(2, 5)))) for _ in range(int(rng.integers(1, 3)))]
        # The tables split the same people: make every table's rows add up to the same line.
        line = tables[0].sum(axis=1)
        for t in range(1, len(tables)):
            diff = line - tables[t].sum(axis=1)
            tables[t][:, 0] += np.maximum(diff, 0)
            tables[0][:, 0] += np.maximum(-diff, 0)
            line = tables[0].sum(axis=1)
            for u in range(1, t + 1):
                gap = line - tables[u].sum(axis=1)
                tables[u][:, 0] += gap
        assert all(np.array_equal(t.sum(axis=1), line) for t in tables)
        if line.sum() < 5:
            continue
        result = suppress_linked(line, tables, line_hidden=_line_rule(line))
        assert _reader_solves(line, tables, result.line, result.tables) == [], (line, tables)
        assert result.line[_line_rule(line)].all()
        for table, mask in zip(tables, result.tables, strict=True):
            assert mask[(table > 0) & (table < 5)].all()
            sizes = table.sum(axis=0)
            assert mask[:, (sizes > 0) & (sizes < 5)].all()


def test_linked_closes_a_rectangle_when_no_single_figure_protects():
    """Bike 3 in one district and a published 0 in the other: car's small figure in that
    district sits alone in its column, and only hiding two more figures protects it. The table
    is kept (not withdrawn), with nothing solvable."""
    from civicpanel.methods.disclosure import suppress_linked

    line = np.array([20, 3, 7])
    table = np.array([[12, 8], [3, 0], [4, 3]])
    result = suppress_linked(line, [table], line_hidden=_line_rule(line))
    assert result.withdrawn == [False]
    assert _reader_solves(line, [table], result.line, result.tables) == []
