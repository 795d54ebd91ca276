"""The demo's mail catcher: an SMTP server that keeps e-mails, and the /demo/mail/ pages."""

from __future__ import annotations

import time

import pytest
from django.core.mail import EmailMultiAlternatives, mailers

import civicpanel.config.urls  # noqa: F401  (imported before any test sets the catcher dir, as in production)
from civicpanel.outreach.catcher import caught_list, start_catcher_thread
from tests.outreach.conftest import free_port


@pytest.fixture
def catcher(tmp_path, settings):
    port = free_port()
    controller = start_catcher_thread("127.0.0.1", port, tmp_path / "mail")
    settings.CIVICPANEL_MAIL_CATCHER_DIR = str(tmp_path / "mail")
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}
    yield tmp_path / "mail"
    controller.stop()


def send(subject: str, *, html: str | None = None) -> None:
    message = EmailMultiAlternatives(
        subject=subject, body="Answer here: http://valby.localhost:8000/s/abc/\n", from_email="panel@example.org",
        to=["resident@example.net"],
        headers={"List-Unsubscribe": "<http://valby.localhost:8000/o/unsubscribe/tok/>"},
    )
    if html:
        message.attach_alternative(html, "text/html")
    mailers["default"].send_messages([message])


def test_each_email_is_kept_as_an_eml_file(catcher):
    send("Første")
    send("Second")
    mails, total = caught_list(catcher)
    assert total == 2 and [m.subject for m in mails] == ["Second", "Første"]  # newest first
    assert mails[0].to == "resident@example.net"
    assert len(list(catcher.glob("*.eml"))) == 2


@pytest.mark.urls("tests.outreach.urls_demo")
def test_pages_list_and_show_the_emails_without_login(catcher, client, db):
    send("Invitation", html='<p>Hi</p><script>alert("x")</script>')
    listing = client.get("/demo/mail/", HTTP_ACCEPT_LANGUAGE="en")
    page = listing.content.decode()
    assert listing.status_code == 200
    assert "Invitation" in page and "resident@example.net" in page
    assert "only in the demo" in page
    name = caught_list(catcher)[0][0].name
    detail = client.get(f"/demo/mail/{name}/").content.decode()
    assert '<a href="http://valby.localhost:8000/s/abc/"' in detail  # links in the text are clickable
    assert "List-Unsubscribe" in detail and "/o/unsubscribe/tok/" in detail
    # The HTML part is shown in a sandbox (no scripts), escaped into srcdoc.
    assert "<iframe" in detail and "sandbox" in detail
    assert "<script>" not in detail and "&lt;script&gt;" in detail
    assert client.get(f"/demo/mail/{name}/raw/").status_code == 200


@pytest.mark.urls("tests.outreach.urls_demo")
def test_the_mail_page_speaks_the_visitors_language(catcher, client, db):
    send("Invitation")
    name = caught_list(catcher)[0][0].name
    client.cookies["django_language"] = "da"
    detail = client.get(f"/demo/mail/{name}/").content.decode()
    for label in ("<dt>Fra</dt>", "<dt>Til</dt>", "<dt>Emne</dt>", "<dt>Sendt</dt>", "Afmeldingslink (List-Unsubscribe)"):
        assert label in detail
    assert "<dt>From</dt>" not in detail and "<dt>Date</dt>" not in detail
    # The date in the page's format, not the e-mail's English one ("Sat, 05 Dec 2026 ...").
    sent = detail.split("<dt>Sendt</dt><dd>")[1].split("</dd>")[0]
    assert "," not in sent[:4] and any(month in sent for month in ("jan", "feb", "mar", "apr", "maj", "jun", "jul",
                                                                   "aug", "sep", "okt", "nov", "dec"))


def test_a_date_without_its_time_zone_is_shown_in_the_pages_format():
    from django.utils import translation

    from civicpanel.outreach.catcher_views import _header_value

    with translation.override("da"):
        # "-0000" is what Django's e-mails carry: the moment in UTC, its zone not said.
        shown = _header_value("Date", "Sat, 05 Dec 2026 20:02:52 -0000")
        assert "Sat" not in shown and "dec" in shown and "2026" in shown
        assert _header_value("Date", "not a date") == "not a date"


@pytest.mark.urls("tests.outreach.urls_demo")
def test_no_path_tricks(catcher, client, db):
    (catcher.parent / "secret.eml").write_text("Subject: secret\n\nno")
    assert client.get("/demo/mail/..%2Fsecret.eml/").status_code == 404
    assert client.get("/demo/mail/20990101T000000000000-deadbeef.eml/").status_code == 404


def test_demo_pages_are_absent_outside_the_demo(client, db):
    assert client.get("/demo/mail/").status_code == 404


def test_catcher_starts_on_the_command_line_port(tmp_path):
    """`civicpanel mailcatcher --port P --dir D` runs the same server."""
    import subprocess
    import sys

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "civicpanel.cli", "mailcatcher", "--port", str(port),
                                "--dir", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        import smtplib

        deadline = time.monotonic() + 90  # Django starts in a new process: slow on a busy machine
        while True:
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=2) as smtp:
                    smtp.sendmail("a@example.org", ["b@example.org"], b"Subject: hi\r\n\r\nhello\r\n")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert caught_list(tmp_path)[0][0].subject == "hi"
    finally:
        process.terminate()
        process.wait(timeout=10)
