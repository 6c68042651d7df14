"""Helpers for the experience-bank tests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.core.times import local_to_utc
from portal.experts import services
from portal.experts.models import ExpertProfile, ExpertStatus, TaskType
from portal.extensions import db


def make_units() -> tuple[OrgUnit, OrgUnit, OrgUnit]:
    """A county with one service area and two units in it."""
    county = OrgUnit(kind=OrgUnitKind.COUNTY, name_fi="Hyvinvointialue")
    area = OrgUnit(kind=OrgUnitKind.SERVICE_AREA, name_fi="Mielenterveyspalvelut", parent=county)
    psychiatry = OrgUnit(kind=OrgUnitKind.UNIT, name_fi="Aikuisten psykiatria", parent=area)
    substance = OrgUnit(kind=OrgUnitKind.UNIT, name_fi="Päihdepalvelut", parent=area)
    db.session.add_all([county, area, psychiatry, substance])
    db.session.commit()
    return area, psychiatry, substance


def make_expert(
    coordinator: Any,
    *,
    name: str,
    email: str,
    areas: list[str] | None = None,
    languages: list[str] | None = None,
    service_area_ids: list[int] | None = None,
    status: str = ExpertStatus.ACTIVE,
) -> ExpertProfile:
    return services.save_profile(
        actor=coordinator,
        profile=None,
        name=name,
        email=email,
        status=status,
        training_completed_on=date(2025, 5, 30),
        experience_areas=areas or ["mental_health"],
        service_area_ids=service_area_ids or [],
        languages=languages or ["fi"],
        available_weekdays=[],
        availability_note="",
        willing={TaskType.STAFF_TRAINING},
    )


def future(days: int = 7, hour: int = 9) -> tuple[datetime, datetime]:
    day = date.today() + timedelta(days=days)
    return local_to_utc(day, time(hour)), local_to_utc(day, time(hour + 2))


def make_request(staff: Any, unit: OrgUnit, *, days: int = 7, hour: int = 9, **extra: Any) -> Any:
    starts_at, ends_at = future(days, hour)
    values: dict[str, Any] = {
        "title": "Kokemuspuheenvuoro koulutuspäivään",
        "task_type": TaskType.STAFF_TRAINING,
        "description": "Puheenvuoro ja keskustelu.",
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": "Auditorio",
        "is_remote": False,
        "preparation": "",
        "expertise_wanted": ["mental_health"],
        "language": "fi",
        "experts_needed": 1,
        "cost_centre": "4410",
    }
    values.update(extra)
    return services.file_request(actor=staff, org_unit=unit, **values)
