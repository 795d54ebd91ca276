"""Public sign-up with double opt-in: eligibility, consent, campaigns, no enumeration, rate limit."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from civicpanel.members.models import ConsentRecord, Member, MemberToken
from civicpanel.panel.models import Campaign, ConsentVersion
from tests.factories import MemberFactory
from tests.members.conftest import link_path

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def signup_data(council, **overrides) -> dict:
    consent = ConsentVersion.objects.filter(council=council).order_by("-version").first()
    data = {
        "gender": "woman", "birth_year": str(YEAR - 40), "district": "vigerslev", "postal_code": "2500",
        "education": "master", "employment": "employed", "housing": "owner", "interests": ["green", "culture"],
        "email": "Alice@Example.org", "name": "Alice Andersen", "language": "en", "consent": "on",
        "consent_version": str(consent.pk), "campaign": "", "source": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_signup_page_shows_questions_and_exact_consent_text(resident_client, council):
    response = resident_client.get("/join/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    consent = ConsentVersion.objects.get(council=council)
    assert consent.text["en"].split(".")[0] in page
    assert f'name="consent_version" value="{consent.pk}"' in page
    assert 'name="gender"' in page and 'name="birth_year"' in page and 'name="postal_code"' in page


def test_unknown_host_is_404(client, db):
    assert client.get("/join/", HTTP_HOST="nowhere.localhost").status_code == 404


def test_double_opt_in(resident_client, council, mailoutbox):
    response = resident_client.post("/join/", signup_data(council))
    assert response.status_code == 302 and response["Location"] == "/join/check-your-email/"
    member = Member.objects.get(council=council)
    # Nobody is an active member before the link is used.
    assert member.status == Member.Status.PENDING and member.confirmed_at is None
    assert member.email == "alice@example.org"
    assert member.birth_year == YEAR - 40 and member.district.name == "Vigerslev"
    assert sorted(member.answers.values_list("option__code", flat=True)) == [
        "culture", "employed", "green", "master", "owner", "woman"]
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["alice@example.org"]
    assert "Confirm that you want to join" in mail.subject  # member chose English
    path = link_path(mail)
    assert path.startswith("/join/confirm/")
    # The stored hash is not the link, and no row holds the link's token.
    token = MemberToken.objects.get(member=member)
    assert path.split("/")[3] not in token.token_hash and token.salt

    # Opening the link (a mail scanner does that too) changes nothing...
    page = resident_client.get(path, follow=True)
    assert page.status_code == 200 and b"Yes, confirm my membership" in page.content
    # ...and leaves the token out of the address: it is kept (as a hash) in the session.
    assert page.redirect_chain == [("/join/confirm/", 302)]
    member.refresh_from_db()
    assert member.status == Member.Status.PENDING
    # ...the button confirms.
    response = resident_client.post(path)
    assert response.status_code == 302 and response["Location"] == "/me/"
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE and member.confirmed_at is not None
    assert member.last_active_at is not None
    assert resident_client.get("/me/").status_code == 200

    # A second click is harmless.
    again = resident_client.post(path)
    assert again.status_code == 200 and b"already confirmed" in again.content
    assert resident_client.get(path).status_code == 200
    assert Member.objects.filter(council=council).count() == 1


def test_expired_and_unknown_confirm_links(resident_client, council, mailoutbox):
    resident_client.post("/join/", signup_data(council))
    path = link_path(mailoutbox[0])
    MemberToken.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    for response in (resident_client.get(path), resident_client.post(path)):
        assert response.status_code == 410
        assert b"This link has expired" in response.content and b"/me/login/" in response.content
    assert Member.objects.get().status == Member.Status.PENDING
    response = resident_client.get("/join/confirm/not-a-real-token/")
    assert response.status_code == 404 and b"Send me a new link" in response.content
    # A new link can be requested with the same address: a fresh confirmation e-mail.
    resident_client.post("/me/login/", {"email": "alice@example.org"})
    assert len(mailoutbox) == 2 and link_path(mailoutbox[1]).startswith("/join/confirm/")
    assert resident_client.post(link_path(mailoutbox[1])).status_code == 302
    assert Member.objects.get().status == Member.Status.ACTIVE


def test_confirm_link_only_works_on_its_own_council(resident_client, site_client_for, council, other_council,
                                                   mailoutbox):
    resident_client.post("/join/", signup_data(council))
    path = link_path(mailoutbox[0])
    other = site_client_for(other_council)
    assert other.post(path).status_code == 404
    assert Member.objects.get().status == Member.Status.PENDING


def _visible(response) -> bytes:
    """The page without the per-request CSRF token."""
    import re

    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)


def test_known_address_gets_the_same_response_and_no_duplicate(resident_client, council, mailoutbox):
    MemberFactory(council=council, email="known@example.org", name="Known Person", language="en")
    pending = MemberFactory(council=council, email="pending@example.org", status=Member.Status.PENDING)

    responses = {}
    for email in ("new@example.org", "known@example.org", "KNOWN@example.org", "pending@example.org"):
        response = resident_client.post("/join/", signup_data(council, email=email))
        follow = resident_client.get(response["Location"])
        responses[email] = (response.status_code, response["Location"], follow.status_code, _visible(follow))
    assert len(set(responses.values())) == 1

    assert Member.objects.by_email("known@example.org", council=council).count() == 1
    assert Member.objects.filter(council=council).count() == 3
    by_address = {}
    for mail in mailoutbox:
        by_address.setdefault(mail.to[0], []).append(mail)
    assert "Confirm" in by_address["new@example.org"][0].subject or by_address["new@example.org"]
    known_mails = by_address["known@example.org"]
    assert len(known_mails) == 2
    assert all(link_path(m).startswith("/me/login/") for m in known_mails)
    assert "already a member" in known_mails[0].body
    assert link_path(by_address["pending@example.org"][0]).startswith("/join/confirm/")
    pending.refresh_from_db()
    assert pending.status == Member.Status.PENDING
    # The known member's profile was not touched by the stranger's form.
    known = Member.objects.by_email("known@example.org", council=council).get()
    assert known.name == "Known Person" and not known.answers.exists()


@pytest.mark.parametrize("overrides, field, message", [
    ({"birth_year": str(YEAR - 14)}, "birth_year", "15"),
    ({"postal_code": "5000", "district": ""}, "postal_code", "not in the area"),
    ({"postal_code": "", "district": ""}, "district", "district or give your postal code"),
    ({"consent": None}, "consent", "tick the box"),
    ({"gender": None}, "gender", "choose"),
])
def test_eligibility_and_required_answers(resident_client, council, mailoutbox, overrides, field, message):
    response = resident_client.post("/join/", signup_data(council, **overrides), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    assert b"error-summary" in response.content
    assert not Member.objects.exists() and not mailoutbox


def test_postal_code_of_another_council_is_refused(resident_client, council, other_council):
    other_council.districts.update(postal_codes=["5003"])
    response = resident_client.post("/join/", signup_data(council, district="", postal_code="5003"))
    assert response.status_code == 200 and "postal_code" in response.context["form"].errors
    assert not Member.objects.exists()


def test_postal_code_alone_is_enough_when_it_names_one_district(resident_client, council):
    resident_client.post("/join/", signup_data(council, district="", postal_code="2450"))
    assert Member.objects.get().district.name == "Gammel Valby"


def test_consent_recorded_with_the_version_shown(resident_client, council):
    shown = ConsentVersion.objects.get(council=council)
    resident_client.post("/join/", signup_data(council))
    member = Member.objects.get()
    record = ConsentRecord.objects.get(member=member)
    assert record.version == shown and member.consent_version == shown and member.consent_given_at


def test_consent_changed_while_page_open_shows_the_new_text(resident_client, council, mailoutbox):
    old = ConsentVersion.objects.get(council=council)
    data = signup_data(council)
    new = ConsentVersion.objects.create(council=council, version=2, text={"en": "Brand new consent wording.",
                                                                          "da": "Helt ny samtykketekst."})
    response = resident_client.post("/join/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Brand new consent wording." in page or "Helt ny samtykketekst." in page
    assert f'name="consent_version" value="{new.pk}"' in page
    assert "consent" in response.context["form"].errors
    assert not Member.objects.exists() and not mailoutbox
    # Agreeing to the new text works and records it, not the old one.
    data["consent_version"] = str(new.pk)
    assert resident_client.post("/join/", data).status_code == 302
    assert ConsentRecord.objects.get().version == new != old


def test_campaign_and_source_recorded(resident_client, council):
    campaign = Campaign.objects.create(council=council, code="poster-2026", name="Posters", channel="poster")
    page = resident_client.get("/join/?c=poster-2026&source=library")
    assert b'value="poster-2026"' in page.content
    resident_client.post("/join/", signup_data(council, campaign="poster-2026", source="library"))
    member = Member.objects.get()
    assert member.campaign == campaign and member.source == "library"


def test_campaign_of_another_council_is_ignored(resident_client, council, other_council):
    Campaign.objects.create(council=other_council, code="theirs", name="Theirs", channel="poster")
    resident_client.post("/join/", signup_data(council, campaign="theirs"))
    assert Member.objects.get().campaign is None


def test_rate_limit_per_ip(resident_client, council, settings):
    from civicpanel.members import services

    for number in range(services.SIGNUP_LIMIT_PER_IP):
        response = resident_client.post("/join/", signup_data(council, email=f"person{number}@example.org"))
        assert response.status_code == 302
    response = resident_client.post("/join/", signup_data(council, email="one-too-many@example.org"),
                                    HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429 and response["Retry-After"] == "3600"
    assert b"Too many requests" in response.content
    assert not Member.objects.by_email("one-too-many@example.org", council=council).exists()
    # Another address (another IP) is not affected.
    response = resident_client.post("/join/", signup_data(council, email="elsewhere@example.org"),
                                    REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302


def test_repeated_signups_of_one_address_send_few_mails(resident_client, council, mailoutbox):
    from civicpanel.members import services

    for _ in range(6):
        resident_client.post("/join/", signup_data(council, email="victim@example.org"))
    assert len(mailoutbox) == services.MAILS_PER_ADDRESS
    assert Member.objects.count() == 1


def test_language_choices_follow_the_council(resident_client, council):
    council.languages = ["da", "en"]
    council.save()
    response = resident_client.get("/join/")
    assert [code for code, _ in response.context["form"].fields["language"].choices] == ["da", "en"]
    response = resident_client.post("/join/", signup_data(council, language="nb"))
    assert "language" in response.context["form"].errors


def test_member_added_without_consent_agrees_when_confirming(resident_client, council, mailoutbox, staff_client,
                                                             django_capture_on_commit_callbacks):
    from civicpanel.audit.models import AuditEvent
    from civicpanel.members.services import members_confirmation_invite

    imported = MemberFactory(council=council, email="imported@example.org", status=Member.Status.PENDING,
                             source="import", language="en")
    active = MemberFactory(council=council, email="active@example.org")
    actor = staff_client("manager").user
    with django_capture_on_commit_callbacks(execute=True):
        sent = members_confirmation_invite(council=council, actor=actor, members=[imported, active])
    assert sent == 1 and [m.to for m in mailoutbox] == [["imported@example.org"]]
    assert "added your e-mail address" in mailoutbox[0].body
    assert AuditEvent.objects.filter(action="member.confirmation_invite", member_ids=[imported.pk]).exists()
    path = link_path(mailoutbox[0])

    consent = ConsentVersion.objects.get(council=council)
    page = resident_client.get(path, follow=True)
    assert page.status_code == 200 and f'name="consent_version" value="{consent.pk}"'.encode() in page.content
    # Without ticking the box nothing happens.
    response = resident_client.post(path, {"consent_version": consent.pk})
    assert response.status_code == 200 and "consent" in response.context["form"].errors
    imported.refresh_from_db()
    assert imported.status == Member.Status.PENDING and imported.consent_version is None
    response = resident_client.post(path, {"consent": "on", "consent_version": consent.pk})
    assert response.status_code == 302
    imported.refresh_from_db()
    assert imported.status == Member.Status.ACTIVE and imported.consent_version == consent
    assert ConsentRecord.objects.get(member=imported).version == consent



def test_a_known_address_signed_up_again_leaves_only_its_link(resident_client, council, mailoutbox):
    """The sign-up of a known address rehearses a new member's writes (so both take as long) and
    keeps none of them: no member, profile answer, consent record or audit event is added."""
    from civicpanel.audit.models import AuditEvent
    from civicpanel.members.models import MemberAnswer

    MemberFactory(council=council, email="known@example.org", language="en")
    tables = (Member, MemberAnswer, ConsentRecord, AuditEvent, MemberToken)
    before = {model: model.objects.count() for model in tables}
    assert resident_client.post("/join/", signup_data(council, email="known@example.org")).status_code == 302
    after = {model: model.objects.count() for model in tables}
    assert {model: after[model] - before[model] for model in tables} == {
        Member: 0, MemberAnswer: 0, ConsentRecord: 0, AuditEvent: 0, MemberToken: 1}
    assert [m.to for m in mailoutbox] == [["known@example.org"]] and "already a member" in mailoutbox[0].body
