"""Consent is as easy to withdraw as to give (GDPR art. 7(3); SECURITY-REQUIREMENTS G1), and every
member in the panel has a record of the current consent text or is asked for it.

A step is what the member does: a page opened (a link clicked, an address typed) or a form sent.
Redirects the browser follows by itself are not steps. Forms are sent as the page offers them:
the page's own POST form (the first in its main part, not the header's language or log-out forms), with its own
hidden fields."""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from civicpanel.members.consent import consent_record_add
from civicpanel.members.imports import members_import
from civicpanel.members.models import ConsentRecord, Member, MemberToken
from civicpanel.members.services import consent_current, member_consent_outdated
from civicpanel.outreach.services import mailing_create
from civicpanel.panel.models import ConsentVersion
from tests.members.conftest import link_path
from tests.members.test_selfservice import log_in, make_member
from tests.members.test_signup import signup_data
from tests.outreach.conftest import message_types  # noqa: F401  (the test invitation's message type)

pytestmark = pytest.mark.django_db

FORM_RE = re.compile(r'(<form[^>]*method="post"[^>]*>)(.*?)</form>', re.S | re.I)
HIDDEN_RE = re.compile(r'<input[^>]*type="hidden"[^>]*>', re.I)


class Member_:
    """A resident's browser that counts their steps."""

    def __init__(self, client):
        self.client, self.steps, self.page = client, [], None

    def open(self, path: str):
        self.steps.append(f"open {path}")
        self.page = self.client.get(path, follow=True)
        assert self.page.status_code == 200, path
        return self.page

    def send(self, fields: dict | None = None):
        """Send the page's form (its hidden fields, plus what the member fills in or ticks)."""
        html = self.page.content.decode()
        main = html.find("<main")
        forms = [f for f in FORM_RE.finditer(html, main) if "/i18n/setlang/" not in f.group(1)]
        assert forms, "the page has no form to send"
        action = re.search(r'action="([^"]*)"', forms[0].group(1))
        data = {}
        for tag in HIDDEN_RE.findall(forms[0].group(2)):
            name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
            if name:
                data[name.group(1)] = value.group(1) if value else ""
        data.update(fields or {})
        # A form without an action is sent to the page's own address, its query included.
        url = action.group(1) if action and action.group(1) else self.page.wsgi_request.get_full_path()
        self.steps.append(f"send {url}")
        self.page = self.client.post(url, data, follow=True)
        assert self.page.status_code == 200, url
        return self.page


def consent_at_sign_up(resident_client, council, mailoutbox) -> Member_:
    visitor = Member_(resident_client)
    visitor.open("/join/")
    fields = {k: v for k, v in signup_data(council, email="dina@example.org").items()
              if k not in ("consent_version", "campaign", "source")}
    visitor.send(fields)
    visitor.open(link_path(mailoutbox[-1]))  # the link in the e-mail
    visitor.send()  # "Yes, confirm my membership"
    member = Member.objects.by_email("dina@example.org", council=council).get()
    assert member.status == Member.Status.ACTIVE
    assert ConsentRecord.objects.filter(member=member, version=consent_current(council=council)).exists()
    return visitor


def test_leaving_the_panel_takes_no_more_steps_than_joining_it(resident_client, council, mailoutbox):
    joined = consent_at_sign_up(resident_client, council, mailoutbox)
    member = Member.objects.by_email("dina@example.org", council=council).get()
    leaving = Member_(resident_client)
    leaving.open("/me/")  # the member's own page, where "Leave the panel" is
    leaving.open("/me/leave/")
    leaving.send({"confirm": "on"})
    member.refresh_from_db()
    assert member.status == Member.Status.LEFT
    assert len(joined.steps) == 4, joined.steps
    assert len(leaving.steps) <= len(joined.steps), (leaving.steps, joined.steps)


def test_saying_no_to_surveys_or_news_takes_no_more_steps_than_joining(resident_client, council, mailoutbox):
    joined = consent_at_sign_up(resident_client, council, mailoutbox)
    member = Member.objects.by_email("dina@example.org", council=council).get()
    prefs = Member_(resident_client)
    prefs.open("/me/")
    prefs.open("/me/preferences/")
    prefs.send({"wants_surveys": "", "wants_events": "", "wants_news": "", "language": "en"})
    member.refresh_from_db()
    assert not (member.wants_surveys or member.wants_events or member.wants_news)
    assert len(prefs.steps) <= len(joined.steps), (prefs.steps, joined.steps)


def test_leaving_while_logged_out_takes_no_more_steps_than_joining(resident_client, site_client_for, council,
                                                                  mailoutbox):
    joined = consent_at_sign_up(resident_client, council, mailoutbox)
    member = Member.objects.by_email("dina@example.org", council=council).get()
    leaving = Member_(site_client_for(council))  # another browser, where the member is not logged in
    page = leaving.open("/me/leave/")
    assert page.redirect_chain == [("/me/login/?next=/me/leave/", 302)]
    assert b"Leave the panel" in page.content and b"Send me the link" in page.content
    leaving.send({"email": "dina@example.org"})
    page = leaving.open(link_path(mailoutbox[-1]))  # the link in the leave e-mail
    assert b"Yes, erase my data and take me out of the panel." in page.content
    leaving.send({"confirm": "on"})
    member.refresh_from_db()
    assert member.status == Member.Status.LEFT and member.email is None
    assert leaving.page.redirect_chain[-1] == ("/left/", 302)
    assert len(leaving.steps) == 4, leaving.steps
    assert len(leaving.steps) <= len(joined.steps), (leaving.steps, joined.steps)


def _ask_for_a_leave_link(client, email: str):
    return client.post("/me/login/?next=/me/leave/", {"email": email})


def test_a_leave_link_sent_without_the_tick_is_not_used_up(resident_client, council, mailoutbox):
    member = make_member(council)
    _ask_for_a_leave_link(resident_client, member.email)
    opened = resident_client.get(link_path(mailoutbox[-1]), follow=True)
    assert opened.redirect_chain == [("/me/login/continue/?next=%2Fme%2Fleave%2F", 302)]
    continue_url = opened.redirect_chain[-1][0]

    unticked = resident_client.post(continue_url, {"next": "/me/leave/"})
    assert unticked.status_code == 200
    assert b"Tick the box to confirm that you want to leave." in unticked.content
    assert b'href="#id_confirm"' in unticked.content  # the error summary leads to the box
    token = MemberToken.objects.get(member=member)
    assert token.used_at is None
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    assert resident_client.get("/me/").status_code == 302  # not logged in either

    ticked = resident_client.post(continue_url, {"next": "/me/leave/", "confirm": "on"})
    assert ticked.status_code == 302 and ticked["Location"] == "/left/"
    member.refresh_from_db()
    assert member.status == Member.Status.LEFT
    # Used: the link, and the page it opened, now say so, and offer a new leave link.
    again = resident_client.get(link_path(mailoutbox[-1]))
    assert again.status_code == 410 and b"/me/login/?next=/me/leave/" in again.content


def test_an_expired_leave_link_leaves_nobody(resident_client, council, mailoutbox):
    member = make_member(council)
    _ask_for_a_leave_link(resident_client, member.email)
    opened = resident_client.get(link_path(mailoutbox[-1]), follow=True)
    MemberToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    continue_url = opened.redirect_chain[-1][0]
    assert resident_client.get(continue_url).status_code == 410
    response = resident_client.post(continue_url, {"next": "/me/leave/", "confirm": "on"})
    assert response.status_code == 410 and b"/me/login/?next=/me/leave/" in response.content
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE


def test_the_leave_page_can_log_in_instead_for_a_copy_of_the_data(resident_client, council, mailoutbox):
    member = make_member(council)
    _ask_for_a_leave_link(resident_client, member.email)
    page = resident_client.get(link_path(mailoutbox[-1]), follow=True)
    assert b'<input type="hidden" name="next" value="/me/data/">' in page.content
    response = resident_client.post("/me/login/continue/", {"next": "/me/data/"})
    assert response.status_code == 302 and response["Location"] == "/me/data/"
    assert resident_client.get("/me/data/").status_code == 200
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE


def test_the_leave_email_says_what_it_is_in_the_members_language(resident_client, council, mailoutbox):
    member = make_member(council)
    Member.objects.filter(pk=member.pk).update(language="da")
    _ask_for_a_leave_link(resident_client, member.email)  # the visitor's browser is English
    [mail] = mailoutbox
    assert mail.to == [member.email]
    assert mail.subject == "Dit link til at melde dig ud af borgerpanelet i Valby Lokaludvalg"
    assert "Her er dit link til at melde dig ud af panelet:" in mail.body
    assert "Linket virker én gang, i 15 minutter." in mail.body
    assert "bliver du i panelet" in mail.body  # ignoring it keeps them in
    assert link_path(mail).endswith("?next=/me/leave/")
    html, mimetype = mail.alternatives[0]
    assert mimetype == "text/html" and '<html lang="da">' in html and "Meld dig ud af panelet" in html
    assert MemberToken.objects.get(member=member).purpose == MemberToken.Purpose.LOGIN


def test_asking_to_leave_answers_the_same_for_known_and_unknown_addresses(resident_client, council, mailoutbox):
    make_member(council)
    make_member(council, email="pending@example.org", status=Member.Status.PENDING)
    answers = []
    for email in ("bo@example.org", "nobody@example.org", "pending@example.org"):
        response = _ask_for_a_leave_link(resident_client, email)
        page = resident_client.get(response["Location"])
        answers.append((response.status_code, response["Location"], page.status_code,
                        re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", page.content)))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][1] == "/me/login/check-your-email/?next=/me/leave/"
    assert b"a link to confirm that you leave" in answers[0][3]
    # Only the member gets an e-mail: not a stranger, and not an unconfirmed sign-up, whom a
    # confirmation link would ask to join.
    assert [m.to for m in mailoutbox] == [["bo@example.org"]]


def test_the_login_page_keeps_the_member_page_asked_for(resident_client, council, mailoutbox):
    member = make_member(council)
    response = resident_client.get("/me/preferences/")
    assert response.status_code == 302 and response["Location"] == "/me/login/?next=/me/preferences/"
    page = resident_client.get(response["Location"])
    assert b"Log in to your membership" in page.content  # an ordinary login, not the leave page
    resident_client.post(response["Location"], {"email": member.email})
    assert mailoutbox[-1].subject == "Your login link for the citizen panel of Valby Lokaludvalg"
    opened = resident_client.get(link_path(mailoutbox[-1]), follow=True)
    assert b'name="next" value="/me/preferences/"' in opened.content
    logged_in = resident_client.post(opened.redirect_chain[-1][0], {"next": "/me/preferences/"})
    assert logged_in.status_code == 302 and logged_in["Location"] == "/me/preferences/"
    assert resident_client.get("/me/preferences/").status_code == 200


@pytest.mark.parametrize("next_value", ["/staff/", "https://evil.example/me/", "//evil.example/me/", "/left/"])
def test_the_login_page_refuses_a_next_outside_the_member_pages(resident_client, council, mailoutbox, next_value):
    member = make_member(council)
    login = resident_client.get("/me/login/", {"next": next_value})
    assert b"Log in to your membership" in login.content
    response = resident_client.post("/me/login/?" + urlencode({"next": next_value}), {"email": member.email})
    assert response["Location"] == "/me/login/check-your-email/"
    path = link_path(mailoutbox[-1])
    assert "next" not in path
    opened = resident_client.get(path, follow=True)
    logged_in = resident_client.post(opened.redirect_chain[-1][0], {"next": next_value})
    assert logged_in.status_code == 302 and logged_in["Location"] == "/me/"


@pytest.mark.usefixtures("message_types")
def test_the_link_in_an_invitation_withdraws_in_two_steps(resident_client, council, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    joined = consent_at_sign_up(resident_client, council, mailoutbox)
    member = Member.objects.by_email("dina@example.org", council=council).get()
    with django_capture_on_commit_callbacks(execute=True):
        mailing_create(council=council, actor=None, message_type="test_invitation", member_ids=[member.pk],
                       extra_context={"survey_title": "Trafik"})
    header = mailoutbox[-1].extra_headers["List-Unsubscribe"]
    reader = Member_(resident_client)
    reader.open(header[1:header.index(">")].split("localhost:8000", 1)[1])
    reader.send()
    member.refresh_from_db()
    assert member.wants_surveys is False
    assert len(reader.steps) == 2 <= len(joined.steps)


def test_every_member_in_the_panel_has_a_record_of_the_current_text_or_is_asked_for_it(
        resident_client, council, mailoutbox):
    # Members come in through the web sign-up, an import with documented consent, and as made by staff.
    consent_at_sign_up(resident_client, council, mailoutbox)
    members_import(council=council, actor=None, data=b"email,name,language\nanna@example.net,Anna,da\n",
                   consent_documented=True, consent_channel="paper")
    make_member(council, email="bo@example.org")

    def without_a_current_record():
        current = consent_current(council=council)
        return [m for m in Member.objects.filter(council=council, status=Member.Status.ACTIVE)
                if not ConsentRecord.objects.filter(member=m, version=current).exists()]

    panel = list(Member.objects.filter(council=council, status=Member.Status.ACTIVE))
    assert len(panel) == 3 and without_a_current_record() == []

    # A new text: nobody has a record of it yet, and every one of them is flagged and asked.
    new = ConsentVersion.objects.create(council=council, version=2, text={"en": "Version two.", "da": "Version to."})
    assert {m.pk for m in without_a_current_record()} == {m.pk for m in panel}
    assert all(member_consent_outdated(m) for m in panel)
    bo = Member.objects.by_email("bo@example.org", council=council).get()
    log_in(resident_client, bo)
    assert b"/me/consent/" in resident_client.get("/me/").content
    resident_client.post("/me/consent/", {"consent": "on", "consent_version": str(new.pk)})
    bo.refresh_from_db()
    assert not member_consent_outdated(bo)
    flagged = without_a_current_record()
    assert bo not in flagged and all(member_consent_outdated(m) for m in flagged)


def test_a_record_without_the_member_agreeing_again_does_not_count_as_current(council):
    member = make_member(council)
    ConsentVersion.objects.create(council=council, version=2, text={"en": "Two"})
    assert member_consent_outdated(member)
    # The old version's record is kept (the log is append-only), but it is not the current one.
    consent_record_add(member=member, version=member.consent_version, channel="web")
    assert member_consent_outdated(member)
