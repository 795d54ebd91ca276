"""Who may read: a bearer token of the council the request's host belongs to, with the scope the
endpoint needs, within the rate limits.

- The council comes from the host (tenancy middleware), as for every page: a token of another
  council is unknown here.
- Each token may make RATE_LIMIT requests per RATE_WINDOW seconds (common.ratelimit, atomic
  under concurrency); then 429 with Retry-After.
- Wrong tokens are counted per client address: after MISS_LIMIT in MISS_WINDOW seconds that
  address gets 429 too, so tokens cannot be guessed at speed.
- The token never reaches a log: ninja's own bearer class logs the header in debug mode, so
  the header is read here.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from ninja.errors import HttpError
from ninja.security import HttpBearer

from civicpanel.api import selectors, services
from civicpanel.common.ratelimit import rate_limit_hit
from civicpanel.common.security import client_ip

RATE_WINDOW = 60
MISS_LIMIT = 20
MISS_WINDOW = 600


def rate_limit() -> int:
    """Requests per token per minute (CIVICPANEL_API_RATE_LIMIT, default 120)."""
    return settings.CIVICPANEL_API_RATE_LIMIT


class TooManyRequests(HttpError):
    def __init__(self, retry_after: int):
        super().__init__(429, "Too many requests: wait a minute and try again.")
        self.retry_after = retry_after


class CouncilToken(HttpBearer):
    """Authorization: Bearer <token>."""

    def __call__(self, request):
        if getattr(request, "council", None) is None:
            raise Http404
        value = request.headers.get("Authorization", "")
        scheme, _space, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request, token: str):
        council = request.council
        address = client_ip(request) or "unknown"
        found = selectors.token_for(council=council, plaintext=token)
        if found is None:
            if rate_limit_hit(scope="api-miss", key=f"{council.pk}:{address}", limit=MISS_LIMIT, window=MISS_WINDOW):
                raise TooManyRequests(MISS_WINDOW)
            return None
        if rate_limit_hit(scope="api", key=str(found.pk), limit=rate_limit(), window=RATE_WINDOW):
            raise TooManyRequests(RATE_WINDOW)
        services.token_touch(found)
        return found


def require_scope(request, scope: str) -> None:
    """403 unless the request's token carries the scope."""
    if scope not in (request.auth.scopes or []):
        raise HttpError(403, f"This token may not read '{scope}'. A council admin can make one that may.")
