"""On PostgreSQL the database itself refuses to change or delete a consent record.

The trigger function is shared with the audit log (audit migration 0003) and lets a DELETE
through only inside `common.appendonly.purge_permitted()`.
"""

from django.db import migrations

from civicpanel.common.appendonly import TRIGGER_FUNCTION_SQL

CREATE = """
CREATE TRIGGER consent_record_append_only
    BEFORE UPDATE OR DELETE ON members_consentrecord
    FOR EACH ROW EXECUTE FUNCTION civicpanel_append_only();
"""

DROP = "DROP TRIGGER IF EXISTS consent_record_append_only ON members_consentrecord;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER_FUNCTION_SQL, params=None)
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("members", "0004_consent_record_proves_itself")]
    operations = [migrations.RunPython(forwards, backwards)]
