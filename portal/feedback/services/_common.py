"""Helpers shared by the feedback services."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import current_app

from portal.accounts.models import OrgUnit
from portal.core.audit import DomainAudit
from portal.core.errors import DomainError
from portal.extensions import db

LANGUAGES = ("fi", "sv", "en")
FOLLOW_UP_DAYS = 7

audit = DomainAudit("feedback")


class FeedbackError(DomainError):
    """A feedback rule was broken; the view translates ``code``."""


def settings() -> Any:
    return current_app.config["PORTAL"]


def now_utc(now: datetime | None = None) -> datetime:
    """``now`` (a naive value is taken as UTC) or the current time, timezone-aware."""
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def month_key(day: date) -> int:
    """``yyyymm`` of a day, the grouping key of trends."""
    return day.year * 100 + day.month


def service_area_id(unit: OrgUnit) -> int | None:
    area = unit.service_area
    return area.id if area is not None else None


def get_unit(unit_id: int) -> OrgUnit | None:
    return db.session.get(OrgUnit, unit_id)


def clean_language(language: str | None) -> str:
    return language if language in LANGUAGES else "fi"
