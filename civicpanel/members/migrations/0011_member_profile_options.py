"""On PostgreSQL: each member's chosen profile options as one sorted bigint[] on the member row,
with a GIN index, written by the database alone from `members_memberanswer` (members.profile_index).

Statement triggers (one run per INSERT, UPDATE, DELETE, COPY or TRUNCATE, however many rows)
recompute the array of every member whose answers the statement touched, from the answers
themselves, so it cannot drift by increments. The members are locked first (in id order:
two writers never deadlock) and their answers read afterwards, in a fresh snapshot: a writer
that waited for another's commit sees the other's answers, so the last to commit writes the
whole truth. ENABLE ALWAYS: the triggers fire under `session_replication_role = replica` too.
The existing members are filled here. SQLite: nothing (the filter uses joins there).
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE members_member ADD COLUMN profile_options bigint[] NOT NULL DEFAULT '{}'",
    """
    CREATE FUNCTION members_profile_options_refresh(member_ids bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM members_member WHERE id = ANY (member_ids) ORDER BY id FOR NO KEY UPDATE;
        UPDATE members_member AS m SET profile_options = fresh.options
        FROM (
            SELECT changed.id, coalesce((SELECT array_agg(a.option_id ORDER BY a.option_id)
                                         FROM members_memberanswer AS a WHERE a.member_id = changed.id),
                                        '{}') AS options
            FROM unnest(member_ids) AS changed (id)
        ) AS fresh
        WHERE m.id = fresh.id AND m.profile_options IS DISTINCT FROM fresh.options;
    END $$
    """,
    """
    CREATE FUNCTION members_profile_options_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM members_profile_options_refresh(ARRAY(SELECT DISTINCT member_id FROM new_answers));
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM members_profile_options_refresh(ARRAY(SELECT DISTINCT member_id FROM old_answers));
        ELSE
            PERFORM members_profile_options_refresh(ARRAY(
                SELECT member_id FROM old_answers UNION SELECT member_id FROM new_answers));
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION members_profile_options_truncated() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE members_member SET profile_options = '{}' WHERE profile_options <> '{}';
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER members_profile_options_insert AFTER INSERT ON members_memberanswer
        REFERENCING NEW TABLE AS new_answers
        FOR EACH STATEMENT EXECUTE FUNCTION members_profile_options_changed()
    """,
    """
    CREATE TRIGGER members_profile_options_update AFTER UPDATE ON members_memberanswer
        REFERENCING OLD TABLE AS old_answers NEW TABLE AS new_answers
        FOR EACH STATEMENT EXECUTE FUNCTION members_profile_options_changed()
    """,
    """
    CREATE TRIGGER members_profile_options_delete AFTER DELETE ON members_memberanswer
        REFERENCING OLD TABLE AS old_answers
        FOR EACH STATEMENT EXECUTE FUNCTION members_profile_options_changed()
    """,
    """
    CREATE TRIGGER members_profile_options_truncate AFTER TRUNCATE ON members_memberanswer
        FOR EACH STATEMENT EXECUTE FUNCTION members_profile_options_truncated()
    """,
    "ALTER TABLE members_memberanswer ENABLE ALWAYS TRIGGER members_profile_options_insert",
    "ALTER TABLE members_memberanswer ENABLE ALWAYS TRIGGER members_profile_options_update",
    "ALTER TABLE members_memberanswer ENABLE ALWAYS TRIGGER members_profile_options_delete",
    "ALTER TABLE members_memberanswer ENABLE ALWAYS TRIGGER members_profile_options_truncate",
    # The members who answered already.
    """
    UPDATE members_member AS m SET profile_options = a.options
    FROM (SELECT member_id, array_agg(option_id ORDER BY option_id) AS options
          FROM members_memberanswer GROUP BY member_id) AS a
    WHERE a.member_id = m.id
    """,
    # Built-in array_ops: the ids are bigint, which intarray's operator classes do not take.
    "CREATE INDEX members_member_profile_options ON members_member USING gin (profile_options)",
    # Statistics of the new column (its most common options) for the planner's estimates.
    "ANALYZE members_member",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS members_profile_options_insert ON members_memberanswer",
    "DROP TRIGGER IF EXISTS members_profile_options_update ON members_memberanswer",
    "DROP TRIGGER IF EXISTS members_profile_options_delete ON members_memberanswer",
    "DROP TRIGGER IF EXISTS members_profile_options_truncate ON members_memberanswer",
    "DROP FUNCTION IF EXISTS members_profile_options_changed()",
    "DROP FUNCTION IF EXISTS members_profile_options_truncated()",
    "DROP FUNCTION IF EXISTS members_profile_options_refresh(bigint[])",
    "ALTER TABLE members_member DROP COLUMN IF EXISTS profile_options",
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
    dependencies = [("members", "0010_member_postal_address_phone")]
    operations = [migrations.RunPython(forwards, backwards)]
