"""A council's data leaves and goes: the operator's command exports everything the council
holds (staff export formats, settings, every table) and then deletes it, and every other
council's rows are exactly as they were (row counts and checksums, table by table)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from civicpanel.audit.models import AuditEvent
from civicpanel.audit.services import audit_record
from civicpanel.common.ledger import ledger_entries
from civicpanel.members.consent import consent_record_add
from civicpanel.members.models import ConsentRecord, Member
from civicpanel.outreach.services import mailing_create
from civicpanel.panel.models import ConsentVersion
from civicpanel.surveys.models import Answer, Response
from civicpanel.tenancy.models import Council
from tests.factories import MemberFactory, council_with_profile, staff_user
from tests.surveys.factories import build_survey, invite

# Tables whose rows are not a council's: sessions, the cache, task results, migrations.
INFRASTRUCTURE = {"django_session", "django_migrations", "civicpanel_cache",
                  "django_tasks_database_dbtaskresult"}


def fill(council: Council, *, members: int = 6) -> dict:
    """A council with staff, members (one of them left), consent, a survey with responses,
    a mailing and audit rows: what a council holds after some months."""
    admin = staff_user(council, "admin", with_totp=False)
    consent = ConsentVersion.objects.get(council=council)
    people = [MemberFactory(council=council, email=f"{council.slug}{i}@example.dk", name=f"Person {council.slug} {i}",
                            status=Member.Status.ACTIVE, consent_version=consent) for i in range(members)]
    for person in people:
        consent_record_add(member=person, version=consent, channel="web", language="da")
    survey = build_survey(council, admin)
    for person in people[:3]:
        invitation, _token = invite(survey, person)
        response = Response.objects.create(survey=survey, invitation=invitation, language="da",
                                           completed_at=timezone.now())
        Answer.objects.create(response=response, question=survey.q["transport"], value="1")
        Answer.objects.create(response=response, question=survey.q["why"], value=f"too fast in {council.slug}")
    mailing_create(council=council, actor=admin, message_type="survey_invitation",
                   member_ids=[p.pk for p in people[3:]], extra_context={"survey_title": "Traffic"})
    audit_record(council=council, actor=admin, action="member.view", member_ids=[people[0].pk])
    from civicpanel.members.services import member_leave

    member_leave(member=people[-1])
    return {"admin": admin, "members": people, "survey": survey}


def snapshot() -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of all its rows (sorted), as the database has them."""
    result = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            if table in INFRASTRUCTURE:
                continue
            if table == "audit_auditevent":  # the install's own log gains the removal (council empty)
                cursor.execute("SELECT * FROM audit_auditevent WHERE council_id IS NOT NULL")
            else:
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = sorted(repr(tuple(str(v) for v in row)) for row in cursor.fetchall())
            result[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return result


@pytest.mark.django_db(transaction=True)
def test_removing_a_council_exports_it_then_leaves_only_the_others(tmp_path):
    valby = council_with_profile(slug="valby", name="Valby Lokaludvalg")
    bergen = council_with_profile(slug="bergen", name="Årstad bydel", country="NO", default_language="nb")
    fill(valby)
    fill(bergen, members=3)
    shared = staff_user(valby, "manager", with_totp=False)  # also works for the council that goes
    before = snapshot()

    amager = council_with_profile(slug="amager", name="Amager Øst")
    world = fill(amager, members=8)
    from civicpanel.accounts.models import StaffMembership

    StaffMembership.objects.create(user=shared, council=amager, role="analyst")
    assert snapshot() != before

    out = io.StringIO()
    call_command("council_remove", "amager", out=str(tmp_path), confirm="amager", stdout=out)

    # Gone: no row of the council is left anywhere, and the staff who served only it are gone.
    assert not Council.objects.filter(slug="amager").exists()
    assert not Member.objects.filter(pk__in=[m.pk for m in world["members"]]).exists()
    assert not ConsentRecord.objects.filter(member_id__in=[m.pk for m in world["members"]]).exists()
    assert not AuditEvent.objects.filter(council_id=amager.pk).exists()
    from civicpanel.accounts.models import User

    assert not User.objects.filter(pk=world["admin"].pk).exists() and User.objects.filter(pk=shared.pk).exists()
    # Every other council exactly as it was, table by table.
    after = snapshot()
    changed = {table: (before[table], after.get(table)) for table in before if before[table] != after.get(table)}
    assert changed == {}
    assert set(after) == set(before)
    removal = AuditEvent.objects.get(action="council.removed")
    assert removal.council_id is None and removal.detail["slug"] == "amager"
    assert removal.detail["deleted"]["members.Member"] == 8
    # The ledger has it, so that a restore from an older backup removes the council again.
    assert [e["action"] for e in ledger_entries()][-1] == "council_removed"

    # The export: staff formats, settings, every table, and a manifest with checksums.
    archive = next(tmp_path.glob("amager-*.zip"))
    with zipfile.ZipFile(archive) as zipped:
        names = set(zipped.namelist())
        root = next(iter(names)).split("/")[0]
        manifest = json.loads(zipped.read(f"{root}/manifest.json"))
        for name, digest in manifest["files"].items():
            assert hashlib.sha256(zipped.read(f"{root}/{name}")).hexdigest() == digest
        members_csv = list(csv.reader(io.StringIO(zipped.read(f"{root}/members/members.csv").decode("utf-8-sig"))))
        survey_id = world["survey"].pk
        responses = zipped.read(f"{root}/surveys/survey-{survey_id}-responses.csv").decode("utf-8-sig")
        settings_json = json.loads(zipped.read(f"{root}/tenancy/settings.json"))
        tables = {name.split("/")[-1] for name in names if "/tables/" in name}
        consents = zipped.read(f"{root}/members/consent-records.csv").decode("utf-8-sig")
        staff = zipped.read(f"{root}/staff/staff.csv").decode("utf-8-sig")
        audit_rows = json.loads(zipped.read(f"{root}/tables/audit.AuditEvent.json"))
    assert manifest["row_counts"]["members.Member"] == 8
    assert {f"{root}/surveys/survey-{survey_id}-responses.xlsx", f"{root}/surveys/survey-{survey_id}-codebook.csv"} <= names
    assert members_csv[0][:3] == ["number", "email", "name"] and len(members_csv) == 9
    assert "amager0@example.dk" in {row[1] for row in members_csv}  # in clear: it is the council's own data
    assert "too fast in amager" in responses
    assert settings_json["council"]["slug"] == "amager" and len(settings_json["districts"]) >= 1
    assert {"members.Member.json", "surveys.Answer.json", "outreach.Delivery.json", "members.ConsentRecord.json",
            "accounts.StaffMembership.json", "audit.AuditEvent.json"} <= tables
    assert consents.count("\n") == 9 and world["admin"].email in staff
    assert {"member.export", "survey.export"} <= {row["action"] for row in audit_rows}  # the export itself


@pytest.mark.django_db
def test_the_command_wants_the_name_twice_and_an_existing_council(tmp_path, council):
    with pytest.raises(CommandError, match="confirm"):
        call_command("council_remove", council.slug, out=str(tmp_path), confirm="other")
    with pytest.raises(CommandError, match="No council"):
        call_command("council_remove", "nowhere", out=str(tmp_path), confirm="nowhere")
    assert Council.objects.filter(pk=council.pk).exists() and not list(tmp_path.iterdir())


@pytest.mark.django_db
def test_export_alone_deletes_nothing(tmp_path, council):
    fill(council, members=2)
    call_command("council_export", council.slug, out=str(tmp_path), no_zip=True, stdout=io.StringIO())
    folder = next(tmp_path.iterdir())
    assert (folder / "manifest.json").exists() and not list(tmp_path.glob("*.zip"))
    assert Member.objects.filter(council=council).count() == 2


@pytest.mark.django_db
def test_plain_council_delete_is_still_refused(council):
    """Outside the operator's command the audit log keeps a council from being deleted."""
    from django.db.models import ProtectedError

    audit_record(council=council, actor=None, action="member.view")
    with pytest.raises(ProtectedError):
        council.delete()


def test_every_council_table_is_reached_by_the_export():
    """A new model that belongs to a council must be reachable from it, or the export and the
    purge would miss it (the purge relies on the database cascading from the council row)."""
    from civicpanel.tenancy.removal import _path_to_council

    unreachable = []
    for model in apps.get_models():
        if model._meta.app_label.startswith(("auth", "contenttypes", "sessions", "account", "mfa", "django_tasks")):
            continue
        if model._meta.label in {"tenancy.Council", "accounts.User"}:
            continue
        if _path_to_council(model) is None:
            unreachable.append(model._meta.label)
    assert unreachable == []
