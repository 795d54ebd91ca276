"""Information mailings from the staff's side to the member's inbox: write, preview per language,
test, count, confirm, send now or later, cancel, delivery figures, and unsubscribing per kind."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from civicpanel.audit.models import AuditEvent
from civicpanel.members.models import Member
from civicpanel.newsletters.models import Newsletter
from civicpanel.outreach.models import Delivery
from civicpanel.outreach.sending import send_mailing_now
from civicpanel.panel.models import ProfileQuestion
from civicpanel.surveys.services import wave_send
from tests.factories import MemberFactory
from tests.surveys.factories import build_survey

pytestmark = pytest.mark.django_db

BODY_DA = "## Ny legeplads\nVi bygger i **foråret**. Læs mere på [kommunens side](https://valby.example.dk/leg).\n\n- gynger\n- sandkasse"
BODY_EN = "## A new playground\nWe build it in **spring**. More on [the council's page](https://valby.example.dk/leg)."


@pytest.fixture
def council(council):
    council.languages = ["da", "en"]
    council.contact_email = "panel@valby.example.dk"
    council.save()
    return council


@pytest.fixture
def manager(staff_client):
    client = staff_client("manager")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def form_data(**extra) -> dict:
    data = {"subject_da": "Nyt fra panelet", "body_da": BODY_DA, "subject_en": "News from the panel",
            "body_en": BODY_EN, "segment": ""}
    data.update(extra)
    return data


def write(client, **extra) -> Newsletter:
    response = client.post("/staff/newsletters/new/", form_data(**extra))
    assert response.status_code == 302, response.content.decode()[:3000]
    return Newsletter.objects.latest("pk")


def district_code(council, name: str) -> str:
    question = ProfileQuestion.objects.get(council=council, key="district")
    return next(option.code for option in question.options.all() if option.district.name == name)


def confirm_and_send(client, newsletter, **when) -> Client:
    """Open the confirmation page as staff do, then press its button."""
    params = when or {"when": "now"}
    page = client.get(f"/staff/newsletters/{newsletter.pk}/send/", params)
    assert page.status_code == 200, page.content.decode()[:2000]
    html = page.content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    hidden.pop("csrfmiddlewaretoken", None)
    return client.post(f"/staff/newsletters/{newsletter.pk}/send/", hidden), page


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.hrefs, self.html_lang = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "a":
            self.hrefs.append(attrs.get("href"))
        if tag == "html":
            self.html_lang = attrs.get("lang")


def html_part(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


def test_preview_shows_each_language_group_with_its_recipients(council, manager):
    MemberFactory.create_batch(3, council=council, language="da")
    MemberFactory.create_batch(2, council=council, language="en")
    newsletter = write(manager)
    page = manager.get(f"/staff/newsletters/{newsletter.pk}/").content.decode()
    assert "5 members would get it now" in page
    assert "3 recipients" in page and "2 recipients" in page
    # The HTML content as the e-mail has it (headings shifted under the page's own), and the plain text.
    assert "<h4>Ny legeplads</h4>" in page and "<h4>A new playground</h4>" in page
    assert '<a href="https://valby.example.dk/leg">kommunens side</a>' in page
    assert "kommunens side (https://valby.example.dk/leg)" in page
    assert 'lang="en"' in page


def test_test_send_goes_to_the_staff_member_only_in_every_language(council, manager, mailoutbox,
                                                                   django_capture_on_commit_callbacks):
    MemberFactory.create_batch(2, council=council)
    newsletter = write(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(f"/staff/newsletters/{newsletter.pk}/test/")
    assert response.status_code == 302
    assert sorted(m.subject for m in mailoutbox) == ["[Test] News from the panel", "[Test] Nyt fra panelet"]
    assert {tuple(m.to) for m in mailoutbox} == {(manager.user.email,)}
    assert all("text/html" in dict((t, c) for c, t in m.alternatives) for m in mailoutbox)
    assert not Delivery.objects.exists()  # nothing for members
    assert AuditEvent.objects.filter(action="newsletter.test", actor=manager.user).count() == 1


def test_recipient_count_respects_preferences_status_bounces_and_the_filter(council, manager):
    vigerslev = council.districts.get(name="Vigerslev")
    valby = council.districts.get(name="Gammel Valby")
    MemberFactory.create_batch(4, council=council, district=vigerslev)
    MemberFactory(council=council, district=vigerslev, wants_news=False)
    MemberFactory(council=council, district=vigerslev, wants_surveys=False)  # still wants news: counted
    MemberFactory(council=council, district=vigerslev, status=Member.Status.PAUSED)
    MemberFactory(council=council, district=vigerslev, email_bounced=True)
    MemberFactory(council=council, district=vigerslev, status=Member.Status.LEFT)
    MemberFactory.create_batch(3, council=council, district=valby)
    newsletter = write(manager, f_district=[district_code(council, "Vigerslev")])
    page = manager.get(f"/staff/newsletters/{newsletter.pk}/").content.decode()
    assert "5 members would get it now" in page
    assert "1 member: do not want news e-mails" in page
    assert "1 member: not active (awaiting confirmation or paused)" in page
    assert "1 member: e-mail bounced or missing" in page
    assert "District: Vigerslev" in page


def test_confirmation_shows_exactly_what_goes_out_then_sends_once(council, manager, mailoutbox,
                                                                   django_capture_on_commit_callbacks):
    danes = MemberFactory.create_batch(2, council=council, language="da")
    english = MemberFactory(council=council, language="en")
    newsletter = write(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response, page = confirm_and_send(manager, newsletter)
    html = page.content.decode()
    assert "Send this newsletter to 3 members?" in html and "Yes, send to 3 members" in html
    assert "Nyt fra panelet" in html and "News from the panel" in html
    assert response.status_code == 302
    assert len(mailoutbox) == 3
    by_address = {m.to[0]: m for m in mailoutbox}
    danish, english_mail = by_address[danes[0].email], by_address[english.email]
    assert danish.subject == "Nyt fra panelet" and english_mail.subject == "News from the panel"
    assert "Ny legeplads" in danish.body and "- gynger" in danish.body
    assert "kommunens side (https://valby.example.dk/leg)" in danish.body
    # The same content as HTML, in the member's language, semantic and without any image.
    parsed = Elements()
    parsed.feed(html_part(danish))
    assert parsed.html_lang == "da"
    assert {"h1", "h2", "ul", "li", "footer"} <= set(parsed.tags)
    assert "img" not in parsed.tags and "script" not in parsed.tags
    # Only the links staff wrote, the member's own unsubscribe link and their e-mail choices.
    unsubscribe = danish.extra_headers["List-Unsubscribe"]
    own_link = unsubscribe[1:unsubscribe.index(">")]
    assert parsed.hrefs == ["https://valby.example.dk/leg", own_link, "http://valby.localhost:8000/me/preferences/"]
    assert own_link in danish.body
    # RFC 8058 one-click, and a mailto for the council's address.
    assert danish.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<mailto:panel@valby.example.dk?subject=unsubscribe>" in unsubscribe
    newsletter.refresh_from_db()
    assert newsletter.recipient_count == 3 and newsletter.confirmed_by == manager.user
    assert AuditEvent.objects.filter(action="newsletter.send", object_id=str(newsletter.pk)).count() == 1
    # The same confirmation again (a double click, a replayed form) sends nothing more.
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(f"/staff/newsletters/{newsletter.pk}/send/", hidden)
    assert len(mailoutbox) == 3 and Delivery.objects.count() == 3
    # Sent: listed with its figures, and no longer editable.
    listing = manager.get("/staff/newsletters/").content.decode()
    assert "News from the panel" in listing and "Sent" in listing
    assert manager.get(f"/staff/newsletters/{newsletter.pk}/edit/").status_code == 302


def test_a_change_after_the_confirmation_page_opened_is_not_sent(council, manager, mailoutbox):
    MemberFactory.create_batch(2, council=council)
    newsletter = write(manager)
    html = manager.get(f"/staff/newsletters/{newsletter.pk}/send/", {"when": "now"}).content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    manager.post(f"/staff/newsletters/{newsletter.pk}/edit/", form_data(subject_da="Et andet emne"))
    response = manager.post(f"/staff/newsletters/{newsletter.pk}/send/", hidden, follow=True)
    assert "changed after you opened the confirmation page" in response.content.decode()
    assert not Delivery.objects.exists() and not mailoutbox


def test_missing_language_or_html_cannot_be_sent(council, manager):
    MemberFactory(council=council)
    newsletter = write(manager, subject_en="", body_en="")
    page = manager.get(f"/staff/newsletters/{newsletter.pk}/").content.decode()
    assert "English: write the subject." in page and "Continue: check and confirm" not in page
    assert manager.get(f"/staff/newsletters/{newsletter.pk}/send/", {"when": "now"}).status_code == 302
    response = manager.post("/staff/newsletters/new/", form_data(body_da='<b>fed</b> <a href="x">y</a>'))
    assert response.status_code == 200 and "HTML is not used in a newsletter" in response.content.decode()


def test_scheduled_newsletter_waits_and_can_be_cancelled_before_it_starts(council, manager, mailoutbox,
                                                                         django_capture_on_commit_callbacks):
    MemberFactory.create_batch(2, council=council)
    newsletter = write(manager)
    later = timezone.localtime() + datetime.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        response, page = confirm_and_send(manager, newsletter, when="later",
                                          send_at=later.strftime("%Y-%m-%dT%H:%M"))
    assert "Yes, schedule it for 2 members" in page.content.decode()
    newsletter.refresh_from_db()
    assert newsletter.mailing is not None and newsletter.send_at > timezone.now()
    # The worker, run too early, sends nothing.
    send_mailing_now(newsletter.mailing_id)
    assert not mailoutbox
    detail = manager.get(f"/staff/newsletters/{newsletter.pk}/").content.decode()
    assert "Scheduled" in detail and "Cancel the sending" in detail
    mailing_id = newsletter.mailing_id
    manager.post(f"/staff/newsletters/{newsletter.pk}/cancel/")
    newsletter.refresh_from_db()
    assert newsletter.mailing is None and newsletter.status() == Newsletter.Status.DRAFT
    assert set(Delivery.objects.filter(mailing_id=mailing_id).values_list("state", flat=True)) == {"cancelled"}
    send_mailing_now(mailing_id)
    assert not mailoutbox
    assert AuditEvent.objects.filter(action="newsletter.cancel").count() == 1


def test_scheduled_newsletter_goes_at_its_time_skipping_who_unsubscribed_meanwhile(
        council, manager, mailoutbox, django_capture_on_commit_callbacks):
    stays, leaves_news = MemberFactory.create_batch(2, council=council)
    newsletter = write(manager)
    later = timezone.localtime() + datetime.timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        confirm_and_send(manager, newsletter, when="later", send_at=later.strftime("%Y-%m-%dT%H:%M"))
    newsletter.refresh_from_db()
    Member.objects.filter(pk=leaves_news.pk).update(wants_news=False)
    # The planned time comes (the worker is queued for it; here the clock is moved instead).
    past = timezone.now() - datetime.timedelta(minutes=1)
    type(newsletter.mailing).objects.filter(pk=newsletter.mailing_id).update(send_at=past)
    Newsletter.objects.filter(pk=newsletter.pk).update(send_at=past)
    send_mailing_now(newsletter.mailing_id)
    assert [m.to for m in mailoutbox] == [[stays.email]]
    page = manager.get(f"/staff/newsletters/{newsletter.pk}/").content.decode()
    assert "Unsubscribed from this kind of e-mail" in page  # the delivery figures and the reason
    assert manager.post(f"/staff/newsletters/{newsletter.pk}/cancel/", follow=True).status_code == 200
    newsletter.refresh_from_db()
    assert newsletter.mailing_id is not None  # it went: not back to a draft


def unsubscribe_path(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    return header[1:header.index(">")].split("localhost:8000", 1)[1]


def test_unsubscribing_from_news_keeps_survey_invitations_and_the_reverse(
        council, manager, mailoutbox, django_capture_on_commit_callbacks):
    reader = MemberFactory(council=council)
    with django_capture_on_commit_callbacks(execute=True):
        confirm_and_send(manager, write(manager))
    one_click = Client(HTTP_HOST=f"{council.slug}.localhost", enforce_csrf_checks=True)
    assert one_click.post(unsubscribe_path(mailoutbox[0]), {"List-Unsubscribe": "One-Click"}).status_code == 200
    reader.refresh_from_db()
    assert (reader.wants_news, reader.wants_surveys, reader.wants_events) == (False, True, True)
    mailoutbox.clear()
    # The next newsletter has nobody; a survey invitation still reaches the member.
    second = write(manager)
    assert "0 members would get it now" in manager.get(f"/staff/newsletters/{second.pk}/").content.decode()
    survey = build_survey(council)
    with django_capture_on_commit_callbacks(execute=True):
        wave_send(council=council, actor=manager.user, survey=survey)
    assert [m.to for m in mailoutbox] == [[reader.email]]
    # The reverse: unsubscribe from survey invitations, news comes again once wanted.
    other = MemberFactory(council=council, language="en")
    mailoutbox.clear()
    survey2 = build_survey(council)
    with django_capture_on_commit_callbacks(execute=True):
        wave_send(council=council, actor=manager.user, survey=survey2)
    invitation = next(m for m in mailoutbox if m.to == [other.email])
    page = one_click.get(unsubscribe_path(invitation), follow=True).content.decode()
    assert "survey invitations" in page  # the page names the kind of e-mail it stops
    one_click.post(unsubscribe_path(invitation))
    other.refresh_from_db()
    assert (other.wants_news, other.wants_surveys) == (True, False)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        confirm_and_send(manager, write(manager))
    assert [m.to for m in mailoutbox] == [[other.email]]


def test_news_unsubscribe_page_names_the_kind(council, manager, mailoutbox, django_capture_on_commit_callbacks):
    MemberFactory(council=council, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        confirm_and_send(manager, write(manager))
    client = Client(HTTP_HOST=f"{council.slug}.localhost")
    page = client.get(unsubscribe_path(mailoutbox[0]), follow=True).content.decode()
    assert "news and results from the panel" in page and "Newsletter" in page


def test_the_newsletter_type_has_no_editable_standard_text(council, manager):
    assert "/staff/messages/newsletter/" not in manager.get("/staff/messages/").content.decode()
    assert manager.get("/staff/messages/newsletter/da/").status_code == 404


def test_analysts_cannot_use_newsletters(council, staff_client):
    analyst = staff_client("analyst")
    assert analyst.get("/staff/newsletters/").status_code == 403
    assert analyst.post("/staff/newsletters/new/", form_data()).status_code == 403
    assert not Newsletter.objects.exists()


def language_rows(html: str) -> dict[str, list[str]]:
    """The per-language table of a sent newsletter's page: language name -> its figures."""
    table = html[html.index("Per language group"):]
    table = table[:table.index("</table>")]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
        name = re.search(r"<th[^>]*>(.*?)</th>", row).group(1)
        rows[name] = re.findall(r'<td class="num">([^<]*)</td>', row)
    return rows


def test_sent_newsletter_gives_its_delivery_figures_per_language_group(council, manager, mailoutbox):
    danes = MemberFactory.create_batch(3, council=council, language="da")
    MemberFactory.create_batch(2, council=council, language="en")
    newsletter = write(manager)
    confirm_and_send(manager, newsletter)  # the worker has not run yet
    # Between the confirmation and the sending, one Danish reader turns off news, another bounces.
    Member.objects.filter(pk=danes[0].pk).update(wants_news=False)
    Member.objects.filter(pk=danes[1].pk).update(email_bounced=True)
    newsletter.refresh_from_db()
    send_mailing_now(newsletter.mailing_id)
    assert len(mailoutbox) == 3
    html = manager.get(f"/staff/newsletters/{newsletter.pk}/").content.decode()
    rows = language_rows(html)
    # Columns: e-mails, then queued, sending, sent, skipped, failed, cancelled.
    assert rows["Dansk"] == ["3", "0", "0", "1", "2", "0", "0"]
    assert rows["English"] == ["2", "0", "0", "2", "0", "0", "0"]
    assert "Skipped in Dansk:" in html and "Skipped in English:" not in html
    # A member who changes language later stays in the group their e-mail went out in.
    Member.objects.filter(pk=danes[2].pk).update(language="en")
    assert language_rows(manager.get(f"/staff/newsletters/{newsletter.pk}/").content.decode())["Dansk"][0] == "3"


def test_news_goes_only_to_members_whose_consent_covers_it(council, manager, mailoutbox):
    from civicpanel.panel.models import ConsentVersion

    old = ConsentVersion.objects.get(council=council)
    ConsentVersion.objects.filter(pk=old.pk).update(covers_news=False)
    agreed = MemberFactory(council=council, language="en")  # agreed to version 1, which says nothing of news
    newer = ConsentVersion.objects.create(council=council, version=2, text={"en": "… and news by e-mail."},
                                          covers_news=True)
    renewed = MemberFactory(council=council, language="en", consent_version=newer)
    newsletter = write(manager)
    detail = manager.get(f"/staff/newsletters/{newsletter.pk}/").content.decode()
    assert "1 member would get it now" in detail
    assert "have not agreed to a consent text that covers news e-mails" in detail
    confirm_and_send(manager, newsletter)
    # The member agrees to version 2 after the confirmation: the worker reads the consent at send time.
    Member.objects.filter(pk=agreed.pk).update(consent_version=newer)
    later = MemberFactory(council=council, language="en", consent_version=old)
    newsletter.refresh_from_db()
    send_mailing_now(newsletter.mailing_id)
    assert {m.to[0] for m in mailoutbox} == {renewed.email}
    assert later.pk not in set(Delivery.objects.filter(mailing_id=newsletter.mailing_id)
                               .values_list("member_id", flat=True))
