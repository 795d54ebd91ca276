"""Which council a request is for, from its host name."""

from __future__ import annotations

import copy
import threading
import time

from django.conf import settings

from civicpanel.tenancy.models import Council

DEV_SUFFIX = ".localhost"

# Every request asks, and councils change seldom: each process keeps the answer per host for
# KEEP_SECONDS. A council saved or deleted in this process is seen at once (tenancy.apps connects
# forget_councils to the signals); one saved in another process within KEEP_SECONDS.
KEEP_SECONDS = 10
_kept: dict[str, tuple[float, Council | None]] = {}
_lock = threading.Lock()
_clock = time.monotonic


def council_for_host(host: str) -> Council | None:
    """Its own domain in production, `<slug>.localhost` in development; an install with one
    council also answers on any other allowed host (the bare host). Each call gets its own copy,
    which the request may change without touching other requests'."""
    host = host.split(":", 1)[0].lower().rstrip(".")
    now = _clock()
    kept = _kept.get(host)
    if kept is None or now - kept[0] > KEEP_SECONDS:
        kept = (now, _council_for_host(host))
        with _lock:
            if len(_kept) > 1_000:  # hosts are limited by ALLOWED_HOSTS; this only bounds the memory
                _kept.clear()
            _kept[host] = kept
    return copy.copy(kept[1])


def forget_councils(**_kwargs) -> None:
    """Drop what this process keeps (a council was saved or deleted)."""
    with _lock:
        _kept.clear()


def _council_for_host(host: str) -> Council | None:
    council = Council.objects.filter(domain=host).first()
    if council:
        return council
    if host.endswith(DEV_SUFFIX) and not settings.PRODUCTION:
        council = Council.objects.filter(slug=host[: -len(DEV_SUFFIX)]).first()
        if council:
            return council
    councils = list(Council.objects.all()[:2])
    return councils[0] if len(councils) == 1 else None
