"""Append-only tables (the audit log, the consent log) and the one way rows leave them.

On PostgreSQL a trigger refuses every UPDATE and DELETE on these tables (audit migration
0002/0003, members migration 0005). Rows may leave in exactly two situations, both in code
that an operator or the lifecycle job runs and that records what it did:

- an operator removes a whole council after exporting its data (`civicpanel council_remove`);
- a sign-up that was never confirmed is deleted after 30 days (its consent was never
  confirmed by the owner of the address, so keeping it would keep a stranger's claim).

Those paths open `purge_permitted()`, which sets the transaction-local PostgreSQL setting
`civicpanel.purge` that the trigger accepts for DELETE only; UPDATE stays refused always.
Whoever can run SQL as the table owner can of course do the same (or drop the trigger): the
trigger keeps the application and its mistakes from rewriting history, it is not a defence
against the database's own administrator.
"""

from __future__ import annotations

from contextlib import contextmanager, suppress

from django.db import DatabaseError, connections, transaction

PURGE_SETTING = "civicpanel.purge"

# The trigger function of every append-only table (PostgreSQL), created by the migrations.
TRIGGER_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION civicpanel_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('civicpanel.purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% rows are append-only (%)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


@contextmanager
def purge_permitted(using: str = "default"):
    """Inside an atomic block: DELETEs on append-only tables are accepted until the block ends."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("purge_permitted() needs an open transaction.atomic()")
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [PURGE_SETTING])
    try:
        yield
    except BaseException:
        # After a database error the transaction is aborted (and will be rolled back, taking
        # the setting with it); after any other error, close the path at once.
        with suppress(DatabaseError, transaction.TransactionManagementError):
            _close(connection)
        raise
    _close(connection)


def _close(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'off', true)", [PURGE_SETTING])
