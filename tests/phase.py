"""Which run of the suite this is: `python3 dev.py test` runs it on SQLite, then the database
tests again on PostgreSQL (CIVICPANEL_DB_TESTS_ONLY=1, see conftest.py)."""

from __future__ import annotations

import os

ON_POSTGRES_RUN = os.environ.get("CIVICPANEL_DB_TESTS_ONLY") == "1"


def examples(count: int) -> int:
    """Hypothesis examples for a fuzz test that posts whole requests: all of them on SQLite, a
    quarter again on PostgreSQL, which is there for what only it refuses (a NUL in a text, a
    number out of its column's range), not to repeat the search."""
    return max(count // 4, 25) if ON_POSTGRES_RUN else count
