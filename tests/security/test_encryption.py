"""Personal data at rest: members' e-mail addresses and names are AES-256-GCM ciphertext in the
database and in its dumps, found through an HMAC blind index, and re-encrypted by a command."""

from __future__ import annotations

import base64
import io
import os
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from civicpanel.budgeting.models import Resident
from civicpanel.common import crypto
from civicpanel.common.encrypted_data import encrypted_fields, raw_values
from civicpanel.common.fields import EncryptedValueLookupError
from civicpanel.members.models import Member
from tests.factories import MemberFactory
from tests.test_settings import PRODUCTION_ENV, _manage

KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()
INDEX_1 = base64.b64encode(b"1" * 32).decode()
INDEX_2 = base64.b64encode(b"2" * 32).decode()


def stored(member: Member, field: str = "email") -> str | None:
    """What the database holds in the column, not decrypted."""
    return raw_values(Member, Member._meta.get_field(field)).values_list("raw", flat=True).get(pk=member.pk)


@pytest.mark.django_db
def test_email_and_name_read_as_text_and_are_stored_as_ciphertext(council):
    member = MemberFactory(council=council, email="ada.lindqvist@example.dk", name="Ada Lindqvist")
    member = Member.objects.get(pk=member.pk)
    assert member.email == "ada.lindqvist@example.dk" and member.name == "Ada Lindqvist"
    raw_email, raw_name = stored(member), stored(member, "name")
    assert raw_email.startswith("ev1:dev:") and raw_name.startswith("ev1:dev:")
    assert "ada.lindqvist" not in raw_email.lower() and "lindqvist" not in raw_name.lower()
    twin = MemberFactory(council=council, email="other@example.dk", name="Ada Lindqvist")
    assert stored(twin, "name") != raw_name  # a fresh nonce every time: equal names do not show
    assert member.email_hash == crypto.blind_index("ADA.Lindqvist@example.dk ")
    assert len(member.email_hash) == 64 and "ada" not in member.email_hash


@pytest.mark.django_db
def test_look_ups_go_through_the_blind_index(council, other_council):
    member = MemberFactory(council=council, email="bo@example.dk", name="")
    assert Member.objects.by_email(" BO@Example.dk", council=council).get() == member
    assert not Member.objects.by_email("bo@example.dk", council=other_council).exists()
    assert not Member.objects.by_email("", council=council).exists()
    # SQL cannot compare ciphertexts: a direct comparison fails loudly instead of finding nothing.
    with pytest.raises(EncryptedValueLookupError, match="by_email"):
        Member.objects.filter(email="bo@example.dk").exists()
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        Member.objects.filter(name__icontains="bo").exists()
    assert Member.objects.filter(email__isnull=False, name="").count() == 1  # these need no decryption


@pytest.mark.django_db
def test_an_address_is_unique_per_council_whatever_its_case(council, other_council):
    MemberFactory(council=council, email="case@example.dk")
    MemberFactory(council=other_council, email="case@example.dk")  # another council: allowed
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(council=council, email="CASE@example.dk")


@pytest.mark.django_db
def test_saving_with_update_fields_keeps_the_index_in_step(council):
    member = MemberFactory(council=council, email="old@example.dk")
    member.email = "new@example.dk"
    member.save(update_fields=["email"])
    assert Member.objects.by_email("new@example.dk", council=council).get() == member
    member.email = None
    member.save(update_fields=["email"])
    assert Member.objects.get(pk=member.pk).email_hash is None


@pytest.mark.django_db
def test_an_altered_value_is_refused(council):
    member = MemberFactory(council=council, email="tamper@example.dk")
    raw = stored(member)
    altered = raw[:-2] + ("A" if raw[-2] != "A" else "B") + raw[-1]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE members_member SET email = %s WHERE id = %s", [altered, member.pk])
    with pytest.raises(crypto.DecryptionError):
        Member.objects.get(pk=member.pk)


def test_many_values_decrypt_together_as_the_field_reads_them_one_by_one(settings):
    """crypto.decrypt_values (the member list's name order): the same texts as `decrypt`, under
    several keys, with None, empty and clear values as they are; an altered value or a key not
    configured is refused as by `decrypt`."""
    settings.CIVICPANEL_DATA_KEYS = f"a:{KEY_A}"
    under_a = [crypto.encrypt(text) for text in ("Ada", "Øjvind Åberg", "", "x" * 300)]
    settings.CIVICPANEL_DATA_KEYS = f"b:{KEY_B},a:{KEY_A}"
    under_b = [crypto.encrypt(text) for text in ("Grace", "名前")]
    values = [*under_a, None, "", "written before the encryption", *under_b]
    expected = [crypto.decrypt(v) if crypto.is_encrypted(v) else v for v in values]
    assert crypto.decrypt_values(values) == expected
    assert expected[:2] == ["Ada", "Øjvind Åberg"] and expected[-2:] == ["Grace", "名前"]
    altered = under_b[0][:-2] + ("A" if under_b[0][-2] != "A" else "B") + under_b[0][-1]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_values([under_a[0], altered])
    settings.CIVICPANEL_DATA_KEYS = f"b:{KEY_B}"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_values(under_a[:1])


@pytest.mark.django_db
def test_staff_search_still_finds_parts_of_names_and_addresses(council):
    from civicpanel.members.selectors import members_filter

    ada = MemberFactory(council=council, email="ada@lovelace.example", name="Ada Lovelace")
    MemberFactory(council=council, email="grace@hopper.example", name="Grace Hopper")
    assert list(members_filter(council=council, filters={"q": "LOVEL"})) == [ada]
    assert list(members_filter(council=council, filters={"q": "ada@"})) == [ada]


@pytest.mark.django_db
def test_rotation_re_encrypts_everything_under_the_new_key(council, settings):
    settings.CIVICPANEL_DATA_KEYS, settings.CIVICPANEL_INDEX_KEY = f"a:{KEY_A}", INDEX_1
    members = [MemberFactory(council=council, email=f"rot{i}@example.dk", name=f"Rot {i}") for i in range(7)]
    left = MemberFactory(council=council, email=None, name="")
    assert all(stored(m).startswith("ev1:a:") for m in members)

    # The new key first, the old one still there to read what is not rotated yet.
    settings.CIVICPANEL_DATA_KEYS, settings.CIVICPANEL_INDEX_KEY = f"b:{KEY_B},a:{KEY_A}", INDEX_2
    MemberFactory(council=council, email="fresh@example.dk")  # written under b at once
    # Before rotation, dropping key a would lose data...
    with pytest.raises(SystemCheckError), override_keys(settings, f"b:{KEY_B}"):
        call_command("check", databases=["default"])
    call_command("rotate_data_keys", batch_size=3, stdout=io.StringIO())
    for member in members:
        assert stored(member).startswith("ev1:b:") and stored(member, "name").startswith("ev1:b:")
    assert stored(left) is None and stored(left, "name") == ""

    settings.CIVICPANEL_DATA_KEYS = f"b:{KEY_B}"  # ...after it, the old key can go
    call_command("check", databases=["default"])
    assert Member.objects.get(pk=members[3].pk).name == "Rot 3"
    assert Member.objects.by_email("rot3@example.dk", council=council).get() == members[3]  # new index key
    assert Member.objects.by_email("fresh@example.dk", council=council).exists()
    # A second run has nothing left to do.
    from civicpanel.common.encrypted_data import rotate

    assert set(rotate().values()) == {0}


class override_keys:  # noqa: N801 (used like a context manager function)
    def __init__(self, settings, keys):
        self.settings, self.keys = settings, keys

    def __enter__(self):
        self.saved = self.settings.CIVICPANEL_DATA_KEYS
        self.settings.CIVICPANEL_DATA_KEYS = self.keys

    def __exit__(self, *exc):
        self.settings.CIVICPANEL_DATA_KEYS = self.saved


@pytest.mark.django_db
def test_rotation_stops_with_a_clear_message_when_a_key_is_missing(council, settings):
    settings.CIVICPANEL_DATA_KEYS = f"a:{KEY_A}"
    MemberFactory(council=council, email="lost@example.dk")
    settings.CIVICPANEL_DATA_KEYS = f"b:{KEY_B}"
    with pytest.raises(CommandError, match="key 'a'"):
        call_command("rotate_data_keys", stdout=io.StringIO())


@pytest.mark.django_db
def test_rows_written_before_encryption_are_encrypted_by_the_migration(council):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("civicpanel.members.migrations.0003_member_email_name_encrypted")
    plain = MemberFactory(council=council, email="legacy@example.dk", name="Legacy Person")
    duplicate = MemberFactory(council=council, email="other@example.dk")
    with connection.cursor() as cursor:  # as the rows were before the field was encrypted
        cursor.execute("UPDATE members_member SET email = %s, name = %s, email_hash = NULL WHERE id = %s",
                       ["Legacy@Example.dk", "Legacy Person", plain.pk])
        cursor.execute("UPDATE members_member SET email = %s, email_hash = NULL WHERE id = %s",
                       ["legacy@example.dk", duplicate.pk])
    assert Member.objects.get(pk=plain.pk).email == "Legacy@Example.dk"  # still readable meanwhile
    migration.encrypt_existing(apps, None)
    assert stored(plain).startswith("ev1:") and stored(plain, "name").startswith("ev1:")
    assert Member.objects.by_email("legacy@example.dk", council=council).get() == plain  # the older row
    assert Member.objects.get(pk=duplicate.pk).email_hash is None
    assert Member.objects.get(pk=duplicate.pk).email == "legacy@example.dk"


@pytest.mark.django_db
def test_a_budgeting_residents_address_is_stored_encrypted_and_found_by_its_index(council, other_council):
    resident = Resident.objects.create(council=council, email="rita@example.dk")
    raw = raw_values(Resident, Resident._meta.get_field("email")).values_list("raw", flat=True).get(pk=resident.pk)
    assert raw.startswith("ev1:") and "rita" not in raw
    assert Resident.objects.get(pk=resident.pk).email == "rita@example.dk"
    assert Resident.objects.by_email(" RITA@example.dk", council=council).get() == resident
    assert not Resident.objects.by_email("rita@example.dk", council=other_council).exists()
    with pytest.raises(EncryptedValueLookupError):
        Resident.objects.filter(email="rita@example.dk").exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Resident.objects.create(council=council, email="Rita@Example.dk")
    assert ("budgeting.Resident", "email") in {(m._meta.label, f.name) for m, f in encrypted_fields()}


@pytest.mark.django_db
def test_the_migration_encrypts_residents_stored_in_clear(council):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("civicpanel.budgeting.migrations.0003_resident_email_encrypted")
    resident = Resident.objects.create(council=council, email="x@example.dk")
    with connection.cursor() as cursor:  # as the row was before the field was encrypted
        cursor.execute("UPDATE budgeting_resident SET email = %s, email_hash = NULL WHERE id = %s",
                       ["legacy.resident@example.dk", resident.pk])
    migration.encrypt_existing(apps, None)
    raw = raw_values(Resident, Resident._meta.get_field("email")).values_list("raw", flat=True).get(pk=resident.pk)
    assert raw.startswith("ev1:")
    assert Resident.objects.by_email("legacy.resident@example.dk", council=council).get() == resident


def _fill_with_personal_data(council, staff_client):
    """Members through every road in: the sign-up page, a staff import, a staff search, a
    mailing sent to them (its deliveries), and the confirmation e-mail task."""
    from django.test import Client

    from civicpanel.members.imports import members_import
    from civicpanel.outreach import registry
    from civicpanel.outreach.sending import send_mailing_now
    from civicpanel.outreach.services import mailing_create
    from tests.members.test_signup import signup_data
    from tests.outreach.message_types import register_test_types

    visitor = Client(HTTP_HOST=f"{council.slug}.localhost", HTTP_ACCEPT_LANGUAGE="en")
    response = visitor.post("/join/", signup_data(council, email="Signup.Person@Example.dk", name="Signe Signupsen"))
    assert response.status_code == 302
    text = "email,name\nimported0@example.dk,Ingrid Importsen\nimported1@example.dk,Ivar Importsen\n"
    members_import(council=council, actor=None, data=text.encode(), consent_documented=True)
    staff = staff_client("admin")
    assert staff.get("/staff/members/", {"q": "imported0@example.dk"}).status_code == 200
    assert Member.objects.by_email("signup.person@example.dk", council=council).exists()
    saved = dict(registry._TYPES)
    register_test_types()
    try:
        mailing = mailing_create(council=council, actor=None, message_type="test_invitation",
                                 member_ids=list(Member.objects.filter(council=council).values_list("pk", flat=True)),
                                 extra_context={"survey_title": "Trafik"})
        send_mailing_now(mailing.pk)
    finally:
        registry._TYPES.clear()
        registry._TYPES.update(saved)
    assert mailing.deliveries.filter(state="sent").count() == 2
    # A budgeting round's resident (not a member) who asked to take part with an e-mail.
    from tests.budgeting.factories import build_round

    rnd = build_round(council, allow_residents=True)
    joined = visitor.post(f"/pb/{rnd.pk}/join/", {"email": "Resident.Rasmussen@Example.dk", "postal_code": "2500",
                                                  "birth_year": "1990"})
    assert joined.status_code == 200 and Resident.objects.filter(council=council).exists()
    return ["signup.person@example.dk", "Signe Signupsen", "imported0@example.dk", "Importsen",
            "resident.rasmussen@example.dk"]


def _no_clear_text(dump: str, needles: list[str]) -> list[str]:
    lowered = dump.lower()
    return [needle for needle in needles if needle.lower() in lowered]


@pytest.mark.django_db
def test_a_sqlite_dump_holds_no_address_or_name(council, staff_client):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite dump; PostgreSQL has its own test")
    needles = _fill_with_personal_data(council, staff_client)
    dump = "\n".join(connection.connection.iterdump())
    assert "members_member" in dump and "ev1:" in dump
    assert _no_clear_text(dump, needles) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_pg_dump_holds_no_address_or_name(council, staff_client):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    needles = _fill_with_personal_data(council, staff_client)
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    result = subprocess.run(
        ["pg_dump", "--no-owner", "-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432),
         "-U", db.get("USER") or "postgres", db["NAME"]],
        capture_output=True, text=True, env=env, timeout=120, check=True)
    assert "members_member" in result.stdout and "ev1:" in result.stdout
    assert _no_clear_text(result.stdout, needles) == []


def test_production_refuses_to_start_without_the_data_keys():
    for missing in ("CIVICPANEL_DATA_KEYS", "CIVICPANEL_INDEX_KEY"):
        env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
        result = _manage("check", env=env)
        assert result.returncode != 0
        assert missing in result.stderr


def test_a_malformed_key_is_reported_by_check():
    result = _manage("check", env={**PRODUCTION_ENV, "CIVICPANEL_DATA_KEYS": "k1:c2hvcnQ="})
    assert result.returncode != 0 and "32 bytes" in result.stderr


def test_the_development_key_is_named_as_such_and_never_used_in_production(settings):
    settings.CIVICPANEL_DATA_KEYS = ""
    assert crypto.keyring().current_id == "dev"
    settings.PRODUCTION = True
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        crypto.keyring()


def test_generate_data_key_prints_a_usable_key(capsys, settings):
    call_command("generate_data_key", key_id="k2")
    entry = capsys.readouterr().out.strip()
    settings.CIVICPANEL_DATA_KEYS = entry
    assert crypto.keyring().current_id == "k2"
    assert crypto.decrypt(crypto.encrypt("x")) == "x"


@pytest.mark.django_db
def test_queryset_update_encrypts_too(council):
    member = MemberFactory(council=council, email="up@example.dk", name="Before")
    Member.objects.filter(pk=member.pk).update(name="After", email_hash=F("email_hash"))
    assert stored(member, "name").startswith("ev1:")
    assert Member.objects.get(pk=member.pk).name == "After"
