"""Local (Europe/Helsinki) dates and times of meetings and assignments; stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")


def local_to_utc(day: date, at: time) -> datetime:
    """The UTC moment of wall-clock time ``at`` on ``day`` in Helsinki."""
    return datetime.combine(day, at, tzinfo=HELSINKI).astimezone(UTC)


def local_date(moment: datetime) -> date:
    return moment.astimezone(HELSINKI).date()


def local_time(moment: datetime) -> time:
    return moment.astimezone(HELSINKI).time().replace(tzinfo=None)


def week_bounds(day: date) -> tuple[date, date]:
    """Monday and Sunday of the ISO week of ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def utc_range(first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of ``first`` to the end of ``last``, Helsinki days, as UTC bounds."""
    return local_to_utc(first, time(0, 0)), local_to_utc(last + timedelta(days=1), time(0, 0))


def hours_between(start: datetime, end: datetime) -> Decimal:
    """The whole seconds from ``start`` to ``end`` in hours, to the hundredth."""
    seconds = (end - start).total_seconds()
    return (Decimal(int(seconds)) / 3600).quantize(Decimal("0.01"))


def previous_month(today: date) -> date:
    """The first day of the month before ``today``'s (monthly reports cover that month)."""
    return date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)
