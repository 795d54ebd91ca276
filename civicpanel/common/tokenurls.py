"""Links that are keys (survey links, login and confirmation links, unsubscribe links): wrong
tokens are throttled per address, and tokens never reach a log.

- Throttling: more than WRONG_LIMIT unknown tokens within WRONG_WINDOW seconds from one address
  block that address on every token URL for BLOCK_SECONDS (HTTP 429), so a link cannot be
  guessed by trying; people elsewhere are not affected. Counters live in the shared cache, as
  the other rate limits do, so every web process sees them.
- Logging: `redact_tokens` replaces the token part of such a path; `RedactTokensFilter` applies
  it to Django's request and server loggers, `RedactingGunicornLogger` to gunicorn's access log.
"""

from __future__ import annotations

import hashlib
import logging
import re
from functools import wraps

from django.core.cache import cache
from django.shortcuts import render

from civicpanel.common.ratelimit import rate_limit_hit
from civicpanel.common.security import client_ip

WRONG_LIMIT = 10
WRONG_WINDOW = 60
BLOCK_SECONDS = 15 * 60

# The URL prefixes (regular expressions) whose next path segment is a token, and the fixed
# segments that are not: the panel's links, and the events' and budgeting's personal links.
TOKEN_PREFIXES = ("s", "me/login", "join/confirm", "join/letter", "o/unsubscribe", "events/p", r"pb/\d+/confirm")
NOT_TOKENS = ("check-your-email", "answer", "continue")
_PREFIXES = "|".join(TOKEN_PREFIXES)
_FIXED = "|".join(NOT_TOKENS)
_TOKEN_IN_PATH = re.compile(rf"(/(?:{_PREFIXES})/)(?!(?:{_FIXED})(?:[/?#\s\"']|$))([^/?#\s\"']+)")
REDACTED = "[token]"


def redact_tokens(text: str) -> str:
    """The text with the token of every token URL in it replaced by [token]."""
    return _TOKEN_IN_PATH.sub(lambda match: match.group(1) + REDACTED, text)


def _key(kind: str, request) -> str:
    address = client_ip(request) or "unknown"
    return f"civicpanel:token-{kind}:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def token_blocked(request) -> bool:
    return bool(cache.get(_key("block", request)))


def token_miss(request) -> None:
    """Count one unknown token from this request's address; past the limit, block the address."""
    address = client_ip(request) or "unknown"
    if rate_limit_hit(scope="token-miss", key=address, limit=WRONG_LIMIT, window=WRONG_WINDOW):
        cache.set(_key("block", request), 1, BLOCK_SECONDS)


def too_many_wrong_links(request):
    response = render(request, "common/too_many_links.html", status=429)
    response["Retry-After"] = str(BLOCK_SECONDS)
    return response


def token_url(view):
    """For a view that takes a token: an address that has tried too many wrong tokens gets 429,
    whatever the token (the view itself calls `token_miss` for a token it does not know)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if token_blocked(request):
            return too_many_wrong_links(request)
        return view(request, *args, **kwargs)

    return wrapper


class RedactTokensFilter(logging.Filter):
    """Rewrites a log record's message with its tokens redacted (Django's "Not Found: /s/<token>/",
    the development server's request lines). Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is left as it is
            return True
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
