"""Bounce reports (RFC 3464) read from a Maildir or an mbox stop mail to dead addresses."""

from __future__ import annotations

import mailbox

import pytest
from django.core.management import CommandError, call_command

from civicpanel.audit.models import AuditEvent
from civicpanel.outreach.bounces import hard_bounce
from civicpanel.outreach.models import Delivery
from civicpanel.outreach.services import mailing_create
from tests.outreach.factories import members

pytestmark = pytest.mark.django_db


def dsn(message_id: str, *, action: str = "failed", status: str = "5.1.1", headers_only: bool = False) -> bytes:
    returned = ("Content-Type: text/rfc822-headers\r\n\r\n" if headers_only else
                "Content-Type: message/rfc822\r\n\r\n")
    return (
        "From: MAILER-DAEMON@mx.example.net\r\n"
        "To: panel@civicpanel.localhost\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe mail system could not deliver your message.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        "Final-Recipient: rfc822; someone@example.net\r\n"
        f"Action: {action}\r\nStatus: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        f"--B\r\n{returned}"
        f"Message-ID: {message_id}\r\nSubject: New survey\r\nTo: someone@example.net\r\n\r\nbody\r\n"
        "--B--\r\n"
    ).encode()


@pytest.fixture
def sent(council, mailoutbox, django_capture_on_commit_callbacks):
    people = members(council, 3)
    with django_capture_on_commit_callbacks(execute=True):
        mailing_create(council=council, actor=None, message_type="test_invitation",
                       member_ids=[m.pk for m in people], extra_context={"survey_title": "x"})
    return {d.member_id: d.message_id for d in Delivery.objects.all()}, people


def test_hard_bounce_from_an_mbox_marks_the_member(sent, tmp_path):
    message_ids, (gone, delayed, ok) = sent
    box = mailbox.mbox(tmp_path / "bounces.mbox")
    box.add(dsn(message_ids[gone.pk]))
    box.add(dsn(message_ids[delayed.pk], action="delayed", status="4.4.1"))
    box.add(b"From: someone@example.net\r\nSubject: thanks!\r\n\r\nNot a report.\r\n")
    box.flush()
    call_command("bounces_process", str(tmp_path / "bounces.mbox"), stdout=open(tmp_path / "out", "w"))  # noqa: SIM115
    for person in (gone, delayed, ok):
        person.refresh_from_db()
    assert (gone.email_bounced, delayed.email_bounced, ok.email_bounced) == (True, False, False)
    assert AuditEvent.objects.filter(action="member.bounced", member_ids=[gone.pk]).exists()
    assert "1 members newly marked" in (tmp_path / "out").read_text()


def test_hard_bounce_from_a_maildir_with_returned_headers_only(sent, tmp_path):
    message_ids, (gone, _delayed, ok) = sent
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(dsn(message_ids[gone.pk], headers_only=True))
    box.add(dsn("<unknown@civicpanel>"))  # not ours: ignored
    call_command("bounces_process", str(tmp_path / "Maildir"), stdout=open(tmp_path / "out", "w"))  # noqa: SIM115
    gone.refresh_from_db()
    ok.refresh_from_db()
    assert gone.email_bounced and not ok.email_bounced


def test_only_permanent_failures_count():
    from email import message_from_bytes

    assert hard_bounce(message_from_bytes(dsn("<a@b>"))).message_id == "<a@b>"
    assert hard_bounce(message_from_bytes(dsn("<a@b>", status="4.2.2"))) is None
    assert hard_bounce(message_from_bytes(dsn("<a@b>", action="delivered", status="2.0.0"))) is None


def test_a_missing_path_is_reported(tmp_path):
    with pytest.raises(CommandError, match="no Maildir directory or mbox file"):
        call_command("bounces_process", str(tmp_path / "nowhere"))
