"""On PostgreSQL: the members per council and status as signed changes kept by triggers on
`members_member` (members.status_counts), filled here with the members there are.

Inserts and deletes: one statement trigger each (a COPY of a million members adds one row per
council and status). Updates: a row trigger that fires only when the status or council
changes (statement triggers with transition tables would collect every updated row of every
UPDATE, however unrelated). ENABLE ALWAYS: they fire under `session_replication_role = replica`
too. SQLite: nothing (the counts are an aggregate there).
"""

from django.db import migrations

FORWARD = [
    """
    CREATE TABLE members_statuscount (
        council_id bigint NOT NULL,
        status varchar(20) NOT NULL,
        n bigint NOT NULL
    )
    """,
    "CREATE INDEX members_statuscount_council ON members_statuscount (council_id)",
    """
    CREATE FUNCTION members_status_count_statement() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO members_statuscount (council_id, status, n)
            SELECT council_id, status, count(*) FROM new_members GROUP BY council_id, status;
        ELSE
            INSERT INTO members_statuscount (council_id, status, n)
            SELECT council_id, status, -count(*) FROM old_members GROUP BY council_id, status;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION members_status_count_row() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO members_statuscount (council_id, status, n)
        VALUES (OLD.council_id, OLD.status, -1), (NEW.council_id, NEW.status, 1);
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION members_status_count_truncated() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM members_statuscount;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER members_status_count_insert AFTER INSERT ON members_member
        REFERENCING NEW TABLE AS new_members
        FOR EACH STATEMENT EXECUTE FUNCTION members_status_count_statement()
    """,
    """
    CREATE TRIGGER members_status_count_delete AFTER DELETE ON members_member
        REFERENCING OLD TABLE AS old_members
        FOR EACH STATEMENT EXECUTE FUNCTION members_status_count_statement()
    """,
    """
    CREATE TRIGGER members_status_count_update AFTER UPDATE OF status, council_id ON members_member
        FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.council_id IS DISTINCT FROM NEW.council_id)
        EXECUTE FUNCTION members_status_count_row()
    """,
    """
    CREATE TRIGGER members_status_count_truncate AFTER TRUNCATE ON members_member
        FOR EACH STATEMENT EXECUTE FUNCTION members_status_count_truncated()
    """,
    # A council removed takes its counts with it (its members' deletion has just added their
    # leaving; a foreign key would stop Django's flush, which truncates the councils alone).
    """
    CREATE FUNCTION members_status_count_council_gone() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM members_statuscount WHERE council_id = OLD.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER members_status_count_council_gone AFTER DELETE ON tenancy_council
        FOR EACH ROW EXECUTE FUNCTION members_status_count_council_gone()
    """,
    "ALTER TABLE tenancy_council ENABLE ALWAYS TRIGGER members_status_count_council_gone",
    "ALTER TABLE members_member ENABLE ALWAYS TRIGGER members_status_count_insert",
    "ALTER TABLE members_member ENABLE ALWAYS TRIGGER members_status_count_delete",
    "ALTER TABLE members_member ENABLE ALWAYS TRIGGER members_status_count_update",
    "ALTER TABLE members_member ENABLE ALWAYS TRIGGER members_status_count_truncate",
    # The members there are (the triggers above are in place in this transaction, and hold
    # writers to the table until it commits).
    """
    INSERT INTO members_statuscount (council_id, status, n)
    SELECT council_id, status, count(*) FROM members_member GROUP BY council_id, status
    """,
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS members_status_count_insert ON members_member",
    "DROP TRIGGER IF EXISTS members_status_count_delete ON members_member",
    "DROP TRIGGER IF EXISTS members_status_count_update ON members_member",
    "DROP TRIGGER IF EXISTS members_status_count_truncate ON members_member",
    "DROP TRIGGER IF EXISTS members_status_count_council_gone ON tenancy_council",
    "DROP FUNCTION IF EXISTS members_status_count_council_gone()",
    "DROP FUNCTION IF EXISTS members_status_count_statement()",
    "DROP FUNCTION IF EXISTS members_status_count_row()",
    "DROP FUNCTION IF EXISTS members_status_count_truncated()",
    "DROP TABLE IF EXISTS members_statuscount",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("members", "0011_member_profile_options"), ("tenancy", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
