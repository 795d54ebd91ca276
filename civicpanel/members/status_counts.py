"""How many members of a council have each status, kept by the database (PostgreSQL), so that
the unfiltered member list does not count a whole panel (a million index entries) per view.

`members_statuscount` holds signed changes: every statement that adds, deletes or changes the
status or council of members adds rows (council, status, +n or -n), written by triggers on
`members_member` (migration `members.0012`); a status is the sum of its rows. Writers only
insert, so sign-ups never wait for each other on a counter row. `council_status_counts` folds
a council's rows into one per status when they have grown (under an advisory lock, one folder
at a time; writers inserting meanwhile are not touched, so the sums stay exact).

Not a model: the database alone writes it. On SQLite the counts are an aggregate.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count

from civicpanel.members.models import Member

# Past this many rows for a council, reading its counts folds them first.
FOLD_AFTER = 200
# The advisory lock's first key ("ms", members' status counts), the council the second.
LOCK_CLASS = 0x6D73


def council_status_counts(*, council) -> dict[str, int]:
    """{status: number of the council's members} for every status."""
    if connection.vendor != "postgresql":
        found = dict(Member.objects.filter(council=council).order_by().values_list("status")
                     .annotate(n=Count("id")))
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT status, sum(n), count(*) FROM members_statuscount WHERE council_id = %s "
                           "GROUP BY status", [council.pk])
            rows = cursor.fetchall()
        found = {status: int(n) for status, n, _ in rows}
        if sum(parts for *_, parts in rows) > FOLD_AFTER:
            _fold(council.pk)
    return {status: found.get(status, 0) for status in Member.Status.values}


def _fold(council_id: int) -> None:
    """Replace the council's rows by their sums (in one statement: rows inserted meanwhile by
    other transactions are not seen by the DELETE and stay as they are)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_CLASS, council_id])
        if not cursor.fetchone()[0]:
            return
        cursor.execute("""
            WITH folded AS (DELETE FROM members_statuscount WHERE council_id = %s RETURNING status, n)
            INSERT INTO members_statuscount (council_id, status, n)
            SELECT %s, status, sum(n) FROM folded GROUP BY status HAVING sum(n) <> 0
        """, [council_id, council_id])
