"""Files that travel with an e-mail: built in the worker, checked (type, name, size), sent as
real MIME attachments, and shown by the demo's mail catcher."""

from __future__ import annotations

import pytest

from civicpanel.outreach import registry
from civicpanel.outreach.attachments import MAX_FILE_BYTES, Attachment, AttachmentRefused, checked
from civicpanel.outreach.catcher import caught_list, caught_read, start_catcher_thread
from civicpanel.outreach.models import Delivery
from civicpanel.outreach.services import mailing_create
from tests.outreach.conftest import free_port
from tests.outreach.factories import members

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Workshop\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"


def calendar(delivery) -> list[Attachment]:
    return [Attachment(filename=f"event-{delivery.reference_id}.ics", content=ICS, mimetype="text/calendar")]


def register(attachments) -> None:
    registry.register_message_type(
        "test_with_file", subject={"en": "Your session"}, body={"en": "See you there, {{ member_name }}."},
        variables=[], preference=None, attachments=attachments)


def send(council, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return mailing_create(council=council, actor=None, message_type="test_with_file",
                              member_ids=[m.pk for m in people], reference_ids={m.pk: 7 for m in people})


@pytest.mark.parametrize("attachment, problem", [
    (Attachment("page.html", b"<p>x</p>", "text/html"), "content type"),
    (Attachment("run.exe", b"MZ", "application/octet-stream"), "content type"),
    (Attachment("../secret.ics", ICS, "text/calendar"), "file name"),
    (Attachment("a.ics\r\nBcc: x@example.org", ICS, "text/calendar"), "file name"),
    (Attachment("empty.ics", b"", "text/calendar"), "empty"),
    (Attachment("big.ics", b"x" * (MAX_FILE_BYTES + 1), "text/calendar"), "bytes"),
])
def test_only_small_files_of_allowed_types_with_plain_names_pass(attachment, problem):
    with pytest.raises(AttachmentRefused, match=problem):
        checked([attachment])


def test_several_files_are_capped_together():
    five = [Attachment(f"f{i}.ics", ICS, "text/calendar") for i in range(5)]
    with pytest.raises(AttachmentRefused, match="at most"):
        checked(five)
    assert checked(five[:2]) == five[:2]


@pytest.mark.django_db
def test_the_file_arrives_as_a_real_calendar_attachment(council, mailoutbox, django_capture_on_commit_callbacks):
    register(calendar)
    person = members(council, 1, language="en")[0]
    mailing = send(council, [person], django_capture_on_commit_callbacks)
    assert mailing.deliveries.get().state == Delivery.State.SENT
    message = mailoutbox[0].message()
    files = list(message.iter_attachments())
    assert [(f.get_filename(), f.get_content_type()) for f in files] == [("event-7.ics", "text/calendar")]
    assert files[0].get_content().replace("\r\n", "\n") == ICS.decode().replace("\r\n", "\n")
    assert message.get_body(preferencelist=("plain",)).get_content().startswith("See you there")


@pytest.mark.django_db
def test_a_refused_file_fails_that_email_only_and_says_why(council, mailoutbox, django_capture_on_commit_callbacks):
    def bad(delivery):
        if delivery.member_id == people[0].pk:
            return [Attachment("page.html", b"<p>x</p>", "text/html")]
        return calendar(delivery)

    register(bad)
    people = members(council, 2, language="en")
    mailing = send(council, people, django_capture_on_commit_callbacks)
    refused = mailing.deliveries.get(member=people[0])
    assert refused.state == Delivery.State.FAILED and "content type" in refused.last_error
    assert mailing.deliveries.get(member=people[1]).state == Delivery.State.SENT
    assert [m.to for m in mailoutbox] == [[people[1].email]]


@pytest.mark.urls("tests.outreach.urls_demo")
@pytest.mark.django_db
def test_the_demo_mailbox_lists_the_attachment(council, client, tmp_path, settings,
                                                django_capture_on_commit_callbacks):
    port = free_port()
    controller = start_catcher_thread("127.0.0.1", port, tmp_path / "mail")
    settings.CIVICPANEL_MAIL_CATCHER_DIR = str(tmp_path / "mail")
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}
    try:
        register(calendar)
        send(council, members(council, 1, language="en"), django_capture_on_commit_callbacks)
        name = caught_list(tmp_path / "mail")[0][0].name
        # A text part travels with the mail's own line endings; the size is of the file as read.
        ((filename, content_type, size),) = caught_read(tmp_path / "mail" / name).attachments
        assert (filename, content_type) == ("event-7.ics", "text/calendar") and size >= len(ICS.replace(b"\r", b""))
        page = client.get(f"/demo/mail/{name}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Attachments" in page and "event-7.ics (text/calendar" in page
    finally:
        controller.stop()
