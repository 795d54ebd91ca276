"""Pacing: at most CIVICPANEL_MAIL_PER_SECOND e-mails a second per council, across every worker.

A council's mail server and its reputation with the big mailbox providers suffer from bursts
(greylisting, "too many messages" deferrals, spam scoring), and one council's wave of 50,000
must not crowd out another council's. So every e-mail of a council first takes a numbered turn:
turn k may start at k / rate seconds (wall-clock time, which every worker on every machine
shares). A turn is taken with `cache.add`, atomic on every cache backend, so two workers never
get the same one; turns therefore start at least 1 / rate seconds apart, and no window of one
second holds more than `rate` starts. A worker that finds the current turn taken tries the
next and sleeps until it comes. Turns of the past are never handed out: a council that was
quiet for a minute does not get a burst of 600.

The clock and the sleep are parameters, so tests run the pacing on a simulated clock.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache as default_cache

# A turn's cache entry lives until a little after its time, so the cache stays small (the
# database cache culls entries beyond its size, and turns must not push out the login limits).
KEEP_AFTER_TURN_SECONDS = 2


def mail_rate() -> float:
    """E-mails per second per council; 0 means no pacing."""
    return float(getattr(settings, "CIVICPANEL_MAIL_PER_SECOND", 10))


class Pacer:
    """The turns of one council's e-mails, as seen by one sending run."""

    def __init__(self, *, council_id: int, rate: float | None = None, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, cache=None):
        self.council_id = council_id
        self.rate = mail_rate() if rate is None else float(rate)
        self.clock, self.sleep = clock, sleep
        self.cache = cache or default_cache
        self.last_turn = -1

    def _take(self, turn: int, now: float) -> bool:
        keep = max(1, math.ceil(turn / self.rate - now) + KEEP_AFTER_TURN_SECONDS)
        return self.cache.add(f"civicpanel:mailpace:{self.council_id}:{turn}", 1, keep)

    def wait_turn(self) -> float:
        """Wait until this run may send the council's next e-mail; returns the time it may."""
        now = self.clock()
        if self.rate <= 0:
            return now
        # Each turn is tried once: the ones taken are the other runs' next e-mails, as many as
        # there are runs sending for this council at the moment.
        turn = max(math.ceil(now * self.rate), self.last_turn + 1)
        while not self._take(turn, now):
            turn += 1
        self.last_turn = turn
        at = turn / self.rate
        if at > now:
            self.sleep(at - now)
        return at
