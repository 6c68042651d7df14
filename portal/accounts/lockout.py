"""Sign-in lockout after wrong passwords, counted per account and client address.

Counting per account alone let anyone pause a named account by typing five wrong
passwords, and counting behind one office address shut out its whole staff. So failures
count per (account, address) with a strict limit, plus a much softer limit per account
against guessing from many addresses. Only failures count; a right password clears that
address's failures. Counters live in the rate-limit storage (Redis in production, shared
by every worker) and expire by themselves at the end of their moving window.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.strategies import MovingWindowRateLimiter

from portal.extensions import limiter

_NAMESPACE = "login-failures"


def _limits() -> tuple[RateLimitItem, RateLimitItem]:
    settings: Any = current_app.config["PORTAL"]
    return (
        RateLimitItemPerMinute(settings.lockout_attempts, settings.lockout_minutes),
        RateLimitItemPerMinute(settings.lockout_account_attempts, settings.lockout_minutes),
    )


def _window() -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(limiter.storage)


def is_locked(*, user_id: int, address: str) -> bool:
    """Whether sign-in to ``user_id`` from ``address`` is paused."""
    per_address, per_account = _limits()
    window = _window()
    return not window.test(per_address, _NAMESPACE, str(user_id), address) or not window.test(
        per_account, _NAMESPACE, str(user_id)
    )


def record_failure(*, user_id: int, address: str) -> bool:
    """Count a wrong password; return True when this failure started a lockout."""
    per_address, per_account = _limits()
    window = _window()
    window.hit(per_address, _NAMESPACE, str(user_id), address)
    window.hit(per_account, _NAMESPACE, str(user_id))
    return is_locked(user_id=user_id, address=address)


def clear_failures(*, user_id: int, address: str) -> None:
    """Forget this address's failures after a right password (the account-wide count stays)."""
    per_address, _per_account = _limits()
    _window().clear(per_address, _NAMESPACE, str(user_id), address)
