"""Self-service without a password: login links, profile, e-mail choices, data export, consent."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re

import pytest
from django.utils import timezone

from civicpanel.audit.models import AuditEvent
from civicpanel.members import erasure
from civicpanel.members.consent import consent_record_add
from civicpanel.members.erasure import register_member_data_provider
from civicpanel.members.models import ConsentRecord, Member, MemberAnswer, MemberToken
from civicpanel.members.profile import member_profile_get, member_profile_set
from civicpanel.members.views import SESSION_COUNCIL, SESSION_MEMBER
from civicpanel.panel.models import ConsentVersion
from tests.factories import MemberFactory
from tests.members.conftest import link_path

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def make_member(council, **kwargs) -> Member:
    consent = ConsentVersion.objects.filter(council=council).order_by("-version").first()
    kwargs.setdefault("email", "bo@example.org")
    kwargs.setdefault("name", "Bo Berg")
    member = MemberFactory(council=council, consent_version=consent, consent_given_at=timezone.now(),
                           confirmed_at=timezone.now(), language="en", **kwargs)
    consent_record_add(member=member, version=consent, channel="web")
    member_profile_set(member=member, values={
        "gender": "man", "birth_year": YEAR - 50, "district": "gammel-valby", "postal_code": "2450",
        "education": "vocational", "employment": "employed", "housing": "cooperative", "interests": ["traffic"],
    }, partial=False)
    return member


def log_in(client, member):
    session = client.session
    session[SESSION_MEMBER] = member.pk
    session[SESSION_COUNCIL] = member.council_id
    session.save()
    return client


def _visible(response) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)


# --- Login links -------------------------------------------------------------------------------

def test_login_answers_the_same_for_known_and_unknown(resident_client, council, mailoutbox):
    member = make_member(council)
    results = []
    for email in ("bo@example.org", "nobody@example.org"):
        response = resident_client.post("/me/login/", {"email": email})
        follow = resident_client.get(response["Location"])
        results.append((response.status_code, response["Location"], follow.status_code, _visible(follow)))
    assert results[0] == results[1]
    assert [m.to for m in mailoutbox] == [["bo@example.org"]]
    path = link_path(mailoutbox[0])
    assert path.startswith("/me/login/")

    # Opening the link does not use it up (mail scanners open links); the button does.
    assert resident_client.get("/me/").status_code == 302
    opened = resident_client.get(path, follow=True)
    assert opened.status_code == 200 and opened.redirect_chain == [("/me/login/continue/", 302)]
    response = resident_client.post(path)
    assert response.status_code == 302 and response["Location"] == "/me/"
    page = resident_client.get("/me/")
    assert page.status_code == 200 and b"bo@example.org" in page.content
    member.refresh_from_db()
    assert member.last_active_at is not None

    # Single use.
    resident_client.post("/me/logout/")
    assert resident_client.get("/me/").status_code == 302
    again = resident_client.post(path)
    assert again.status_code == 410 and b"no longer works" in again.content


def test_expired_login_link(resident_client, council, mailoutbox):
    make_member(council)
    resident_client.post("/me/login/", {"email": "bo@example.org"})
    MemberToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    path = link_path(mailoutbox[0])
    assert resident_client.get(path).status_code == 410
    assert resident_client.post(path).status_code == 410
    assert resident_client.get("/me/").status_code == 302


def test_login_link_expires_within_an_hour(resident_client, council, mailoutbox):
    make_member(council)
    resident_client.post("/me/login/", {"email": "bo@example.org"})
    token = MemberToken.objects.get(purpose=MemberToken.Purpose.LOGIN)
    assert token.expires_at - timezone.now() <= datetime.timedelta(hours=1)


def test_login_rate_limit(resident_client, council):
    from civicpanel.members import services

    for number in range(services.LOGIN_LIMIT_PER_IP):
        assert resident_client.post("/me/login/", {"email": f"x{number}@example.org"}).status_code == 302
    response = resident_client.post("/me/login/", {"email": "y@example.org"})
    assert response.status_code == 429


def test_login_link_and_session_stay_on_their_council(resident_client, site_client_for, council, other_council,
                                                      mailoutbox):
    member = make_member(council)
    resident_client.post("/me/login/", {"email": "bo@example.org"})
    path = link_path(mailoutbox[0])
    other = site_client_for(other_council)
    assert other.post(path).status_code == 410
    # A session made on one council's site is no session on another's.
    log_in(other, member)
    assert other.get("/me/").status_code == 302


def test_left_or_unknown_members_get_no_link(resident_client, council, mailoutbox):
    make_member(council, email="gone@example.org", status=Member.Status.LEFT)
    resident_client.post("/me/login/", {"email": "gone@example.org"})
    assert not mailoutbox


def test_login_email_in_the_members_language(resident_client, council, mailoutbox):
    member = make_member(council)
    Member.objects.filter(pk=member.pk).update(language="da")
    resident_client.post("/me/login/", {"email": "bo@example.org"})
    html, mimetype = mailoutbox[0].alternatives[0]
    assert mimetype == "text/html" and '<html lang="da">' in html
    # The visitor's browser is English; the e-mail follows the member's language.
    assert mailoutbox[0].subject != "Your login link for the citizen panel of Valby Lokaludvalg"


# --- Profile and preferences ----------------------------------------------------------------------

def test_profile_change(resident_client, council):
    member = make_member(council)
    log_in(resident_client, member)
    page = resident_client.get("/me/profile/")
    assert page.status_code == 200
    assert page.context["form"].initial["district"] == "gammel-valby"
    data = {"name": "Bo B.", "gender": "man", "birth_year": str(YEAR - 51), "district": "vigerslev",
            "postal_code": "2500", "education": "master", "employment": "retired", "housing": "owner",
            "interests": ["green", "elderly"]}
    response = resident_client.post("/me/profile/", data)
    assert response.status_code == 302 and response["Location"] == "/me/"
    member.refresh_from_db()
    assert member.name == "Bo B." and member.birth_year == YEAR - 51 and member.district.name == "Vigerslev"
    assert member_profile_get(member)["interests"] == ["green", "elderly"]
    assert member_profile_get(member)["education"] == "master"
    assert AuditEvent.objects.filter(action="member.profile_update", member_ids=[member.pk]).exists()
    home = resident_client.get("/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert b"Bo B." in home.content


def test_profile_change_refuses_bad_input_and_keeps_the_old(resident_client, council):
    member = make_member(council)
    log_in(resident_client, member)
    response = resident_client.post("/me/profile/", {"name": "X", "gender": "man", "birth_year": str(YEAR - 3),
                                                     "district": "vigerslev", "education": "master",
                                                     "employment": "retired", "housing": "owner"})
    assert response.status_code == 200 and "birth_year" in response.context["form"].errors
    member.refresh_from_db()
    assert member.name == "Bo Berg" and member.birth_year == YEAR - 50
    assert MemberAnswer.objects.filter(member=member, option__code="vocational").exists()


def test_preferences_and_language(resident_client, council):
    member = make_member(council)
    log_in(resident_client, member)
    response = resident_client.post("/me/preferences/", {"wants_surveys": "on", "language": "nb"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.wants_surveys, member.wants_events, member.wants_news) == (True, False, False)
    assert member.language == "nb"
    assert response.cookies["django_language"].value == "nb"
    response = resident_client.post("/me/preferences/", {"language": "xx"})
    assert response.status_code == 200 and "language" in response.context["form"].errors


def test_member_pages_need_a_session(resident_client, council):
    # The login page keeps the page asked for, so that the login link leads back to it.
    for url in ("/me/", "/me/profile/", "/me/preferences/", "/me/data/", "/me/data/my-data.json",
                "/me/data/my-data.csv", "/me/consent/", "/me/leave/"):
        response = resident_client.get(url)
        expected = "/me/login/" if url == "/me/" else f"/me/login/?next={url}"
        assert response.status_code == 302 and response["Location"] == expected, url


def test_member_home_query_count(resident_client, council, django_assert_max_num_queries):
    member = make_member(council)
    log_in(resident_client, member)
    with django_assert_max_num_queries(10):
        response = resident_client.get("/me/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]  # personal data is never cached


# --- Data export -----------------------------------------------------------------------------------

def test_json_export(resident_client, council, monkeypatch):
    member = make_member(council)
    log_in(resident_client, member)
    monkeypatch.setattr(erasure, "_providers", list(erasure._providers))
    register_member_data_provider(_survey_rows)
    response = resident_client.get("/me/data/my-data.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["member"]["email"] == "bo@example.org" and data["member"]["name"] == "Bo Berg"
    assert data["member"]["status"] == "active"
    profile = {row["key"]: row["answer"] for row in data["profile"]}
    assert profile["birth_year"] == YEAR - 50
    assert profile["district"] == "Gammel Valby" and profile["postal_code"] == "2450"
    assert profile["interests"] == ["Trafik og cykling"] or profile["interests"] == ["Traffic and cycling"]
    consent = ConsentVersion.objects.get(council=council)
    record = data["consents"][0]
    assert record["version"] == 1 and record["text"] == consent.text[record["language"]]  # the words agreed to
    assert record["given_at"] and record["purpose"] == "panel" and len(record["text_sha256"]) == 64
    assert data["test_survey_answers"] == [{"survey": "Parks", "answer": "More trees"}]
    assert AuditEvent.objects.filter(action="member.export_own", member_ids=[member.pk]).exists()


def _survey_rows(member):
    return {"test_survey_answers": [{"survey": "Parks", "answer": "More trees"}]}


def test_csv_export(resident_client, council):
    member = make_member(council, name="=HYPERLINK(evil)")
    log_in(resident_client, member)
    response = resident_client.get("/me/data/my-data.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["section", "item", "field", "value"]
    values = {(section, field): value for section, _item, field, value in rows[1:]}
    assert values[("member", "email")] == "bo@example.org"
    assert values[("member", "name")] == "'=HYPERLINK(evil)"  # not a formula in a spreadsheet
    assert values[("consents", "version")] == "1"
    assert ("consents", "text") in values and ("consents", "given_at") in values
    assert any(s == "profile" and v == "Gammel Valby" for s, _i, f, v in rows[1:])


# --- Consent renewal ---------------------------------------------------------------------------------

def test_changed_consent_text_banner_and_renewal(resident_client, council):
    member = make_member(council)
    log_in(resident_client, member)
    assert b"consent-banner" not in resident_client.get("/me/").content
    new = ConsentVersion.objects.create(council=council, version=2, text={"en": "Version two wording.",
                                                                          "da": "Version to."})
    page = resident_client.get("/me/")
    assert b"consent-banner" in page.content and b"/me/consent/" in page.content
    consent_page = resident_client.get("/me/consent/", HTTP_ACCEPT_LANGUAGE="en")
    assert consent_page.context["consent"] == new
    assert f'name="consent_version" value="{new.pk}"'.encode() in consent_page.content
    response = resident_client.post("/me/consent/", {"consent": "on", "consent_version": str(new.pk)})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.consent_version == new
    assert list(ConsentRecord.objects.filter(member=member).order_by("given_at").values_list(
        "version__version", flat=True)) == [1, 2]
    assert b"consent-banner" not in resident_client.get("/me/").content


def test_consent_for_an_outdated_version_is_not_recorded(resident_client, council):
    member = make_member(council)
    old = member.consent_version
    log_in(resident_client, member)
    ConsentVersion.objects.create(council=council, version=2, text={"en": "Two"})
    response = resident_client.post("/me/consent/", {"consent": "on", "consent_version": str(old.pk)})
    assert response.status_code == 200 and response.context["form"].changed
    member.refresh_from_db()
    assert member.consent_version == old
    assert ConsentRecord.objects.filter(member=member).count() == 1
