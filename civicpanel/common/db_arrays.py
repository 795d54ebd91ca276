"""Whole columns of numbers out of PostgreSQL as numpy arrays, for pages that look at every
member of a big panel at once (a sample's pool, an audience's composition).

PostgreSQL packs the rows into one binary value (`string_agg` of each value's 8-byte big-endian
form, `int8send`), sent as a single row, and numpy reads it as it is: no Python object per row or
value, which for hundreds of thousands of rows is most of the time a cursor's fetchall (or a
COPY, which hands over one message per row) takes, and no number printed as text and parsed
again (measured on 3.9 million answers: 3.2 s against 5.2 s with text).
Other databases (SQLite in tests) read the queryset as usual.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
from django.db import connections


@contextmanager
def _without_jit(cursor):
    """No JIT compilation for these reads: they are plain scans, but their subqueries (per-row
    conditions) push the estimated cost over jit_above_cost, and compiling took longer than the
    scan (0.8 s of 2.2 s for a million members' audience)."""
    cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', false)")
    jit = cursor.fetchone()[0]
    try:
        yield
    finally:
        cursor.execute("SELECT set_config('jit', %s, false)", [jit])


def _packed_rows(queryset, *, kind: str) -> np.ndarray:
    """A `values_list` queryset's rows as one array; `kind` "int8" or "float8" is both the
    column's cast and its 8-byte big-endian wire form (`int8send`, `float8send`)."""
    dtype, wire = (np.int64, ">i8") if kind == "int8" else (np.float64, ">f8")
    columns = len(queryset._fields) or 1
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return np.array(list(queryset), dtype=dtype).reshape(-1, columns)
    sql, params = queryset.query.sql_with_params()
    names = [f"c{i}" for i in range(columns)]
    packed = " || ".join(f"{kind}send({name}::{kind})" for name in names)
    with connection.cursor() as cursor, _without_jit(cursor):
        cursor.execute(f"SELECT string_agg({packed}, ''::bytea) FROM ({sql}) AS rows ({', '.join(names)})",  # noqa: S608 - the queryset's own SQL
                       params)
        data = cursor.fetchone()[0]
    if not data:
        return np.zeros((0, columns), dtype=dtype)
    return np.frombuffer(bytes(data), dtype=wire).astype(dtype).reshape(-1, columns)


def int_rows(queryset) -> np.ndarray:
    """A `values_list` queryset of integer columns as a (rows x columns) int64
    array. No value may be NULL (filter them out, or Coalesce them)."""
    return _packed_rows(queryset, kind="int8")


def ids_by_group(queryset, *, groups: int) -> tuple[np.ndarray, list[int]]:
    """A `values_list(id, group)` queryset of integers, groups numbered 0 to `groups` - 1: the
    ids in group 0 as an array, and the number of rows in each group. Only group 0's ids
    travel (an audience: its members, and how many are left out for each reason), and no
    GROUP BY: measured on a million members, half the time of reading both columns."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        rows = int_rows(queryset)
        return rows[rows[:, 1] == 0, 0], np.bincount(rows[:, 1], minlength=groups).tolist()
    if queryset.query.low_mark or queryset.query.high_mark is not None:
        raise ValueError("ids_by_group reads a whole queryset, not a slice")
    sql, params = queryset.query.sql_with_params()
    counts = ", ".join(f"count(*) FILTER (WHERE g = {n})" for n in range(groups))
    with connection.cursor() as cursor, _without_jit(cursor):
        # OFFSET 0 keeps the query a subquery of its own, so that its group (a CASE over
        # subqueries) is worked out once per row, not once per count.
        cursor.execute(f"SELECT string_agg(int8send(i::int8), ''::bytea) FILTER (WHERE g = 0), {counts} "  # noqa: S608 - the queryset's own SQL
                       f"FROM ({sql} OFFSET 0) AS rows (i, g)", params)
        data, *found = cursor.fetchone()
    return np.frombuffer(bytes(data or b""), dtype=">i8").astype(np.int64), [int(n) for n in found]


def number_rows(queryset) -> np.ndarray:
    """A `values_list` queryset of number columns as a (rows x columns) float64 array (which holds
    integers exactly up to 2**53, ids included), packed as int_rows packs integers (`float8send`).
    No value may be NULL."""
    return _packed_rows(queryset, kind="float8")
