"""Small security helpers shared by every app."""

from __future__ import annotations

import hashlib
import math
import re
import secrets

# Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection). A cell that
# starts with any other control character (NUL included) is neutralised too: some spreadsheets
# skip them and then read what follows as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%", "\0")

# What no text typed by a person contains: C0 and C1 control characters except tab and line
# breaks, DEL, lone surrogates and the two non-characters. They break XML (XLSX), PostgreSQL
# (NUL) and terminals, and are invisible, so removing them changes nothing a person sees.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# Vertical tab, form feed, next line and the Unicode separators are line breaks in disguise
# (word processors paste them): they become plain line breaks.
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# openpyxl refuses these in a cell (they are not allowed in XML 1.0).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """Text as a person meant it: line breaks normalised to \\n, control characters removed."""
    return _CONTROL.sub("", _LINE_BREAKS.sub("\n", value))


def clean_submitted(data):
    """A copy of submitted form data (QueryDict, MultiValueDict or dict) with every text cleaned
    (`clean_text`); files and other values are left as they are."""
    if data is None:
        return None
    if hasattr(data, "lists"):
        cleaned = data.copy()
        for key, values in list(data.lists()):
            cleaned.setlist(key, [clean_text(v) if isinstance(v, str) else v for v in values])
        return cleaned
    return {key: clean_text(v) if isinstance(v, str) else v for key, v in data.items()}


def new_token() -> str:
    """An unguessable URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What we store instead of a token: a database leak must not yield working links."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def spreadsheet_safe(value: object) -> object:
    """Neutralise a value that a spreadsheet would execute as a formula (CSV cells).

    Numbers stay numbers (a stored NaN or infinity becomes an empty cell); a text starting
    with = + - @ (and friends, and any control character) gets a leading apostrophe, which
    spreadsheets show as text and never evaluate.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str) and value and (value.startswith(FORMULA_PREFIXES) or value[0] < " "):
        return "'" + value
    return value


def xlsx_safe(value: object) -> object:
    """`spreadsheet_safe` for an XLSX cell: characters XML cannot hold are dropped first, so
    that what is left is what gets checked for a formula."""
    if isinstance(value, str):
        value = _XML_ILLEGAL.sub("", value)
    return spreadsheet_safe(value)


def derived_token(purpose: str, pk: int, salt: str) -> str:
    """A link token that can be rebuilt from (secret key, row id, salt) at send time.

    Only its hash is stored (see `token_hash`), and the salt alone is useless without the
    secret key: the database never holds a working link, and no task argument carries one.
    """
    import base64
    import hmac

    from django.conf import settings

    digest = hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{pk}:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_salt() -> str:
    return secrets.token_hex(16)


def client_ip(request) -> str | None:
    """The address of the person making the request, for rate limits and the audit log.

    Behind a reverse proxy REMOTE_ADDR is the proxy's own address (the same for everyone), so
    per-address limits would count every resident together and one person could lock out all.
    With TRUSTED_PROXY_COUNT = n > 0 the n-th address from the right of X-Forwarded-For is
    taken (what the nearest trusted proxy saw); entries further left are client-supplied and
    never trusted. Anything that is not an IP address falls back to REMOTE_ADDR.
    """
    import ipaddress

    from django.conf import settings

    remote = request.META.get("REMOTE_ADDR") or None
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        entries = [part.strip() for part in forwarded.split(",")]
        if len(entries) >= count:
            candidate = entries[-count]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return remote
