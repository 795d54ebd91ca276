"""Budgeting residents' e-mail addresses encrypted at rest, with a blind index for look-ups.

Existing rows are encrypted in place under the current key (CIVICPANEL_DATA_KEYS) and get their
index (CIVICPANEL_INDEX_KEY), as members' addresses were in members 0003.
"""

import civicpanel.common.fields
from django.db import migrations, models


def encrypt_existing(apps, schema_editor):
    from civicpanel.common.crypto import blind_index

    Resident = apps.get_model("budgeting", "Resident")
    seen = set()
    for resident in Resident.objects.order_by("pk").iterator(chunk_size=500):
        # Reading passes a not yet encrypted value through as it is; saving encrypts it.
        hashed = blind_index(resident.email)
        if hashed is not None and (resident.council_id, hashed) in seen:
            Resident.objects.filter(pk=resident.pk).update(email=resident.email, email_hash=None)
            continue
        seen.add((resident.council_id, hashed))
        resident.save(update_fields=["email", "email_hash"])


def decrypt_existing(apps, schema_editor):
    Resident = apps.get_model("budgeting", "Resident")
    with schema_editor.connection.cursor() as cursor:
        for resident in Resident.objects.order_by("pk").iterator(chunk_size=500):
            cursor.execute(f"UPDATE {Resident._meta.db_table} SET email = %s WHERE id = %s",
                           [resident.email, resident.pk])


class Migration(migrations.Migration):

    dependencies = [
        ('budgeting', '0002_resident_token_salt'),
        ('tenancy', '0002_council_brand'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='resident',
            name='pb_resident_email_unique',
        ),
        migrations.AddField(
            model_name='resident',
            name='email_hash',
            field=civicpanel.common.fields.BlindIndexField(source='email'),
        ),
        migrations.AlterField(
            model_name='resident',
            name='email',
            field=civicpanel.common.fields.EncryptedTextField(blank=True, null=True, verbose_name='e-mail'),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.AddConstraint(
            model_name='resident',
            constraint=models.UniqueConstraint(condition=models.Q(('email_hash__isnull', False)), fields=('council', 'email_hash'), name='pb_resident_email_hash_unique'),
        ),
    ]
