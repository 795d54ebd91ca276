"""Staff member pages: list and search, one member, pause/resume, edit, export; roles, tenants
and the audit trail."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone, translation

from civicpanel.audit.models import AuditEvent
from civicpanel.members.consent import consent_record_add
from civicpanel.members.models import Member, MemberAnswer
from civicpanel.panel.models import ConsentVersion, ProfileQuestion
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


def answer(member, key, *codes):
    question = ProfileQuestion.objects.get(council=member.council, key=key)
    for code in codes:
        MemberAnswer.objects.create(member=member, question=question, option=question.options.get(code=code))


def member_with_profile(council, **kwargs):
    kwargs.setdefault("district", council.districts.get(name="Vigerslev"))
    kwargs.setdefault("birth_year", YEAR - 30)
    member = MemberFactory(council=council, **kwargs)
    answer(member, "gender", "woman")
    answer(member, "interests", "green", "culture")
    return member


STAFF_MEMBER_URLS = ["/staff/members/", "/staff/members/import/", "/staff/members/export.csv",
                     "/staff/members/import/template.csv"]


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_admin_and_manager_reach_the_member_pages(role, council, staff_client):
    member = member_with_profile(council)
    client = staff_client(role)
    for url in [*STAFF_MEMBER_URLS, f"/staff/members/{member.pk}/", f"/staff/members/{member.pk}/edit/"]:
        assert client.get(url).status_code == 200, url


def test_analyst_gets_403_on_member_pages_but_sees_the_dashboard(council, staff_client):
    member = member_with_profile(council)
    client = staff_client("analyst")
    for url in [*STAFF_MEMBER_URLS, f"/staff/members/{member.pk}/", f"/staff/members/{member.pk}/edit/"]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/staff/members/{member.pk}/status/", {"status": "paused"}).status_code == 403
    assert client.post("/staff/members/import/", {}).status_code == 403
    assert client.get("/staff/representativeness/").status_code == 200
    assert not AuditEvent.objects.filter(action__startswith="member.").exists()
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE


def test_staff_of_one_council_gets_404_for_members_of_another(council, other_council, staff_client):
    theirs = member_with_profile(other_council, district=other_council.districts.first())
    client = staff_client("admin", council=council)
    assert client.get(f"/staff/members/{theirs.pk}/").status_code == 404
    assert client.get(f"/staff/members/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/staff/members/{theirs.pk}/status/", {"status": "paused"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Member.Status.ACTIVE
    # Nor do they show up in the list or the export.
    assert theirs.email not in client.get("/staff/members/").content.decode()
    assert theirs.email not in client.get("/staff/members/export.csv").content.decode("utf-8-sig")


def test_list_shows_members_counts_and_is_audited(council, staff_client):
    anna = member_with_profile(council, name="Anna Holm", email="anna@example.net", birth_year=YEAR - 20)
    MemberFactory(council=council, name="Bo Dahl", email="bo@example.net", status=Member.Status.PAUSED)
    client = staff_client("manager")
    page = client.get("/staff/members/").content.decode()
    assert "Anna Holm" in page and "anna@example.net" in page and "Bo Dahl" in page
    assert f"#{anna.pk}" in page and "Vigerslev" in page
    event = AuditEvent.objects.get(action="member.list")
    assert event.actor == client.user and event.council == council
    assert sorted(event.member_ids) == sorted(Member.objects.values_list("pk", flat=True))


def test_search_is_audited_with_the_filter(council, staff_client):
    anna = member_with_profile(council, name="Anna Holm")
    MemberFactory(council=council, name="Bo Dahl")
    client = staff_client("manager")
    response = client.get("/staff/members/", {"q": "holm", "gender": "woman", "status": "active"})
    page = response.content.decode()
    assert "Anna Holm" in page and "Bo Dahl" not in page
    assert response.context["listing"].total == 1
    assert response.context["listing"].status_counts["active"] == 1
    event = AuditEvent.objects.get(action="member.search")
    # The search text may be a resident's name or e-mail: the log keeps only its length.
    assert event.detail["filter"] == {"q": "<search text, 4 characters>", "gender": ["woman"], "status": ["active"]}
    assert event.member_ids == [anna.pk]


def test_status_counts_ignore_the_status_filter_but_total_follows_it(council, staff_client):
    member_with_profile(council)
    member_with_profile(council, status=Member.Status.PAUSED)
    member_with_profile(council, status=Member.Status.PENDING)
    response = staff_client("manager").get("/staff/members/", {"status": "paused", "gender": "woman"})
    listing = response.context["listing"]
    assert listing.total == 1
    assert listing.status_counts == {"pending": 1, "active": 1, "paused": 1, "left": 0}


def test_list_query_count_does_not_grow_with_members(council, staff_client, django_assert_max_num_queries):
    client = staff_client("manager")
    for _ in range(3):
        member_with_profile(council)
    with django_assert_max_num_queries(20) as few:
        assert client.get("/staff/members/", {"gender": "woman"}).status_code == 200
    for _ in range(40):
        member_with_profile(council)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/staff/members/", {"gender": "woman"})
    assert response.context["listing"].total == 43
    assert len(response.context["listing"].rows) == 43


def test_member_page_shows_profile_consent_and_is_audited(council, staff_client):
    member = member_with_profile(council, name="Anna Holm", source="poster")
    consent_record_add(member=member, version=ConsentVersion.objects.get(council=council, version=1), channel="paper")
    client = staff_client("manager")
    page = client.get(f"/staff/members/{member.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Anna Holm" in page and "poster" in page and "v1" in page
    assert "Vigerslev" in page and str(YEAR - 30) in page
    event = AuditEvent.objects.get(action="member.view")
    assert event.member_ids == [member.pk] and event.object_id == str(member.pk)


def test_manager_pauses_and_resumes(council, staff_client):
    member = member_with_profile(council)
    client = staff_client("manager")
    url = f"/staff/members/{member.pk}/status/"
    assert client.post(url, {"status": "paused"}).status_code == 302
    member.refresh_from_db()
    assert member.status == Member.Status.PAUSED
    # A second click changes nothing and writes no second row.
    client.post(url, {"status": "paused"})
    assert AuditEvent.objects.filter(action="member.update").count() == 1
    client.post(url, {"status": "active"})
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    event = AuditEvent.objects.filter(action="member.update").first()
    assert event.detail["status"] == ["paused", "active"] and event.member_ids == [member.pk]


def test_a_pending_member_cannot_be_activated_by_staff(council, staff_client):
    member = member_with_profile(council, status=Member.Status.PENDING)
    client = staff_client("manager")
    response = client.post(f"/staff/members/{member.pk}/status/", {"status": "active"}, follow=True)
    member.refresh_from_db()
    assert member.status == Member.Status.PENDING
    assert not AuditEvent.objects.filter(action="member.update").exists()
    assert response.status_code == 200


def test_manager_edits_the_profile(council, staff_client):
    member = member_with_profile(council, name="Anna")
    client = staff_client("manager")
    vigerslev_code = member.district.profile_option.code
    response = client.post(f"/staff/members/{member.pk}/edit/", {
        "name": "Anna Holm", "language": "en", "gender": "other", "birth_year": str(YEAR - 50),
        "district": vigerslev_code, "postal_code": "2500", "interests": ["traffic"],
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    member.refresh_from_db()
    assert (member.name, member.language, member.birth_year) == ("Anna Holm", "en", YEAR - 50)
    codes = sorted(MemberAnswer.objects.filter(member=member).values_list("option__code", flat=True))
    assert codes == ["other", "traffic"]
    event = AuditEvent.objects.get(action="member.update")
    assert event.detail["fields"] == ["name", "language", "birth_year", "gender", "interests", "postal_code"]
    assert "Anna" not in str(event.detail)


def test_edit_with_a_wrong_postal_code_says_so_and_changes_nothing(council, staff_client):
    member = member_with_profile(council, name="Anna")
    client = staff_client("manager")
    response = client.post(f"/staff/members/{member.pk}/edit/", {
        "name": "Changed", "language": "da", "postal_code": "9999", "gender": "man",
    })
    assert response.status_code == 200
    assert "9999" in response.content.decode()
    member.refresh_from_db()
    assert member.name == "Anna"
    assert not AuditEvent.objects.filter(action="member.update").exists()


def test_export_is_filtered_formula_safe_and_audited(council, staff_client):
    evil = member_with_profile(council, name='=HYPERLINK("http://evil.example","click")', email="evil@example.net")
    MemberFactory(council=council, name="Bo Dahl")  # no gender answer: filtered out
    client = staff_client("manager")
    response = client.get("/staff/members/export.csv", {"gender": "woman"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, data = rows[0], rows[1:]
    assert len(data) == 1
    row = dict(zip(header, data[0], strict=True))
    assert row["name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["email"] == "evil@example.net"
    assert row["gender"] == "woman" and row["interests"] == "culture|green"
    event = AuditEvent.objects.get(action="member.export")
    assert event.member_ids == [evil.pk]
    assert event.detail["filter"] == {"gender": ["woman"]} and event.detail["count"] == 1


def test_an_unreadable_filter_never_falls_back_to_everyone(council, staff_client):
    member_with_profile(council, name="Anna Holm")
    client = staff_client("manager")
    response = client.get("/staff/members/", {"gender": "robot"})
    assert response.status_code == 400 and "Anna Holm" not in response.content.decode()
    response = client.get("/staff/members/export.csv", {"joined_after": "not a date"})
    assert response.status_code == 302 and "/staff/members/?" in response["Location"]
    assert not AuditEvent.objects.filter(action__in=["member.export", "member.list", "member.search"]).exists()


def test_export_query_count_does_not_grow_with_members(council, staff_client, django_assert_max_num_queries):
    client = staff_client("manager")
    member_with_profile(council)
    with django_assert_max_num_queries(25) as few:
        client.get("/staff/members/export.csv")
    for _ in range(30):
        member_with_profile(council)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/staff/members/export.csv")
    assert response.content.decode("utf-8-sig").count("\n") == 32


def test_link_to_confirm_for_every_pending_member_in_the_filter(council, staff_client, mailoutbox,
                                                               django_capture_on_commit_callbacks):
    woman = member_with_profile(council, status=Member.Status.PENDING, email="w@example.net")
    MemberFactory(council=council, status=Member.Status.PENDING, email="nogender@example.net")
    member_with_profile(council, email="active@example.net")
    client = staff_client("manager")
    assert "E-mail a link to confirm to the 1 member awaiting confirmation" in client.get(
        "/staff/members/", {"gender": "woman"}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/members/invite/?gender=woman&status=active")
        client.post("/staff/members/invite/?gender=woman")  # again at once: nobody is mailed twice
    assert response.status_code == 302 and response["Location"].startswith("/staff/members/?gender=woman")
    assert [m.to for m in mailoutbox] == [["w@example.net"]]
    assert AuditEvent.objects.get(action="member.confirmation_invite").member_ids == [woman.pk]
    assert staff_client("analyst").post("/staff/members/invite/").status_code == 403


def test_profile_filters_start_open_only_when_used(council, staff_client):
    client = staff_client("manager")
    assert '<details class="details profile-filters" open>' in client.get("/staff/members/", {"gender": "woman"}).content.decode()
    assert '<details class="details profile-filters">' in client.get("/staff/members/", {"q": "anna"}).content.decode()
