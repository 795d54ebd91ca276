"""A rate limit that holds under concurrent requests on every cache backend.

Counting with get-and-set (what `cache.incr` is on the database cache) loses counts when
requests arrive together: twelve parallel sign-ups from one address all read the same count and
all get through a limit of ten. Here each event takes one of `limit` numbered slots with
`cache.add`, which is atomic on every backend (an INSERT on the database cache, SET NX on
Redis, a lock in memory): two requests can never take the same slot, so at most `limit` events
pass per window. A slot frees itself `window` seconds after it was taken.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def rate_limit_hit(*, scope: str, key: str, limit: int, window: int) -> bool:
    """Count one event for (scope, key); True when it is over the limit (the event must be refused)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    base = f"civicpanel:rate:{scope}:{digest}"
    return not any(cache.add(f"{base}:{slot}", 1, window) for slot in range(limit))
