"""A newsletter in the browser: staff write it in Danish and English, see each language group's
e-mail and the number of recipients, send a test to themselves, confirm and send; the e-mails
arrive in the demo's mail catcher as HTML with a plain-text part. axe, the page structure and
reflow at 320 px are checked on every page on the way."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import civicpanel.config.urls  # noqa: F401  (imported before the catcher dir is set, as in production)
from civicpanel.members.models import Member
from civicpanel.outreach.catcher import caught_list, start_catcher_thread
from tests.browser.test_accessibility import axe_problems, reflow_problems, structure_problems
from tests.browser.world import new_council, seed_members, staff_session
from tests.outreach.conftest import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.outreach.urls_demo")]


@pytest.fixture
def catcher(tmp_path, settings):
    port = free_port()
    controller = start_catcher_thread("127.0.0.1", port, tmp_path / "mail")
    settings.CIVICPANEL_MAIL_CATCHER_DIR = str(tmp_path / "mail")
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}
    yield tmp_path / "mail"
    controller.stop()


def _clean(page) -> None:
    problems = structure_problems(page) + axe_problems(page) + reflow_problems(page)
    assert not problems, page.url + ":\n  " + "\n  ".join(problems)


def _go(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def test_write_preview_test_confirm_and_deliver(live_server, browser, catcher):
    council = new_council()
    council.languages = ["da", "en"]
    council.save(update_fields=["languages"])
    members = seed_members(council, 20)
    Member.objects.filter(pk__in=[m.pk for m in members[:4]]).update(language="en")
    Member.objects.filter(pk=members[5].pk).update(wants_news=False)
    reachable = Member.objects.filter(council=council, status=Member.Status.ACTIVE, wants_news=True).count()
    base = live_server.url

    context = browser.new_context(locale="en-GB")
    user = staff_session(context, live_server, council, "manager")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/staff/newsletters/")
    _clean(page)
    _go(page, page.get_by_role("link", name="Write a newsletter"))
    _clean(page)
    page.get_by_label("Subject (Dansk)").fill("Nyt fra Valby-panelet")
    page.get_by_label("Text (Dansk)").fill("## Tak for jeres svar\nI sagde ja til **flere træer**.\n\n"
                                          "- 40 nye træer\n- plantes i marts\n\nLæs mere: https://valby.example.dk/traeer")
    page.get_by_label("Subject (English)").fill("News from the Valby panel")
    page.get_by_label("Text (English)").fill("## Thank you for your answers\nYou said yes to **more trees**.")
    _go(page, page.get_by_role("button", name="Save and preview"))
    expect(page.get_by_role("heading", name=f"{reachable} members would get it now")).to_be_visible()
    expect(page.get_by_role("heading", name="Tak for jeres svar")).to_be_visible()  # the Danish group's e-mail
    expect(page.get_by_role("heading", name="Thank you for your answers")).to_be_visible()
    _clean(page)

    _go(page, page.get_by_role("button", name="Send me a test"))
    expect(page.get_by_text(f"on their way to {user.email}")).to_be_visible()
    tests, _total = caught_list(catcher)
    assert sorted(m.subject for m in tests) == ["[Test] News from the Valby panel", "[Test] Nyt fra Valby-panelet"]

    _go(page, page.get_by_role("button", name="Continue: check and confirm"))
    expect(page.get_by_role("heading", name=f"Send this newsletter to {reachable} members?")).to_be_visible()
    _clean(page)
    _go(page, page.get_by_role("button", name=f"Yes, send to {reachable} members"))
    expect(page.get_by_text(f"The newsletter is on its way to {reachable} members.")).to_be_visible()
    expect(page.get_by_role("table").get_by_role("row", name=f"Sent {reachable}")).to_be_visible()
    _clean(page)
    page.goto(f"{base}/staff/newsletters/")  # the past newsletters with their delivery figures
    expect(page.get_by_role("row", name="News from the Valby panel Sent")).to_be_visible()
    _clean(page)

    # In the mail catcher: one e-mail per member, in their language, with an HTML part.
    page.goto(f"{base}/demo/mail/")
    mails, total = caught_list(catcher)
    assert total == reachable + 2
    danish = next(m for m in mails if m.subject == "Nyt fra Valby-panelet")
    _go(page, page.get_by_role("link", name="Nyt fra Valby-panelet").first)
    expect(page.locator("iframe.mail-html")).to_be_visible()
    frame = page.frame_locator("iframe.mail-html")
    expect(frame.get_by_role("heading", name="Tak for jeres svar")).to_be_visible()
    expect(frame.get_by_role("link", name="https://valby.example.dk/traeer")).to_be_visible()
    assert danish.to.endswith("@example.net")
    context.close()
