"""The demo's mail catcher: a small SMTP server that keeps every e-mail as an .eml file, so
the demo works without a real mail server and its e-mails can be read at /demo/mail/.

Never used in production: it accepts mail for anyone and delivers nothing.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

FILENAME_RE = re.compile(r"^[0-9]{8}T[0-9]{12}-[0-9a-f]{8}\.eml$")


class StoreHandler:
    """aiosmtpd handler: write each message to `<UTC time>-<random>.eml` in the directory."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        name = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:8] + ".eml"
        # Write then rename, so the page never lists a half-written file.
        partial = self.directory / (name + ".part")
        partial.write_bytes(content)
        partial.replace(self.directory / name)
        return "250 Message accepted for delivery"


def start_catcher_thread(host: str = "127.0.0.1", port: int = 1025, directory: str | os.PathLike | None = None):
    """Start the catcher in a background thread and return its aiosmtpd Controller (call
    `.stop()` to end it). The directory defaults to settings.CIVICPANEL_MAIL_CATCHER_DIR."""
    from aiosmtpd.controller import Controller

    if directory is None:
        from django.conf import settings

        directory = settings.CIVICPANEL_MAIL_CATCHER_DIR
    if not directory:
        raise ValueError("no directory for the mail catcher: set CIVICPANEL_MAIL_CATCHER_DIR")
    controller = Controller(StoreHandler(directory), hostname=host, port=port, enable_SMTPUTF8=True)
    controller.start()
    return controller


# --- Reading what was caught (for the /demo/mail/ pages) -----------------------------------

@dataclass
class CaughtMail:
    name: str
    received: datetime
    to: str
    sender: str
    subject: str


def _parse(path: Path, *, headers_only: bool) -> EmailMessage:
    with path.open("rb") as handle:
        return BytesParser(policy=policy.default).parse(handle, headersonly=headers_only)


def caught_list(directory: str | os.PathLike, *, limit: int = 200) -> tuple[list[CaughtMail], int]:
    """The newest `limit` e-mails (newest first) and how many there are in all."""
    folder = Path(directory)
    if not folder.is_dir():
        return [], 0
    names = sorted((p.name for p in folder.iterdir() if FILENAME_RE.match(p.name)), reverse=True)
    mails = []
    for name in names[:limit]:
        message = _parse(folder / name, headers_only=True)
        received = datetime.strptime(name[:21], "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
        mails.append(CaughtMail(name=name, received=received, to=str(message.get("To", "")),
                                sender=str(message.get("From", "")), subject=str(message.get("Subject", ""))))
    return mails, len(names)


def caught_path(directory: str | os.PathLike, name: str) -> Path | None:
    """The file of one caught e-mail; None for a name that is not one (no path tricks)."""
    if not FILENAME_RE.match(name):
        return None
    path = Path(directory) / name
    return path if path.is_file() else None


@dataclass
class CaughtMessage:
    mail: CaughtMail
    headers: list[tuple[str, str]]
    text: str
    html: str
    attachments: list[tuple[str, str, int]]  # (file name, content type, bytes)


SHOWN_HEADERS = ("From", "To", "Subject", "Date", "Reply-To", "List-Unsubscribe", "List-Unsubscribe-Post",
                 "Message-ID")


def caught_read(path: Path) -> CaughtMessage:
    message = _parse(path, headers_only=False)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    received = datetime.strptime(path.name[:21], "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
    return CaughtMessage(
        mail=CaughtMail(name=path.name, received=received, to=str(message.get("To", "")),
                        sender=str(message.get("From", "")), subject=str(message.get("Subject", ""))),
        headers=[(name, str(message[name])) for name in SHOWN_HEADERS if message[name] is not None],
        text=text_part.get_content() if text_part is not None else "",
        html=html_part.get_content() if html_part is not None else "",
        attachments=[(part.get_filename() or "", part.get_content_type(), len(part.get_payload(decode=True) or b""))
                     for part in message.iter_attachments()],
    )
