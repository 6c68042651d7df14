"""The rate limiter's storage when no Redis is configured.

``limits``' ``memory://`` storage starts a timer thread on nearly every hit to sweep expired
counters, and the hit waits until that thread has started: on a busy worker this costs
milliseconds per request and keeps a core sweeping every key a hundred times a second.
Expired counters are already ignored when read (each counter carries its expiry), so the
sweep only frees memory; here it runs in the request at most every :data:`SWEEP_SECONDS`,
by whichever hit comes first, and never in a thread of its own.

:func:`limit_reached` counts a hit against limits without ``@limiter.limit``.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage

#: URI of this storage for ``RATELIMIT_STORAGE_URI``.
STORAGE_URI = "portal-memory://"
SWEEP_SECONDS = 5.0


class SweepingMemoryStorage(MemoryStorage):
    """``memory://`` with the expired-counter sweep done inline, seldom, without threads."""

    STORAGE_SCHEME = ["portal-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = time.monotonic() + SWEEP_SECONDS
        self._sweeping = threading.Lock()

    # ``MemoryStorage`` calls its private ``__schedule_expiry`` on every hit; this replaces it.
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep or not self._sweeping.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
        finally:
            self._sweeping.release()


@functools.lru_cache(maxsize=64)
def _parsed(limits: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limits))


def limit_reached(limits: str, scope: str, key: str) -> bool:
    """Count one hit of ``key`` against each of ``limits``; True when one is used up.

    ``limits`` is written as for ``@limiter.limit`` (``"120 per minute;2000 per hour"``)
    and counted in the same storage, without the decorator's per-request bookkeeping and
    headers: for the hottest posts (a vote, a feedback answer), which are exempt from the
    decorator and call this first.
    """
    from portal.extensions import limiter

    if not limiter.enabled:
        return False
    window = limiter.limiter
    hits = [window.hit(item, scope, key) for item in _parsed(limits)]
    return not all(hits)
