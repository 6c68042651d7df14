"""The limiter's in-process storage: limits still hold and expire, without a thread per hit."""

from __future__ import annotations

import threading
import time

import pytest
from limits import RateLimitItemPerSecond, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from portal.core import rate_limits


def test_the_uri_gives_the_sweeping_storage() -> None:
    storage = storage_from_string(rate_limits.STORAGE_URI)
    assert isinstance(storage, rate_limits.SweepingMemoryStorage)


@pytest.mark.parametrize("allowed", [1, 3, 7])
def test_limit_holds_then_resets_after_its_window(allowed: int) -> None:
    limiter = FixedWindowRateLimiter(storage_from_string(rate_limits.STORAGE_URI))
    limit = RateLimitItemPerSecond(allowed, 1)
    results = [limiter.hit(limit, "voter") for _ in range(allowed + 2)]
    assert results == [True] * allowed + [False, False]
    assert limiter.hit(limit, "someone-else")  # keys are counted apart
    time.sleep(1.1)
    assert limiter.hit(limit, "voter")


def test_hits_start_no_threads_and_the_sweep_frees_expired_counters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    storage = storage_from_string(rate_limits.STORAGE_URI)
    limiter = FixedWindowRateLimiter(storage)
    time.sleep(0.05)  # let the base class's one start-up timer finish
    before = threading.active_count()
    limit = parse("1000/second")
    for n in range(500):
        limiter.hit(limit, f"p{n}")
    assert threading.active_count() == before
    assert len(storage.storage) == 500
    time.sleep(1.1)  # every counter's window is over
    monkeypatch.setattr(rate_limits, "SWEEP_SECONDS", 0.0)
    storage._next_sweep = 0.0
    limiter.hit(limit, "late")
    assert set(storage.storage) == {k for k in storage.storage if "late" in k}
    assert len(storage.storage) == 1
