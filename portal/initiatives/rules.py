"""The threshold and deadline rule of initiatives, as pure functions (standard library only).

The rule follows the Local Government Act 410/2015 § 23 model that wellbeing services
counties apply: when at least ``share`` of the residents entitled to vote support an
initiative, it must be taken up within ``months`` months of its submission.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

__all__ = [
    "DEFAULT_HANDLING_MONTHS",
    "DEFAULT_SUPPORT_SHARE",
    "Progress",
    "add_months",
    "due_date",
    "progress",
    "support_threshold",
]

DEFAULT_SUPPORT_SHARE = Decimal("0.02")
DEFAULT_HANDLING_MONTHS = 6


def support_threshold(share: Decimal, base: int) -> int:
    """The smallest number of supports that is at least ``share * base``.

    Decimal arithmetic keeps "exactly 2 %" exact: 2 % of 1 000 is 20, and 20 supports reach
    it. A positive share of a positive base always needs at least one support.
    """
    if share < 0 or share > 1:
        raise ValueError("share must be between 0 and 1")
    if base < 0:
        raise ValueError("base must not be negative")
    needed = (Decimal(share) * Decimal(base)).to_integral_value(rounding=ROUND_CEILING)
    return int(needed)


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months, clamped to the last day of a shorter month.

    31 August + 6 months is 28 February (29 February in a leap year); 31 January + 1 month
    is the last day of February.
    """
    if months < 0:
        raise ValueError("months must not be negative")
    index = start.month - 1 + months
    year = start.year + index // 12
    month = index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def due_date(submitted_on: date, months: int = DEFAULT_HANDLING_MONTHS) -> date:
    """The last day by which an initiative submitted on ``submitted_on`` must be taken up."""
    return add_months(submitted_on, months)


@dataclass(frozen=True, slots=True)
class Progress:
    """Supports towards the threshold, for the public count and progress bar."""

    supports: int
    threshold: int

    @property
    def reached(self) -> bool:
        return self.threshold > 0 and self.supports >= self.threshold

    @property
    def ratio(self) -> float:
        """Share of the threshold reached, capped at 1 (for a progress bar)."""
        if self.threshold <= 0:
            return 1.0
        return min(1.0, self.supports / self.threshold)

    @property
    def missing(self) -> int:
        return max(0, self.threshold - self.supports)


def progress(supports: int, share: Decimal, base: int) -> Progress:
    """Supports counted against the threshold of ``share * base``."""
    return Progress(supports=supports, threshold=support_threshold(share, base))
