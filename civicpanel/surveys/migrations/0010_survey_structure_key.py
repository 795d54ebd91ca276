"""A survey's structure key: renewed by the database whenever one of its pages or questions is
added, changed or deleted, by whatever code does it. The resident's pages keep a survey's
structure in the process under (survey, key), so a kept structure is never older than the survey
row read with the invitation (selectors.survey_structure_for_answering)."""

import uuid

from django.db import migrations, models
from django.db.models.functions import UUID4

TABLES = ("surveys_page", "surveys_question")

POSTGRESQL = """
CREATE OR REPLACE FUNCTION surveys_structure_changed() RETURNS trigger AS $$
BEGIN
    UPDATE surveys_survey SET structure_key = gen_random_uuid()
     WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.survey_id ELSE NEW.survey_id END;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
""" + "".join(f"""
CREATE TRIGGER {table}_structure AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION surveys_structure_changed();
""" for table in TABLES)

# SQLite has no trigger for several events, nor a UUID function: 16 random bytes as the 32 hex
# digits Django keeps a UUID in there.
SQLITE = [f"""
CREATE TRIGGER {table}_structure_{event.lower()} AFTER {event} ON {table} BEGIN
    UPDATE surveys_survey SET structure_key = lower(hex(randomblob(16))) WHERE id = {row}.survey_id;
END;
""" for table in TABLES for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_structure ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS surveys_structure_changed()")
    elif vendor == "sqlite":
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_structure_{event}")


class Migration(migrations.Migration):
    dependencies = [("surveys", "0009_response_export_status")]

    operations = [
        migrations.AddField(
            model_name="survey",
            name="structure_key",
            field=models.UUIDField(default=uuid.uuid4, db_default=UUID4(), editable=False),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
