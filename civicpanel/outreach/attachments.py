"""Files that travel with an e-mail (an event's calendar file with its reminder).

Like the body, an attachment is built inside the worker by the app that owns the message type
and never stored. Every attachment is checked here before it is sent: only the content types
listed below, a plain file name, and a size cap per file and per e-mail. A file that fails the
check fails that one e-mail (a programming error, shown to staff on the mailing page), never
sends something a mail program would warn about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# What a member's mail program opens safely. No HTML, no archives, nothing executable.
ALLOWED_TYPES = frozenset({"text/calendar", "application/pdf"})
MAX_FILE_BYTES = 256 * 1024
MAX_TOTAL_BYTES = 1024 * 1024
MAX_FILES = 3
# ASCII letters, digits, dot, dash and underscore, with an extension: no paths, no header tricks.
FILENAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,80}\.[A-Za-z0-9]{1,8}$")


class AttachmentRefused(ValueError):
    """An attachment that must not be sent (wrong type, name or size)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str

    @property
    def size(self) -> int:
        return len(self.content)


def checked(attachments) -> list[Attachment]:
    """The attachments as a list, after checking each and all together; AttachmentRefused
    says what is wrong."""
    files = list(attachments or [])
    if len(files) > MAX_FILES:
        raise AttachmentRefused(f"{len(files)} attachments, at most {MAX_FILES}")
    total = 0
    for item in files:
        if not isinstance(item, Attachment) or not isinstance(item.content, bytes):
            raise AttachmentRefused("an attachment must be an Attachment with bytes content")
        if item.mimetype not in ALLOWED_TYPES:
            raise AttachmentRefused(f"content type {item.mimetype!r} is not allowed")
        if not FILENAME_RE.match(item.filename):
            raise AttachmentRefused(f"file name {item.filename!r} is not allowed")
        if not item.content:
            raise AttachmentRefused(f"{item.filename} is empty")
        if item.size > MAX_FILE_BYTES:
            raise AttachmentRefused(f"{item.filename} is {item.size} bytes, at most {MAX_FILE_BYTES}")
        total += item.size
    if total > MAX_TOTAL_BYTES:
        raise AttachmentRefused(f"the attachments are {total} bytes together, at most {MAX_TOTAL_BYTES}")
    return files
