"""Whole columns of integers out of PostgreSQL as numpy arrays, for pages that look at every
member of a big panel at once (a sample's pool, an audience's composition).

PostgreSQL packs the rows into one binary value (`string_agg` of each value's 8-byte big-endian
form, `int8send`), sent as a single row, and numpy reads it as it is: no Python object per row or
value, which for hundreds of thousands of rows is most of the time a cursor's fetchall (or a
COPY, which hands over one message per row) takes, and no number printed as text and parsed
again (measured on 3.9 million answers: 3.2 s against 5.2 s with text).
Other databases (SQLite in tests) read the queryset as usual.
"""

from __future__ import annotations

import numpy as np
from django.db import connections


def int_rows(queryset) -> np.ndarray:
    """A `values_list` queryset of integer columns as a (rows x columns) int64
    array. No value may be NULL (filter them out, or Coalesce them)."""
    columns = len(queryset._fields) or 1
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return np.array(list(queryset), dtype=np.int64).reshape(-1, columns)
    sql, params = queryset.query.sql_with_params()
    names = [f"c{i}" for i in range(columns)]
    packed = " || ".join(f"int8send({name}::int8)" for name in names)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT string_agg({packed}, ''::bytea) FROM ({sql}) AS rows ({', '.join(names)})",  # noqa: S608 - the queryset's own SQL
                       params)
        data = cursor.fetchone()[0]
    if not data:
        return np.zeros((0, columns), dtype=np.int64)
    return np.frombuffer(bytes(data), dtype=">i8").astype(np.int64).reshape(-1, columns)
