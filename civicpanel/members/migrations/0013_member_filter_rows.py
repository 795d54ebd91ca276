"""On PostgreSQL: `members_filterrow`, one narrow row per member with what the staff member list
filters, counts and orders on (council, status, district, birth year, campaign, joined, the
profile options array), kept by triggers on `members_member` (members.filter_rows), filled here.

The member rows are wide (encrypted name, e-mail, address and phone): counting the members a
filter matches per status read thousands of their pages; the same count on these rows reads a
fraction of the pages.

The rows copy the member row, so they follow it exactly: inserts and deletes by statement
triggers (a COPY of a million members is one INSERT here), updates by a row trigger that fires
only when a copied column changes, while the UPDATE holds the member row's lock, so concurrent
writers of one member write its copy in the order they wrote the member. The profile options
reach it the same way: the triggers of members.0011 write them to the member row. ENABLE ALWAYS:
they fire under `session_replication_role = replica` too. SQLite: a view of the member table
(the list reads the members there); the model is unmanaged.
"""

from django.db import migrations, models

COPIED = "council_id, status, district_id, birth_year, campaign_id, joined_at, profile_options"

FORWARD = [
    """
    CREATE TABLE members_filterrow (
        member_id bigint PRIMARY KEY,
        council_id bigint NOT NULL,
        status varchar(20) NOT NULL,
        district_id bigint,
        birth_year smallint,
        campaign_id bigint,
        joined_at timestamptz NOT NULL,
        profile_options bigint[] NOT NULL DEFAULT '{}'
    )
    """,
    f"""
    CREATE FUNCTION members_filter_rows_statement() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO members_filterrow (member_id, {COPIED})
            SELECT id, {COPIED} FROM new_members;
        ELSE
            DELETE FROM members_filterrow AS f USING old_members AS o WHERE f.member_id = o.id;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION members_filter_rows_row() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE members_filterrow SET member_id = NEW.id, council_id = NEW.council_id, status = NEW.status,
            district_id = NEW.district_id, birth_year = NEW.birth_year, campaign_id = NEW.campaign_id,
            joined_at = NEW.joined_at, profile_options = NEW.profile_options
        WHERE member_id = OLD.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION members_filter_rows_truncated() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM members_filterrow;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER members_filter_rows_insert AFTER INSERT ON members_member
        REFERENCING NEW TABLE AS new_members
        FOR EACH STATEMENT EXECUTE FUNCTION members_filter_rows_statement()
    """,
    """
    CREATE TRIGGER members_filter_rows_delete AFTER DELETE ON members_member
        REFERENCING OLD TABLE AS old_members
        FOR EACH STATEMENT EXECUTE FUNCTION members_filter_rows_statement()
    """,
    f"""
    CREATE TRIGGER members_filter_rows_update AFTER UPDATE OF id, {COPIED} ON members_member
        FOR EACH ROW WHEN ((OLD.id, OLD.council_id, OLD.status, OLD.district_id, OLD.birth_year, OLD.campaign_id,
                            OLD.joined_at, OLD.profile_options)
                           IS DISTINCT FROM
                           (NEW.id, NEW.council_id, NEW.status, NEW.district_id, NEW.birth_year, NEW.campaign_id,
                            NEW.joined_at, NEW.profile_options))
        EXECUTE FUNCTION members_filter_rows_row()
    """,
    """
    CREATE TRIGGER members_filter_rows_truncate AFTER TRUNCATE ON members_member
        FOR EACH STATEMENT EXECUTE FUNCTION members_filter_rows_truncated()
    """,
    "ALTER TABLE members_member ENABLE ALWAYS TRIGGER members_filter_rows_insert",
    "ALTER TABLE members_member ENABLE ALWAYS TRIGGER members_filter_rows_delete",
    "ALTER TABLE members_member ENABLE ALWAYS TRIGGER members_filter_rows_update",
    "ALTER TABLE members_member ENABLE ALWAYS TRIGGER members_filter_rows_truncate",
    # The members there are. The triggers above are in place in this transaction, and its
    # share lock on the member table (taken by CREATE TRIGGER) holds writers until it commits.
    f"INSERT INTO members_filterrow (member_id, {COPIED}) SELECT id, {COPIED} FROM members_member",
    # Built-in array_ops, as members.0011 (the ids are bigint).
    "CREATE INDEX members_filterrow_options ON members_filterrow USING gin (profile_options)",
    # The list's default order (newest first) and a council's rows.
    "CREATE INDEX members_filterrow_joined ON members_filterrow (council_id, joined_at, member_id)",
    "ANALYZE members_filterrow",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS members_filter_rows_insert ON members_member",
    "DROP TRIGGER IF EXISTS members_filter_rows_delete ON members_member",
    "DROP TRIGGER IF EXISTS members_filter_rows_update ON members_member",
    "DROP TRIGGER IF EXISTS members_filter_rows_truncate ON members_member",
    "DROP FUNCTION IF EXISTS members_filter_rows_statement()",
    "DROP FUNCTION IF EXISTS members_filter_rows_row()",
    "DROP FUNCTION IF EXISTS members_filter_rows_truncated()",
    "DROP TABLE IF EXISTS members_filterrow",
]


# Elsewhere (SQLite) a view of the member table, so that the model's rows exist and are the
# members' wherever code goes through every model (a council's export, its row counts).
VIEW = ("CREATE VIEW members_filterrow AS SELECT id AS member_id, council_id, status, district_id, birth_year, "
        "campaign_id, joined_at FROM members_member")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql, params=None)
    else:
        schema_editor.execute(VIEW, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql, params=None)
    else:
        schema_editor.execute("DROP VIEW IF EXISTS members_filterrow", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0012_member_status_counts"),
        ("panel", "0001_initial"),
        ("tenancy", "0001_initial"),
    ]
    operations = [
        migrations.CreateModel(
            name="MemberFilterRow",
            fields=[
                ("member", models.OneToOneField(db_constraint=False, on_delete=models.DO_NOTHING, primary_key=True,
                                                related_name="+", serialize=False, to="members.member")),
                ("status", models.CharField(max_length=20)),
                ("birth_year", models.PositiveSmallIntegerField(null=True)),
                ("joined_at", models.DateTimeField()),
                ("campaign", models.ForeignKey(db_constraint=False, null=True, on_delete=models.DO_NOTHING,
                                               related_name="+", to="panel.campaign")),
                ("council", models.ForeignKey(db_constraint=False, on_delete=models.DO_NOTHING, related_name="+",
                                              to="tenancy.council")),
                ("district", models.ForeignKey(db_constraint=False, null=True, on_delete=models.DO_NOTHING,
                                               related_name="+", to="tenancy.district")),
            ],
            options={"db_table": "members_filterrow", "managed": False},
        ),
        migrations.RunPython(forwards, backwards),
    ]
