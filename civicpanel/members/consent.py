"""The consent log: what exactly a member agreed to, provably.

Each record keeps the SHA-256 of the exact text shown (the consent version's text in the
language the page was shown in), so that anyone holding the council's consent versions can
check, years later, that the words on record are the words agreed to (`consent_record_verify`).
"""

from __future__ import annotations

import datetime
import hashlib

from django.utils import timezone
from django.utils.translation import get_language

from civicpanel.members.models import ConsentRecord, Member
from civicpanel.panel.models import ConsentVersion

FALLBACK_LANGUAGES = ("en", "da", "nb")


def consent_text(version: ConsentVersion, language: str | None) -> tuple[str, str]:
    """(language, text) that a page in `language` shows for this version: the same fallback as
    `common.models.translated` (the language, then English, Danish, Norwegian, then any)."""
    texts = version.text or {}
    wanted = (language or "")[:2].lower()
    if wanted == "no":
        wanted = "nb"
    for code in (wanted, *FALLBACK_LANGUAGES):
        if code and texts.get(code):
            return code, texts[code]
    for code, text in texts.items():
        if text:
            return code, text
    return wanted, ""


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def consent_record_build(*, member: Member, version: ConsentVersion, channel: str, language: str | None = None,
                         purpose: str = ConsentRecord.Purpose.PANEL,
                         at: datetime.datetime | None = None) -> ConsentRecord:
    """An unsaved record (for bulk_create). `language` is the language the text was shown in:
    the page's language on the web (the default), the member's language for paper and imports."""
    if channel not in ConsentRecord.Channel.values:
        raise ValueError(f"unknown consent channel {channel!r}")
    if language is None:
        language = get_language() if channel == ConsentRecord.Channel.WEB else member.language
    shown_language, text = consent_text(version, language)
    return ConsentRecord(
        member=member, version=version, purpose=purpose, text_version=version.version,
        text_sha256=text_sha256(text), language=shown_language, given_at=at or timezone.now(), channel=channel,
    )


def consent_record_add(**kwargs) -> ConsentRecord:
    """Append one record to the log (see consent_record_build for the arguments)."""
    record = consent_record_build(**kwargs)
    record.save()
    return record


def consent_record_verify(record: ConsentRecord) -> bool:
    """True when the record's hash is that of its version's text in its language today (the
    versions are never edited, so False means the text or the record was altered)."""
    texts = record.version.text or {}
    return (record.text_version == record.version.version
            and text_sha256(texts.get(record.language, "")) == record.text_sha256)
