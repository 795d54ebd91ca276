"""Every model change comes with its migration, and a migration leaves the previous release
working while its processes still serve on the new schema (H2, docs/operations.md "The previous
release on the new schema"; scripts/previous_release_smoke.py tries the previous release itself)."""

import pytest
from django.core.management import call_command
from django.db import migrations
from django.db.migrations.loader import MigrationLoader
from django.db.models import NOT_PROVIDED


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


# Columns added as NOT NULL without a database default before this rule: while such a migration
# is applied and the previous release still serves, that release cannot insert a row into the
# table. Kept as a record; nothing new may join it.
REQUIRED_BEFORE_THE_RULE = {
    ("budgeting", "0002_resident_token_salt", "resident.token_salt"),
    ("events", "0003_event_outcome", "event.outcome"),
    ("events", "0004_registration_questions_every_kind", "participant.answer_others"),
    ("events", "0005_placement_extra", "placement.extra"),
    ("members", "0002_membertoken_salt", "membertoken.salt"),
    ("members", "0004_consent_record_proves_itself", "consentrecord.channel"),
    ("members", "0004_consent_record_proves_itself", "consentrecord.language"),
    ("members", "0004_consent_record_proves_itself", "consentrecord.purpose"),
    ("members", "0004_consent_record_proves_itself", "consentrecord.text_sha256"),
    ("members", "0004_consent_record_proves_itself", "consentrecord.text_version"),
    ("members", "0010_member_postal_address_phone", "member.phone"),
    ("members", "0010_member_postal_address_phone", "member.postal_address"),
    ("outreach", "0002_delivery_language_and_consent_skip", "delivery.language"),
    ("panel", "0002_consentversion_covers_news", "consentversion.covers_news"),
    ("publishing", "0003_publication_breakdowns", "publication.breakdowns"),
    ("surveys", "0003_sample_design", "wave.sample"),
    ("surveys", "0004_wave_confirmation", "wave.confirmation"),
    ("surveys", "0005_purpose_and_decision", "survey.answers_use"),
    ("surveys", "0005_purpose_and_decision", "survey.committee"),
    ("surveys", "0005_purpose_and_decision", "survey.decision"),
    ("surveys", "0005_purpose_and_decision", "survey.outcome"),
    ("surveys", "0005_purpose_and_decision", "survey.purpose"),
    ("surveys", "0006_paper_and_phone", "response.mode"),
    ("surveys", "0006_paper_and_phone", "survey.paper_double_entry"),
    ("surveys", "0006_paper_and_phone", "wave.channel"),
    ("tenancy", "0002_council_brand", "council.brand_colour"),
    ("tenancy", "0002_council_brand", "council.brand_version"),
}
# Operations that take away what the previous release reads: they belong in the release after
# the one that stopped reading it, and are listed here when that is so.
DESTRUCTIVE = (migrations.RemoveField, migrations.RenameField, migrations.DeleteModel, migrations.RenameModel,
               migrations.AlterModelTable)
TAKEN_AWAY_AFTER_A_RELEASE: set[tuple[str, str, str]] = set()


def _own_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [(app, name, migration) for (app, name), migration in sorted(loader.disk_migrations.items())
            if migration.__module__.startswith("civicpanel.")]


def test_a_new_column_is_nullable_or_has_a_database_default():
    """The previous release inserts rows without the columns it does not know: a NOT NULL column
    needs `db_default` (or null=True) to let it, on tables that existed before the migration."""
    offenders = []
    for app, name, migration in _own_migrations():
        created = {op.name_lower for op in migration.operations if isinstance(op, migrations.CreateModel)}
        for op in migration.operations:
            if not isinstance(op, migrations.AddField) or op.field.many_to_many or op.model_name_lower in created:
                continue
            if op.field.null or op.field.db_default is not NOT_PROVIDED:
                continue
            if (app, name, f"{op.model_name_lower}.{op.name}") not in REQUIRED_BEFORE_THE_RULE:
                offenders.append(f"{app}.{name}: {op.model_name}.{op.name}")
    assert offenders == [], "give these fields db_default=... (or null=True): " + ", ".join(offenders)


def test_nothing_the_previous_release_reads_is_taken_away_unannounced():
    offenders = [f"{app}.{name}: {type(op).__name__} {op.describe()}"
                 for app, name, migration in _own_migrations() for op in migration.operations
                 if isinstance(op, DESTRUCTIVE) and (app, name, op.describe()) not in TAKEN_AWAY_AFTER_A_RELEASE]
    assert offenders == [], ("stop reading it in one release, take it away in the next, and list it in "
                             "TAKEN_AWAY_AFTER_A_RELEASE: " + "; ".join(offenders))
