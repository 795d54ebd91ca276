"""Reading bounce reports (RFC 3464 delivery status notifications) from a Maildir or an mbox.

Only hard bounces count: a DSN whose recipient has Action: failed and a 5.x.x Status. The
original Message-ID comes from the returned message (message/rfc822 or text/rfc822-headers
part), which is how a report is tied to a delivery without keeping any address.
"""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

STATUS_RE = re.compile(r"^\s*([245])\.\d{1,3}\.\d{1,3}")


@dataclass(frozen=True)
class Bounce:
    message_id: str
    status: str


def _original_message_id(report: Message) -> str:
    for part in report.walk():
        content_type = part.get_content_type()
        if content_type in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else payload
            if isinstance(inner, Message) and inner.get("Message-ID"):
                return str(inner["Message-ID"]).strip()
        elif content_type in ("text/rfc822-headers", "message/global-headers"):
            raw = part.get_payload(decode=True) or b""
            headers = message_from_bytes(raw, policy=policy.compat32)
            if headers.get("Message-ID"):
                return str(headers["Message-ID"]).strip()
    return ""


def _status_fields(report: Message) -> list[dict[str, str]]:
    """The per-recipient field groups of the message/delivery-status part."""
    groups: list[dict[str, str]] = []
    for part in report.walk():
        if part.get_content_type() not in ("message/delivery-status", "message/global-delivery-status"):
            continue
        payload = part.get_payload()
        if isinstance(payload, list):  # the email package parses each field group as a message
            for block in payload:
                groups.append({key.lower(): str(value) for key, value in block.items()})
        else:
            text = payload if isinstance(payload, str) else (part.get_payload(decode=True) or b"").decode(
                "utf-8", "replace")
            for chunk in re.split(r"\r?\n\s*\r?\n", text):
                fields = dict(re.findall(r"^([A-Za-z-]+):\s*(.*)$", chunk, flags=re.M))
                groups.append({key.lower(): value for key, value in fields.items()})
    return groups


def hard_bounce(report: Message) -> Bounce | None:
    """The hard bounce a DSN reports, or None (not a DSN, a delay, a success, a soft failure)."""
    if report.get_content_type() != "multipart/report":
        return None
    if (report.get_param("report-type") or "").lower() != "delivery-status":
        return None
    for group in _status_fields(report):
        action = group.get("action", "").strip().lower()
        status = STATUS_RE.match(group.get("status", ""))
        if action == "failed" and status and status.group(1) == "5":
            message_id = _original_message_id(report)
            if message_id:
                return Bounce(message_id=message_id, status=group["status"].split()[0])
    return None


def read_reports(path: str | Path) -> Iterator[Message]:
    """Every message in a Maildir (a directory with cur/ and new/) or an mbox file."""
    path = Path(path)
    if path.is_dir():
        box = mailbox.Maildir(path, factory=None, create=False)
    elif path.is_file():
        box = mailbox.mbox(path, create=False)
    else:
        raise FileNotFoundError(f"{path}: no Maildir directory or mbox file there")
    for key in box.iterkeys():
        raw = box.get_bytes(key)
        yield message_from_bytes(raw, policy=policy.compat32)
