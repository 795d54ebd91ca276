"""CSV import of members: the dry run reports every bad line and imports nothing; the import is
all or nothing, and bad lines are skipped only when the staff member says so."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from civicpanel.audit.models import AuditEvent
from civicpanel.members.imports import ImportRefused, import_check, members_import
from civicpanel.members.models import ConsentRecord, Member, MemberAnswer
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Assert on the English source texts, whatever translations exist."""
    with translation.override("en"):
        yield


@pytest.fixture
def staff_client(staff_client):
    def make(*args, **kwargs):
        client = staff_client(*args, **kwargs)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make

YEAR = timezone.localdate().year

GOOD_AND_BAD = f"""email;name;language;birth_year;postal_code;district;gender;interests
anna@example.net;Anna Holm;da;{YEAR - 30};2450;;woman;green|traffic
;No Mail;da;1980;;;;
not-an-email;Bad Mail;da;1980;;;;
anna@example.net;Anna Again;da;1980;;;;
known@example.net;Known;da;1980;;;;
bo@example.net;Bo;da;1980;;;robot;
cille@example.net;Cille;da;{YEAR - 10};;;;
dan@example.net;Dan;da;1980;9999;;;
;;;;;;;
eva@example.net;Eva;en;1985;;vigerslev;Kvinde;Parks and nature|Kultur og fritid
"""


def upload(client, text, name="members.csv"):
    return client.post("/staff/members/import/", {"file": SimpleUploadedFile(name, text.encode("utf-8"), "text/csv")})


@pytest.fixture
def known(council):
    return MemberFactory(council=council, email="known@example.net")


def test_dry_run_reports_each_bad_line_and_imports_nothing(council, known, staff_client):
    client = staff_client("manager")
    response = upload(client, GOOD_AND_BAD)
    assert response.status_code == 200
    report = response.context["report"]
    errors = {line.number: " ".join(line.errors) for line in report.bad}
    assert errors[3] == "missing e-mail"
    assert "invalid e-mail “not-an-email”" in errors[4]
    assert "duplicate within the file: the same e-mail as line 2" in errors[5]
    assert f"already a member (number {known.pk})" in errors[6]
    assert "unknown category “robot” for question" in errors[7]
    assert f"born in {YEAR - 10}: younger than the council's minimum age of 15" in errors[8]
    assert "postal code 9999 is outside" in errors[9]
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9]
    assert [line.number for line in report.empty] == [10]
    assert [line.number for line in report.good] == [2, 11]
    page = response.content.decode()
    assert "missing e-mail" in page and "Nothing has been imported yet." in page
    assert Member.objects.filter(council=council).count() == 1  # only `known`
    assert AuditEvent.objects.get(action="member.import_check").member_ids == [known.pk]


def test_confirm_without_skipping_imports_nothing(council, known, staff_client):
    client = staff_client("manager")
    content = upload(client, GOOD_AND_BAD).context["confirm_form"].initial["content"]
    response = client.post("/staff/members/import/", {"confirm": "1", "content": content, "filename": "members.csv"})
    assert response.status_code == 400
    assert "7 line(s) have errors. Nothing was imported." in response.content.decode()
    assert Member.objects.filter(council=council).count() == 1
    assert not AuditEvent.objects.filter(action="member.import").exists()


def test_skip_bad_lines_imports_the_good_ones_as_pending(council, known, staff_client):
    client = staff_client("manager")
    content = upload(client, GOOD_AND_BAD).context["confirm_form"].initial["content"]
    response = client.post("/staff/members/import/", {"confirm": "1", "content": content, "filename": "members.csv",
                                                      "skip_bad_lines": "on"})
    assert response.status_code == 200
    assert "2 members were imported." in response.content.decode()
    anna = Member.objects.by_email("anna@example.net", council=council).get()
    eva = Member.objects.by_email("eva@example.net", council=council).get()
    assert anna.status == eva.status == Member.Status.PENDING
    assert anna.source == "import" and anna.consent_version is None
    assert anna.birth_year == YEAR - 30 and anna.postal_code == "2450"
    assert anna.district.name == "Gammel Valby"  # 2450 belongs to one district only
    assert eva.district.name == "Vigerslev" and eva.language == "en"
    assert sorted(MemberAnswer.objects.filter(member=anna).values_list("option__code", flat=True)) == [
        "green", "traffic", "woman"]
    # Labels in any council language are understood.
    assert sorted(MemberAnswer.objects.filter(member=eva).values_list("option__code", flat=True)) == [
        "culture", "green", "woman"]
    event = AuditEvent.objects.get(action="member.import")
    assert event.detail["count"] == 2 and event.detail["skipped_lines"] == [3, 4, 5, 6, 7, 8, 9]
    assert sorted(event.member_ids) == sorted([anna.pk, eva.pk])
    # A second click on the same form imports nobody twice.
    client.post("/staff/members/import/", {"confirm": "1", "content": content, "filename": "members.csv",
                                           "skip_bad_lines": "on"})
    assert Member.objects.by_email("anna@example.net", council=council).count() == 1


def test_consent_documented_makes_active_members_with_the_consent_recorded(council):
    text = "email,name\nanna@example.net,Anna\nbo@example.net,Bo\n"
    result = members_import(council=council, actor=None, data=text.encode(), consent_documented=True)
    assert result.count == 2 and result.status == Member.Status.ACTIVE
    anna = Member.objects.by_email("anna@example.net", council=council).get()
    assert anna.status == Member.Status.ACTIVE and anna.consent_version.version == 1
    assert anna.confirmed_at is not None
    assert ConsentRecord.objects.filter(member__council=council).count() == 2


def test_import_is_all_or_nothing(council, monkeypatch):
    text = "email\nanna@example.net\nbo@example.net\n"

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("civicpanel.members.imports.audit_record", broken)
    with pytest.raises(RuntimeError):
        members_import(council=council, actor=None, data=text.encode())
    assert not Member.objects.filter(council=council).exists()


def test_unreadable_file_and_missing_email_column(council, staff_client):
    client = staff_client("manager")
    response = upload(client, "name;gender\nAnna;woman\n")
    assert "line 1: the column email is missing; the columns found are name, gender." in response.content.decode()
    assert "report" not in response.context or response.context["report"] is None
    with pytest.raises(ImportRefused):
        import_check(council=council, data=b"")
    # In the staff member's language.
    from django.utils import translation

    for language, text in (("da", "linje 1: kolonnen email mangler; de fundne kolonner er name, gender."),
                           ("nb", "linje 1: kolonnen email mangler; kolonnene som ble funnet, er name, gender.")):
        with translation.override(language), pytest.raises(ImportRefused) as refused:
            import_check(council=council, data=b"name;gender\nAnna;woman\n")
        assert text in str(refused.value)
        with translation.override(language), pytest.raises(ImportRefused) as refused:
            import_check(council=council, data=b"")
        assert "filen er tom" in str(refused.value)


def test_single_choice_with_two_answers_and_ambiguous_postal_code(council):
    report = import_check(council=council, data=b"email,gender,postal_code\na@example.net,woman|man,\nb@example.net,,2500\n")
    errors = {line.number: " ".join(line.errors) for line in report.bad}
    assert "only one answer allowed" in errors[2]
    assert "postal code 2500 covers several districts" in errors[3]


def test_semicolon_file_in_windows_1252_from_excel(council):
    data = "email;name;gender\nase@example.net;Åse Ærø;Kvinde\n".encode("cp1252")
    report = import_check(council=council, data=data)
    assert not report.bad and report.good[0].name == "Åse Ærø"


def test_template_csv_has_every_column(council, staff_client):
    response = staff_client("manager").get("/staff/members/import/template.csv")
    header = response.content.decode("utf-8-sig").strip().split(",")
    assert header[:4] == ["email", "name", "language", "postal_code"]
    assert {"gender", "birth_year", "district", "education", "interests"} <= set(header)


def test_birth_year_as_a_spreadsheet_writes_it(council):
    report = import_check(council=council, data=b"email,birth_year\na@example.net,1984.0\nb@example.net,19x4\n")
    assert report.good[0].birth_year == 1984
    assert "“19x4” is not a year of birth" in report.bad[0].errors[0]


def test_imported_members_are_invited_and_confirm_with_consent(council, staff_client, mailoutbox,
                                                             django_capture_on_commit_callbacks):
    import re

    from django.test import Client

    from civicpanel.panel.models import ConsentVersion

    client = staff_client("manager")
    content = upload(client, "email,name\nanna@example.net,Anna\nbo@example.net,Bo\n").context["confirm_form"].initial["content"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/members/import/", {"confirm": "1", "content": content, "filename": "m.csv",
                                                          "invite": "on"})
    assert "2 e-mails with a link to confirm are on their way." in response.content.decode()
    assert sorted(m.to[0] for m in mailoutbox) == ["anna@example.net", "bo@example.net"]
    assert AuditEvent.objects.get(action="member.import").detail["invited"] == 2
    # The link asks for consent first, and records it.
    message = next(m for m in mailoutbox if m.to == ["anna@example.net"])
    path = re.search(r"http://[\w.:-]+(/[^\s\"<>]+)", message.body).group(1)
    resident = Client(HTTP_HOST=f"{council.slug}.localhost")
    consent = ConsentVersion.objects.get(council=council, version=1)
    assert resident.get(path, follow=True).status_code == 200
    resident.post(path, {"consent": "on", "consent_version": consent.pk})
    anna = Member.objects.by_email("anna@example.net", council=council).get()
    assert anna.status == Member.Status.ACTIVE and anna.consent_version == consent
    assert ConsentRecord.objects.filter(member=anna).count() == 1


def test_without_invite_no_mail_and_a_link_can_be_sent_later(council, staff_client, mailoutbox,
                                                            django_capture_on_commit_callbacks):
    client = staff_client("manager")
    members_import(council=council, actor=client.user, data=b"email\nanna@example.net\n")
    assert mailoutbox == []
    anna = Member.objects.by_email("anna@example.net", council=council).get()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/staff/members/{anna.pk}/invite/").status_code == 302
        client.post(f"/staff/members/{anna.pk}/invite/")  # a double click sends no second e-mail
    assert [m.to for m in mailoutbox] == [["anna@example.net"]]
    active = MemberFactory(council=council)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/staff/members/{active.pk}/invite/")
    assert len(mailoutbox) == 1
