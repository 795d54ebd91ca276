"""On PostgreSQL: the members' filter rows (members.0013) also carry what a survey's audience
leaves members out for (the survey-invitation preference, a bounced address, whether there is
an address at all) and a profile version, so that the send page's audience is one scan of the
narrow rows and the profiles kept in a web process are checked with one index probe; and an
index for the member list's district and age filters.

Why: the audience query scanned the wide member table (encrypted name, e-mail, address and
phone) for a million members only to read three flags: 0.6 s of a preview at a million, most
of it reading pages that do not stay in the server's shared buffers. And the key under which a
process keeps a council's profile arrays (members.categories.council_profiles) took the highest
answer id of the council's members, a join of five million answers with the members: 1.1 to
1.6 s of every preview.

`has_email` is whether the member has an address (`email` neither NULL nor empty): the rows copy
no ciphertext. `profile_version` takes a new value of the sequence `members_filterrow_version`
whenever a member is inserted or their council, birth year, district or profile options change
(a member's answers reach their row through the member row, members.0011), so the highest
version of a council's rows changes with every change of what its profile arrays hold. Other
changes (status, preferences, the address, an unchanged save) keep the version.

The new columns are added with defaults (no table rewrite), the triggers of members.0013 are
replaced in the same transaction, which holds writers of the member table until it commits,
and only the rows that differ from their defaults are filled from the members. SQLite: the
view of the member table gains the same columns (no version: the profiles are not kept there).
"""

from django.db import migrations, models

COPIED = "council_id, status, district_id, birth_year, campaign_id, joined_at, profile_options"
# What the rows copy besides COPIED, as expressions over a member row (NEW or a table alias).
AUDIENCE = "{m}.wants_surveys, {m}.email_bounced, coalesce({m}.email, '') <> ''"
PROFILE = "{m}.id, {m}.council_id, {m}.birth_year, {m}.district_id, {m}.profile_options"

FORWARD = [
    "ALTER TABLE members_filterrow ADD COLUMN wants_surveys boolean NOT NULL DEFAULT true",
    "ALTER TABLE members_filterrow ADD COLUMN email_bounced boolean NOT NULL DEFAULT false",
    "ALTER TABLE members_filterrow ADD COLUMN has_email boolean NOT NULL DEFAULT true",
    "CREATE SEQUENCE members_filterrow_version",
    "ALTER TABLE members_filterrow ADD COLUMN profile_version bigint NOT NULL DEFAULT 0",
    f"""
    CREATE OR REPLACE FUNCTION members_filter_rows_statement() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO members_filterrow (member_id, {COPIED}, wants_surveys, email_bounced, has_email,
                                           profile_version)
            SELECT id, {COPIED}, {AUDIENCE.format(m="n")}, nextval('members_filterrow_version')
            FROM new_members AS n;
        ELSE
            DELETE FROM members_filterrow AS f USING old_members AS o WHERE f.member_id = o.id;
        END IF;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION members_filter_rows_row() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE members_filterrow SET member_id = NEW.id, council_id = NEW.council_id, status = NEW.status,
            district_id = NEW.district_id, birth_year = NEW.birth_year, campaign_id = NEW.campaign_id,
            joined_at = NEW.joined_at, profile_options = NEW.profile_options,
            wants_surveys = NEW.wants_surveys, email_bounced = NEW.email_bounced,
            has_email = coalesce(NEW.email, '') <> '',
            profile_version = CASE WHEN ({PROFILE.format(m="OLD")}) IS DISTINCT FROM ({PROFILE.format(m="NEW")})
                                   THEN nextval('members_filterrow_version') ELSE profile_version END
        WHERE member_id = OLD.id;
        RETURN NULL;
    END $$
    """,
    "DROP TRIGGER members_filter_rows_update ON members_member",
    # `email` is among the columns because a save writes a new ciphertext of the same address;
    # the condition compares only whether there is one.
    f"""
    CREATE TRIGGER members_filter_rows_update
        AFTER UPDATE OF id, {COPIED}, wants_surveys, email_bounced, email ON members_member
        FOR EACH ROW WHEN ((OLD.id, OLD.council_id, OLD.status, OLD.district_id, OLD.birth_year, OLD.campaign_id,
                            OLD.joined_at, OLD.profile_options, {AUDIENCE.format(m="OLD")})
                           IS DISTINCT FROM
                           (NEW.id, NEW.council_id, NEW.status, NEW.district_id, NEW.birth_year, NEW.campaign_id,
                            NEW.joined_at, NEW.profile_options, {AUDIENCE.format(m="NEW")}))
        EXECUTE FUNCTION members_filter_rows_row()
    """,
    "ALTER TABLE members_member ENABLE ALWAYS TRIGGER members_filter_rows_update",
    # The members there are, where they differ from the defaults (most do not).
    f"""
    UPDATE members_filterrow AS f SET wants_surveys = m.wants_surveys, email_bounced = m.email_bounced,
        has_email = coalesce(m.email, '') <> ''
    FROM members_member AS m
    WHERE m.id = f.member_id
      AND (f.wants_surveys, f.email_bounced, f.has_email) IS DISTINCT FROM ({AUDIENCE.format(m="m")})
    """,
    # A council's highest version: one probe, read before every preview at scale.
    "CREATE INDEX members_filterrow_version_idx ON members_filterrow (council_id, profile_version)",
    # The list's district and age filters: combined with the options' GIN index, a filter on a
    # district, an age band and an option reads the pages of its members instead of those of
    # everyone with the option (a tenth of the pages for "25-34, private rental, Nørrebro").
    "CREATE INDEX members_filterrow_district_idx ON members_filterrow (council_id, district_id, birth_year)",
    "ANALYZE members_filterrow",
]

# Back to members.0013's functions and trigger, then the columns go.
BACKWARD = [
    """
    CREATE OR REPLACE FUNCTION members_filter_rows_statement() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO members_filterrow (member_id, council_id, status, district_id, birth_year, campaign_id,
                                           joined_at, profile_options)
            SELECT id, council_id, status, district_id, birth_year, campaign_id, joined_at, profile_options
            FROM new_members;
        ELSE
            DELETE FROM members_filterrow AS f USING old_members AS o WHERE f.member_id = o.id;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION members_filter_rows_row() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE members_filterrow SET member_id = NEW.id, council_id = NEW.council_id, status = NEW.status,
            district_id = NEW.district_id, birth_year = NEW.birth_year, campaign_id = NEW.campaign_id,
            joined_at = NEW.joined_at, profile_options = NEW.profile_options
        WHERE member_id = OLD.id;
        RETURN NULL;
    END $$
    """,
    "DROP TRIGGER members_filter_rows_update ON members_member",
    f"""
    CREATE TRIGGER members_filter_rows_update AFTER UPDATE OF id, {COPIED} ON members_member
        FOR EACH ROW WHEN ((OLD.id, OLD.council_id, OLD.status, OLD.district_id, OLD.birth_year, OLD.campaign_id,
                            OLD.joined_at, OLD.profile_options)
                           IS DISTINCT FROM
                           (NEW.id, NEW.council_id, NEW.status, NEW.district_id, NEW.birth_year, NEW.campaign_id,
                            NEW.joined_at, NEW.profile_options))
        EXECUTE FUNCTION members_filter_rows_row()
    """,
    "ALTER TABLE members_member ENABLE ALWAYS TRIGGER members_filter_rows_update",
    "DROP INDEX IF EXISTS members_filterrow_version_idx",
    "DROP INDEX IF EXISTS members_filterrow_district_idx",
    "ALTER TABLE members_filterrow DROP COLUMN IF EXISTS profile_version",
    "ALTER TABLE members_filterrow DROP COLUMN IF EXISTS has_email",
    "ALTER TABLE members_filterrow DROP COLUMN IF EXISTS email_bounced",
    "ALTER TABLE members_filterrow DROP COLUMN IF EXISTS wants_surveys",
    "DROP SEQUENCE IF EXISTS members_filterrow_version",
]

VIEW = ("CREATE VIEW members_filterrow AS SELECT id AS member_id, council_id, status, district_id, birth_year, "
        "campaign_id, joined_at, wants_surveys, email_bounced, coalesce(email, '') <> '' AS has_email "
        "FROM members_member")
VIEW_BEFORE = ("CREATE VIEW members_filterrow AS SELECT id AS member_id, council_id, status, district_id, birth_year, "
               "campaign_id, joined_at FROM members_member")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql, params=None)
    else:
        schema_editor.execute("DROP VIEW IF EXISTS members_filterrow", params=None)
        schema_editor.execute(VIEW, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql, params=None)
    else:
        schema_editor.execute("DROP VIEW IF EXISTS members_filterrow", params=None)
        schema_editor.execute(VIEW_BEFORE, params=None)


class Migration(migrations.Migration):
    dependencies = [("members", "0013_member_filter_rows")]
    # The model is unmanaged: these fields change no table; forwards() does.
    operations = [
        migrations.AddField(model_name="memberfilterrow", name="wants_surveys",
                            field=models.BooleanField(db_default=True)),
        migrations.AddField(model_name="memberfilterrow", name="email_bounced",
                            field=models.BooleanField(db_default=False)),
        migrations.AddField(model_name="memberfilterrow", name="has_email",
                            field=models.BooleanField(db_default=True)),
        migrations.RunPython(forwards, backwards),
    ]
