"""A member's postal address and phone number: optional, for members who take part on paper or
by phone (surveys' paper and phone sendings). Both are encrypted at rest like the name and
e-mail, shown to staff who may see members, in the member's own data export, and erased when
the member leaves.

The checks are deliberately loose (addresses and numbers differ between Denmark, Norway and
abroad) but keep what would break a printed envelope or a call list out.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ADDRESS_LINES = 5
ADDRESS_LINE_LENGTH = 60
PHONE_ALLOWED = re.compile(r"^\(?\+?[0-9 ()./-]+$")


def clean_postal_address(value: str | None) -> str:
    """The address as lines for an envelope's window: blank lines and surrounding space dropped."""
    lines = [" ".join(line.split()) for line in (value or "").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > ADDRESS_LINES:
        raise ValidationError(_("An address has at most %(n)s lines: it must fit an envelope's window.")
                              % {"n": ADDRESS_LINES})
    if any(len(line) > ADDRESS_LINE_LENGTH for line in lines):
        raise ValidationError(_("A line of the address has at most %(n)s characters: it must fit an envelope's "
                                "window.") % {"n": ADDRESS_LINE_LENGTH})
    return "\n".join(lines)


def clean_phone(value: str | None) -> str:
    """A phone number as staff will dial it: digits, with an optional leading + and the spaces,
    dashes, dots and brackets people write; 8 to 15 digits (ITU E.164 has at most 15)."""
    text = " ".join((value or "").split())
    if not text:
        return ""
    digits = re.sub(r"\D", "", text)
    if not PHONE_ALLOWED.match(text) or not 8 <= len(digits) <= 15:
        raise ValidationError(_("Write the phone number with digits only (8 to 15), e.g. +45 12 34 56 78."))
    return text
