"""Whole columns of integers out of PostgreSQL as numpy arrays, for pages that look at every
member of a big panel at once (a sample's pool, an audience's composition).

PostgreSQL joins the rows into one text value (`string_agg`), sent as a single row, and numpy
parses it in C: no Python object per row or value, which for hundreds of thousands of rows is
most of the time a cursor's fetchall (or a COPY, which hands over one message per row) takes.
Other databases (SQLite in tests) read the queryset as usual.
"""

from __future__ import annotations

import numpy as np
from django.db import connections


def int_rows(queryset) -> np.ndarray:
    """A `values_list` queryset of integer columns as a (rows x columns) int64 array. No value
    may be NULL (filter them out, or Coalesce them)."""
    columns = len(queryset._fields) or 1
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return np.array(list(queryset), dtype=np.int64).reshape(-1, columns)
    sql, params = queryset.query.sql_with_params()
    names = ", ".join(f"c{i}" for i in range(columns))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT string_agg(concat_ws(' ', {names}), ' ') FROM ({sql}) AS rows ({names})",  # noqa: S608 - the queryset's own SQL
                       params)
        text = cursor.fetchone()[0]
    if not text:
        return np.zeros((0, columns), dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=" ").reshape(-1, columns)
