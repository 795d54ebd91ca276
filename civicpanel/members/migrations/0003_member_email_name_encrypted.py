"""Members' e-mail addresses and names encrypted at rest, with a blind index of the address.

Existing rows are encrypted in place under the current key (CIVICPANEL_DATA_KEYS) and get
their index (CIVICPANEL_INDEX_KEY). Two addresses that differed only in letter case were
distinct before and are one now: the older row keeps the index, a later one is left without
(it still reads and receives mail, but sign-up and login find the older row).
"""

import civicpanel.common.fields
from django.db import migrations, models


def encrypt_existing(apps, schema_editor):
    from civicpanel.common.crypto import blind_index

    Member = apps.get_model("members", "Member")
    seen = set()
    for member in Member.objects.order_by("pk").iterator(chunk_size=500):
        # Reading passes a not yet encrypted value through as it is; saving encrypts it.
        hashed = blind_index(member.email)
        if hashed is not None and (member.council_id, hashed) in seen:
            member.email_hash = None
            Member.objects.filter(pk=member.pk).update(email=member.email, name=member.name, email_hash=None)
            continue
        seen.add((member.council_id, hashed))
        member.save(update_fields=["email", "name", "email_hash"])


def decrypt_existing(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    with schema_editor.connection.cursor() as cursor:
        for member in Member.objects.order_by("pk").iterator(chunk_size=500):
            cursor.execute(f"UPDATE {Member._meta.db_table} SET email = %s, name = %s WHERE id = %s",
                           [member.email, member.name, member.pk])


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0002_membertoken_salt'),
        ('tenancy', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='member',
            name='member_email_unique_per_council',
        ),
        migrations.AddField(
            model_name='member',
            name='email_hash',
            field=civicpanel.common.fields.BlindIndexField(source='email'),
        ),
        migrations.AlterField(
            model_name='member',
            name='email',
            field=civicpanel.common.fields.EncryptedTextField(blank=True, null=True, verbose_name='e-mail'),
        ),
        migrations.AlterField(
            model_name='member',
            name='name',
            field=civicpanel.common.fields.EncryptedTextField(blank=True, verbose_name='name'),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.AddConstraint(
            model_name='member',
            constraint=models.UniqueConstraint(condition=models.Q(('email_hash__isnull', False)), fields=('council', 'email_hash'), name='member_email_hash_unique_per_council'),
        ),
    ]
