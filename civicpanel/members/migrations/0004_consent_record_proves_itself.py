"""Consent records that prove themselves: purpose, text version and the SHA-256 of the exact
text, the language it was shown in, and the channel.

Existing records are completed from what the database knows: the text of their version in
the member's language (the language their pages and e-mails were in; with the same fallback
the pages use), purpose "panel" (the only one so far), and channel "import" for a record
written with a staff import (a member from an import whose record dates from the import
itself), "web" for every other one (sign-up, confirmation, renewal).
"""

import datetime
import hashlib

import django.utils.timezone
from django.db import migrations, models

FALLBACK = ("en", "da", "nb")


def _shown(texts, language):
    wanted = (language or "")[:2].lower()
    wanted = "nb" if wanted == "no" else wanted
    for code in (wanted, *FALLBACK):
        if code and texts.get(code):
            return code, texts[code]
    for code, text in texts.items():
        if text:
            return code, text
    return wanted, ""


def complete_existing(apps, schema_editor):
    ConsentRecord = apps.get_model("members", "ConsentRecord")
    records = ConsentRecord.objects.select_related("version", "member").order_by("pk")
    for record in records.iterator(chunk_size=500):
        language, text = _shown(record.version.text or {}, record.member.language)
        imported = (record.member.source == "import"
                    and abs(record.given_at - record.member.joined_at) < datetime.timedelta(minutes=5))
        ConsentRecord.objects.filter(pk=record.pk).update(
            text_version=record.version.version, language=language,
            text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            channel="import" if imported else "web", purpose="panel")


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0003_member_email_name_encrypted"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="consentrecord",
            options={"ordering": ["-given_at", "-id"]},
        ),
        migrations.AddField(
            model_name="consentrecord",
            name="channel",
            field=models.CharField(choices=[("web", "On the website"), ("import", "Imported from another system"),
                                            ("paper", "On a paper form")],
                                   default="web", max_length=10, verbose_name="channel"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="consentrecord",
            name="language",
            field=models.CharField(default="", max_length=5, verbose_name="language"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="consentrecord",
            name="purpose",
            field=models.CharField(choices=[("panel", "Taking part in the citizen panel")], default="panel",
                                   max_length=20, verbose_name="purpose"),
        ),
        migrations.AddField(
            model_name="consentrecord",
            name="text_sha256",
            field=models.CharField(default="", max_length=64, verbose_name="SHA-256 of the text"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="consentrecord",
            name="text_version",
            field=models.PositiveIntegerField(default=0, verbose_name="text version"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="consentrecord",
            name="given_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="given"),
        ),
        migrations.RunPython(complete_existing, migrations.RunPython.noop),
    ]
