"""The unsubscribe link: one click from the mail program (RFC 8058), a button on the page, and
nothing from a mere GET (mail scanners open links)."""

from __future__ import annotations

import pytest
from django.test import Client

from civicpanel.audit.models import AuditEvent
from civicpanel.outreach.services import mailing_create
from tests.outreach.factories import members

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_link(council, mailoutbox, django_capture_on_commit_callbacks):
    """(member, path of the unsubscribe link) from a real sent invitation."""
    person = members(council, 1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        mailing_create(council=council, actor=None, message_type="test_invitation", member_ids=[person.pk],
                       extra_context={"survey_title": "Trafik"})
    header = mailoutbox[0].extra_headers["List-Unsubscribe"]
    url = header[1:header.index(">")]
    return person, url.split("localhost:8000", 1)[1]


def host(council) -> Client:
    return Client(HTTP_HOST=f"{council.slug}.localhost", enforce_csrf_checks=True)


def test_get_shows_a_button_and_changes_nothing(council, sent_link):
    person, path = sent_link
    response = host(council).get(path, follow=True)
    assert response.status_code == 200 and response.redirect_chain == [("/o/unsubscribe/", 302)]
    page = response.content.decode()
    assert "<form method=\"post\"" in page and "Invitation til undersøgelse (test)" in page
    assert 'href="/me/preferences/"' in page  # manage all preferences
    assert 'lang="da"' in page  # the member's language
    person.refresh_from_db()
    assert person.wants_surveys is True


def test_one_click_post_unsubscribes_without_csrf_token(council, sent_link):
    person, path = sent_link
    response = host(council).post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.wants_surveys is False
    assert person.wants_events is True and person.wants_news is True  # only this kind of e-mail
    assert AuditEvent.objects.filter(action="member.unsubscribe", member_ids=[person.pk]).exists()
    # Pressing again is harmless.
    assert host(council).post(path).status_code == 200
    assert AuditEvent.objects.filter(action="member.unsubscribe").count() == 1


def test_page_is_in_the_members_language(council, mailoutbox, django_capture_on_commit_callbacks):
    person = members(council, 1, language="en")[0]
    with django_capture_on_commit_callbacks(execute=True):
        mailing_create(council=council, actor=None, message_type="test_invitation", member_ids=[person.pk],
                       extra_context={"survey_title": "Traffic"})
    header = mailoutbox[0].extra_headers["List-Unsubscribe"]
    path = header[1:header.index(">")].split("localhost:8000", 1)[1]
    page = host(council).get(path, follow=True).content.decode()
    assert 'lang="en"' in page and "Unsubscribe from these e-mails?" in page


def test_wrong_or_foreign_link_is_refused(council, other_council, sent_link):
    person, path = sent_link
    assert host(council).post(path[:-5] + "xxxx/").status_code == 404
    assert host(other_council).post(path).status_code == 404  # another council's host
    assert Client(HTTP_HOST="unknown.example").get(path).status_code in (400, 404)
    person.refresh_from_db()
    assert person.wants_surveys is True


def test_unsubscribed_member_gets_no_more_invitations(council, sent_link, mailoutbox,
                                                      django_capture_on_commit_callbacks):
    person, path = sent_link
    host(council).post(path)
    with django_capture_on_commit_callbacks(execute=True):
        mailing_create(council=council, actor=None, message_type="test_invitation", member_ids=[person.pk],
                       extra_context={"survey_title": "Again"})
    assert len(mailoutbox) == 1
