"""What every fee service module shares: the domain error, the audit helper, month arithmetic."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from portal.core.audit import DomainAudit
from portal.core.errors import DomainError


class FeeError(DomainError):
    """A fee rule was broken; ``code`` names it for a translated message, ``params`` fill it."""


def first_of_month(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def month_end(month: date) -> date:
    """The last day of ``month``'s month."""
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def decimal_comma(value: Decimal) -> str:
    """``value`` with two decimals and a decimal comma, as Finnish payroll and reports want."""
    return f"{value:.2f}".replace(".", ",")


audit = DomainAudit("fees")
"""Add a ``fees.<action>`` audit entry to the current transaction (no personal data)."""
