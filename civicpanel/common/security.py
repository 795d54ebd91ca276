"""Small security helpers shared by every app."""

from __future__ import annotations

import hashlib
import secrets

# Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def new_token() -> str:
    """An unguessable URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What we store instead of a token: a database leak must not yield working links."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def spreadsheet_safe(value: object) -> object:
    """Neutralise a value that a spreadsheet would execute as a formula.

    Numbers stay numbers; a text starting with = + - @ (and friends) gets a leading
    apostrophe, which spreadsheets show as text and never evaluate.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


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
