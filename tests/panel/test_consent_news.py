"""Moving a council to a consent version that covers news e-mail: councils set up before the
standard text asked for it keep version 1 (migration panel 0002 marks it as not covering news),
staff publish a new version, members are asked on their next login or visit, and news e-mail
reaches each member only once their agreed version covers it. The consent log stays append-only."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from civicpanel.audit.models import AuditEvent
from civicpanel.members.consent import consent_record_add, consent_record_verify
from civicpanel.members.models import ConsentRecord, Member
from civicpanel.outreach.registry import get_message_type
from civicpanel.outreach.sending import skip_reason
from civicpanel.panel.defaults import standard_consent_text
from civicpanel.panel.models import ConsentVersion
from civicpanel.publishing.feedback_texts import MESSAGE_KEY as FEEDBACK
from tests.factories import MemberFactory, council_with_profile
from tests.members.conftest import link_path, site_client

# The standard text before it asked for news (as councils set up earlier still have it).
OLD_TEXT = {
    "da": "Jeg giver samtykke til, at Gamle Kommune behandler mine oplysninger (e-mail, profilspørgsmål og svar) "
          "for at invitere mig til undersøgelser og arrangementer i borgerpanelet og for at lave statistik. "
          "Resultater offentliggøres kun som statistik.",
    "en": "I consent to Gamle Kommune processing my data (e-mail, profile questions and answers) to invite me to "
          "surveys and events of the citizen panel and to produce statistics. Results are published only as "
          "statistics.",
}

migration = importlib.import_module("civicpanel.panel.migrations.0002_consentversion_covers_news")


def test_the_migration_marks_only_the_standard_text_that_asks_for_news():
    assert not migration.standard_news_text(OLD_TEXT)
    assert not migration.standard_news_text({"en": "We e-mail you news as we like."})
    assert not migration.standard_news_text({})

    class Renamed:  # a council renamed after its set-up still has the standard text
        name = "Valby Lokaludvalg (new name)"
    assert migration.standard_news_text(standard_consent_text(council=Renamed))
    # The standard text in one language and the council's own words in another: left for staff.
    mixed = {**standard_consent_text(council=Renamed), "da": "Vores egen tekst."}
    assert not migration.standard_news_text(mixed)


@pytest.mark.django_db(transaction=True)
def test_migration_on_existing_councils_leaves_the_consent_log_untouched():
    """Run the migration backwards and forwards on councils set up earlier (with their
    members' consent records; on PostgreSQL the log's trigger stays in force)."""
    early = council_with_profile(slug="early", name="Gamle Kommune")
    ConsentVersion.objects.filter(council=early).update(text=OLD_TEXT)
    standard = council_with_profile(slug="standard", name="Ny Kommune")
    member = MemberFactory(council=early)
    record = consent_record_add(member=member, version=member.consent_version, channel="web")
    records_before = list(ConsentRecord.objects.values_list("pk", "text_sha256", "given_at"))

    executor = MigrationExecutor(connection)
    executor.migrate([("panel", "0001_initial")])
    executor.loader.build_graph()
    executor.migrate([("panel", "0002_consentversion_covers_news")])
    apps.clear_cache()

    assert not ConsentVersion.objects.get(council=early).covers_news
    assert ConsentVersion.objects.get(council=standard).covers_news
    assert list(ConsentRecord.objects.values_list("pk", "text_sha256", "given_at")) == records_before
    assert consent_record_verify(ConsentRecord.objects.get(pk=record.pk))
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE members_consentrecord SET channel = 'paper'")


@pytest.fixture
def resident_client(council, django_capture_on_commit_callbacks):
    return site_client(council, django_capture_on_commit_callbacks)


@pytest.fixture
def early_council(council):
    """A council set up before the standard text asked for news, after the migration."""
    ConsentVersion.objects.filter(council=council).update(text=OLD_TEXT, covers_news=False)
    council.languages = ["da", "en"]
    council.save(update_fields=["languages"])
    return council


def test_staff_move_the_council_to_a_version_that_covers_news(early_council, staff_client):
    admin = staff_client("admin")
    url = reverse("staff:settings_consent")
    page = admin.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "News e-mail needs a new consent version" in page
    assert "It does not ask consent to e-mail news and results." in page
    # The form starts from the standard text that asks for news, in the council's name, ticked.
    assert "to send me news and results from the panel" in page and "Valby Lokaludvalg" in page
    assert re.search(r'<input type="checkbox" name="covers_news"[^>]*checked', page)
    text = standard_consent_text(council=early_council)
    assert admin.post(url, {"text_da": text["da"], "text_en": text["en"], "covers_news": "on"}).status_code == 302
    new = ConsentVersion.objects.get(council=early_council, version=2)
    assert new.covers_news and new.text == {"da": text["da"], "en": text["en"]}
    event = AuditEvent.objects.get(council=early_council, action="consent.publish")
    assert event.detail == {"version": 2, "covers_news": True}
    page = admin.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "News e-mail needs a new consent version" not in page
    assert "It asks consent to e-mail news and results." in page


def test_the_same_words_may_be_published_again_to_say_they_cover_news(early_council, staff_client):
    admin = staff_client("admin")
    url = reverse("staff:settings_consent")
    same = {"text_da": OLD_TEXT["da"], "text_en": OLD_TEXT["en"]}
    assert "same as the current version" in admin.post(url, same, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert admin.post(url, {**same, "covers_news": "on"}).status_code == 302
    assert ConsentVersion.objects.get(council=early_council, version=2).covers_news


def test_members_are_asked_on_their_next_login_and_news_waits_for_their_consent(
        early_council, resident_client, mailoutbox):
    old = ConsentVersion.objects.get(council=early_council)
    member = MemberFactory(council=early_council, email="bo@example.org", language="en", consent_version=old)
    consent_record_add(member=member, version=old, channel="web")
    news, invitation = get_message_type(FEEDBACK), get_message_type("survey_invitation")
    member = Member.objects.select_related("consent_version").get(pk=member.pk)
    assert skip_reason(member, news) == "no_consent" and skip_reason(member, invitation) == ""
    new = ConsentVersion.objects.create(council=early_council, version=2, covers_news=True,
                                        text=standard_consent_text(council=early_council))

    resident_client.post("/me/login/", {"email": "bo@example.org"})
    path = link_path(mailoutbox[-1])
    resident_client.get(path)
    response = resident_client.post(path)
    assert response.status_code == 302 and response["Location"] == "/me/consent/"
    page = resident_client.get("/me/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "consent-banner" in page and "also asks your consent to e-mail you news and results" in page
    assert "News and results reach you once you agree to the new consent text." in page

    assert resident_client.post("/me/consent/", {"consent": "on", "consent_version": str(new.pk)}).status_code == 302
    member = Member.objects.select_related("consent_version").get(pk=member.pk)
    assert member.consent_version == new and skip_reason(member, news) == ""
    # The log gained a record; the first one is as it was.
    records = list(ConsentRecord.objects.filter(member=member).order_by("given_at", "pk"))
    assert [r.version.version for r in records] == [1, 2] and all(consent_record_verify(r) for r in records)
    page = resident_client.get("/me/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "consent-banner" not in page and "agree to the new consent text" not in page


def test_a_member_who_agreed_to_an_older_text_is_told_why_no_news_comes(early_council, resident_client):
    from tests.members.test_selfservice import log_in

    member = MemberFactory(council=early_council, language="en")
    log_in(resident_client, member)
    page = resident_client.get("/me/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "does not cover news and results by e-mail, so none are sent to you" in page
