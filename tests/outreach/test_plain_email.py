"""A wave's plain-text e-mail reads the same to a mail program whether Django or PlainEmail
built it: subject, sender, recipient, reply address, list headers, text, character set."""

from __future__ import annotations

import email
import email.policy
import smtplib

import pytest
from django.core.mail import EmailMultiAlternatives

from civicpanel.outreach.plain_email import PlainEmail

HEADERS = {"Message-ID": "<1796.42@civicpanel>",
           "List-Unsubscribe": "<https://valby.example/o/unsubscribe/abcdef/>, <mailto:panel@valby.example?subject=unsubscribe>",
           "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
CASES = {
    "danish": dict(subject="Ny undersøgelse: Trafik på Amager", body="Kære Søren Ærø\n\nSvar her: https://x.example/s/a/\n",
                   from_email="=?utf-8?q?K=C3=B8benhavns_Kommune?= <noreply@kbh.example>"),
    "ascii": dict(subject="New survey: traffic", body="Dear Anne\n\nAnswer here: https://x.example/s/a/\n",
                  from_email="Valby <noreply@valby.example>"),
    "long subject": dict(subject="Påmindelse: " + "meget lang titel på undersøgelsen " * 8, body="Hej\n",
                         from_email="noreply@valby.example"),
    "long line": dict(subject="Nyt", body="ø" * 700 + "\n.\n" + "a" * 1200 + "\nslut\n", from_email="noreply@valby.example"),
    "dot lines": dict(subject="Nyt", body=".\n..\n. \nslut", from_email="noreply@valby.example"),
}


def wire(message) -> email.message.EmailMessage:
    """The message as the SMTP server receives it, read by a mail program."""
    raw = message.message(policy=email.policy.SMTP).as_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only, as SMTP carries it
    return email.message_from_bytes(raw, policy=email.policy.default)


@pytest.mark.parametrize("case", CASES)
def test_plain_email_reads_like_djangos(case, settings):
    kwargs = dict(CASES[case], to=["resident@example.net"], reply_to=["panel@valby.example"], headers=HEADERS)
    ours, django = wire(PlainEmail(**kwargs)), wire(EmailMultiAlternatives(**kwargs))
    assert type(PlainEmail(**kwargs).message()).__module__.startswith("email.mime")  # the light path was taken
    for name in ("Subject", "From", "To", "Reply-To", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"):
        assert str(ours[name]) == str(django[name]), name
    assert ours.get_content() == django.get_content()
    assert ours.get_content_type() == "text/plain" and ours.get_content_charset() == "utf-8"
    assert ours["Date"] is not None and ours["MIME-Version"] == "1.0"
    for line in ours.as_bytes(policy=email.policy.SMTP).split(b"\r\n"):
        assert len(line) <= 998


@pytest.mark.parametrize("change", [
    {"to": ["sofie.jørgensen@example.dk"]},
    {"headers": {**HEADERS, "X-Note": "æ"}},
    {"subject": "two\nlines"},
])
def test_anything_else_is_built_by_django(change):
    kwargs = dict(CASES["ascii"], to=["resident@example.net"], headers=HEADERS) | change
    message = PlainEmail(**kwargs)
    if "subject" in change:
        with pytest.raises(ValueError):  # Django refuses a line break in a header
            message.message()
    else:
        assert isinstance(message.message(), email.message.EmailMessage)


def test_an_html_alternative_is_built_by_django():
    message = PlainEmail(**CASES["danish"], to=["resident@example.net"])
    message.attach_alternative("<p>Hej</p>", "text/html")
    assert wire(message).get_content_type() == "multipart/alternative"


def test_smtplib_sends_it_as_written(smtp_server):
    message = PlainEmail(**CASES["dot lines"], to=["resident@example.net"], headers=HEADERS)
    with smtplib.SMTP("127.0.0.1", smtp_server.port) as connection:
        connection.sendmail("noreply@valby.example", ["resident@example.net"], message.message().as_bytes())
    received = smtp_server.parsed()[0]
    assert received.get_content().replace("\r\n", "\n") == ".\n..\n. \nslut\n"  # dots as written
    assert received["Message-ID"] == HEADERS["Message-ID"]
