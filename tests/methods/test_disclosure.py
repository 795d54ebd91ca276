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
