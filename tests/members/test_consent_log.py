"""The consent log proves itself: each record holds member, purpose, text version and the
SHA-256 of the exact text, language, UTC time and channel, and it cannot be rewritten."""

from __future__ import annotations

import datetime
import hashlib
import importlib

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from civicpanel.common.appendonly import purge_permitted
from civicpanel.members.consent import consent_record_add, consent_record_verify
from civicpanel.members.imports import members_import
from civicpanel.members.models import ConsentLogIsAppendOnly, ConsentRecord, Member
from civicpanel.members.services import member_leave
from civicpanel.panel.models import ConsentVersion
from tests.factories import MemberFactory
from tests.members.test_signup import signup_data

pytestmark = pytest.mark.django_db


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_signing_up_records_what_exactly_was_agreed_to(resident_client, council):
    consent = ConsentVersion.objects.get(council=council)
    before = timezone.now()
    response = resident_client.post("/join/", signup_data(council, email="cara@example.org"),
                                    HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    member = Member.objects.by_email("cara@example.org", council=council).get()
    record = ConsentRecord.objects.get(member=member)
    assert record.purpose == ConsentRecord.Purpose.PANEL and record.channel == ConsentRecord.Channel.WEB
    assert record.version == consent and record.text_version == consent.version
    assert record.language == "en" and record.text_sha256 == sha(consent.text["en"])  # the page was English
    assert record.given_at.utcoffset() == datetime.timedelta(0) and record.given_at >= before
    assert consent_record_verify(record)


def test_a_danish_page_records_the_danish_text(site_client_for, council):
    consent = ConsentVersion.objects.get(council=council)
    client = site_client_for(council)
    client.post("/join/", signup_data(council, email="dan@example.org", language="da"), HTTP_ACCEPT_LANGUAGE="da")
    record = ConsentRecord.objects.get(member__in=Member.objects.by_email("dan@example.org", council=council))
    assert record.language == "da" and record.text_sha256 == sha(consent.text["da"])


def test_an_import_with_paper_consent_records_the_paper_channel_in_each_members_language(council):
    text = "email,name,language\nanna@example.net,Anna,da\nbo@example.net,Bo,en\n"
    members_import(council=council, actor=None, data=text.encode(), consent_documented=True, consent_channel="paper")
    consent = ConsentVersion.objects.get(council=council)
    records = {r.member.email: r for r in ConsentRecord.objects.filter(member__council=council).select_related("member")}
    assert {r.channel for r in records.values()} == {"paper"}
    assert records["anna@example.net"].language == "da" and records["bo@example.net"].language == "en"
    assert records["bo@example.net"].text_sha256 == sha(consent.text["en"])
    with pytest.raises(ValueError):
        members_import(council=council, actor=None, data=b"email\nc@example.net\n", consent_documented=True,
                       consent_channel="web")


def test_the_staff_import_page_asks_how_consent_was_given(council, staff_client):
    client = staff_client("manager")
    page = client.post("/staff/members/import/", {"file": _upload("email\nx@example.net\n")}).content.decode()
    assert 'name="consent_channel" value="paper"' in page and 'name="consent_channel" value="import"' in page
    response = client.post("/staff/members/import/", {
        "confirm": "1", "content": "email\nx@example.net\n", "filename": "x.csv", "consent_documented": "on",
        "consent_channel": "import"})
    assert response.status_code == 200
    record = ConsentRecord.objects.get(member__in=Member.objects.by_email("x@example.net", council=council))
    assert record.channel == "import"
    detail = client.get(f"/staff/members/{record.member_id}/").content.decode()
    assert "Importeret fra et andet system" in detail and record.text_sha256[:12] in detail  # the staff page is Danish


def _upload(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("members.csv", text.encode(), content_type="text/csv")


def test_a_record_cannot_be_changed_or_deleted_through_the_model(council):
    member = MemberFactory(council=council)
    record = consent_record_add(member=member, version=ConsentVersion.objects.get(council=council), channel="web")
    record.channel = "paper"
    with pytest.raises(ConsentLogIsAppendOnly):
        record.save()
    with pytest.raises(ConsentLogIsAppendOnly):
        record.delete()


def test_an_altered_text_no_longer_verifies(council):
    member = MemberFactory(council=council)
    version = ConsentVersion.objects.get(council=council)
    record = consent_record_add(member=member, version=version, channel="web", language="da")
    assert consent_record_verify(record)
    ConsentVersion.objects.filter(pk=version.pk).update(text={**version.text, "da": version.text["da"] + " "})
    record = ConsentRecord.objects.select_related("version").get(pk=record.pk)
    assert not consent_record_verify(record)


def test_leaving_keeps_the_record_pointing_at_the_anonymous_member(council):
    member = MemberFactory(council=council, email="gone@example.org", name="Gone Person")
    record = consent_record_add(member=member, version=ConsentVersion.objects.get(council=council), channel="web")
    member_leave(member=member)
    kept = ConsentRecord.objects.get(pk=record.pk)
    assert kept.member_id == member.pk and kept.text_sha256 == record.text_sha256
    husk = Member.objects.get(pk=member.pk)
    assert husk.email is None and husk.name == "" and husk.status == Member.Status.LEFT


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete(council):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL")
    member = MemberFactory(council=council)
    consent_record_add(member=member, version=ConsentVersion.objects.get(council=council), channel="web")
    for statement in ("UPDATE members_consentrecord SET channel = 'paper'", "DELETE FROM members_consentrecord"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Member.objects.filter(pk=member.pk).delete()  # the cascade reaches the log, and is refused
    assert ConsentRecord.objects.filter(channel="web").count() == 1
    # The operator's controlled path lets a DELETE through, and never an UPDATE.
    with (pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), purge_permitted(),
          connection.cursor() as cursor):
        cursor.execute("UPDATE members_consentrecord SET channel = 'paper'")
    with transaction.atomic():
        with purge_permitted():
            Member.objects.filter(pk=member.pk).delete()
        # ...and only inside the block: afterwards the same transaction is protected again.
        other = MemberFactory(council=council)
        consent_record_add(member=other, version=ConsentVersion.objects.get(council=council), channel="web")
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM members_consentrecord")
    assert ConsentRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_purge_permitted_needs_a_transaction():
    with pytest.raises(transaction.TransactionManagementError), purge_permitted():
        pass


def test_never_confirmed_sign_ups_go_with_their_consent_record(council):
    from civicpanel.members.services import members_lifecycle_run

    member = MemberFactory(council=council, status=Member.Status.PENDING)
    consent_record_add(member=member, version=ConsentVersion.objects.get(council=council), channel="web")
    Member.objects.filter(pk=member.pk).update(joined_at=timezone.now() - datetime.timedelta(days=60))
    report = members_lifecycle_run(councils=[council])
    assert report.pending_deleted == {council.slug: 1}
    assert not Member.objects.filter(pk=member.pk).exists() and not ConsentRecord.objects.exists()


def test_existing_records_are_completed_by_the_migration(council):
    from django.apps import apps

    if connection.vendor == "postgresql":
        pytest.skip("the migration runs before the trigger exists; here the trigger would refuse the set-up")
    migration = importlib.import_module("civicpanel.members.migrations.0004_consent_record_proves_itself")
    consent = ConsentVersion.objects.get(council=council)
    signed_up = MemberFactory(council=council, language="da")
    imported = MemberFactory(council=council, language="en", source="import")
    for member in (signed_up, imported):
        consent_record_add(member=member, version=consent, channel="web", at=member.joined_at)
    with connection.cursor() as cursor:  # as the rows were: version and time only
        cursor.execute("UPDATE members_consentrecord SET text_sha256 = '', language = '', text_version = 0")
    migration.complete_existing(apps, None)
    records = {r.member_id: r for r in ConsentRecord.objects.select_related("version")}
    assert records[signed_up.pk].channel == "web" and records[signed_up.pk].language == "da"
    assert records[imported.pk].channel == "import" and records[imported.pk].language == "en"
    assert all(consent_record_verify(r) and r.text_version == consent.version for r in records.values())
