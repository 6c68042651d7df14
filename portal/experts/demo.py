"""Demo experience experts and a request waiting for a match."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time, timedelta

from sqlalchemy import select

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.accounts.services import find_user_by_email
from portal.core.times import local_to_utc
from portal.experts.models import ExpertProfile, ExpertStatus, TaskType
from portal.experts.services import file_request, save_profile
from portal.extensions import db

EXPERTS = [
    ("Eeva Kokemusasiantuntija", "asiantuntija@demo.osallistu.fi", ["mental_health"], ["fi"]),
    (
        "Jari Järvinen",
        "jari.jarvinen@demo.osallistu.fi",
        ["substance_use", "mental_health"],
        ["fi"],
    ),
    (
        "Sofia Lindqvist",
        "sofia.lindqvist@demo.osallistu.fi",
        ["families", "disability"],
        ["sv", "fi"],
    ),
    ("Outi Ojala", "outi.ojala@demo.osallistu.fi", ["older_people", "family_caregiving"], ["fi"]),
]


def seed_experts() -> Iterable[str]:
    if db.session.scalars(select(ExpertProfile)).first() is not None:
        return []
    coordinator = find_user_by_email("koordinaattori@demo.osallistu.fi")
    staff = find_user_by_email("tyontekija@demo.osallistu.fi")
    if coordinator is None or staff is None:
        return []
    areas = db.all(select(OrgUnit).where(OrgUnit.kind == OrgUnitKind.SERVICE_AREA))
    for name, email, experience, languages in EXPERTS:
        save_profile(
            actor=coordinator,
            profile=None,
            name=name,
            email=email,
            status=ExpertStatus.ACTIVE,
            training_completed_on=date(2024, 5, 31),
            experience_areas=experience,
            service_area_ids=[a.id for a in areas[:2]],
            languages=languages,
            available_weekdays=[],
            availability_note="Arkisin päivisin.",
            willing={TaskType.STAFF_TRAINING, TaskType.DEVELOPMENT_WORKSHOP},
        )
    day = date.today() + timedelta(days=10)
    file_request(
        actor=staff,
        org_unit=staff.org_unit,
        title="Kokemuspuheenvuoro henkilöstön koulutuspäivään",
        task_type=TaskType.STAFF_TRAINING,
        description="30 minuutin puheenvuoro lastensuojelun asiakkuudesta ja keskustelu.",
        starts_at=local_to_utc(day, time(9)),
        ends_at=local_to_utc(day, time(11)),
        place="Hatanpään valtatie 24, auditorio",
        is_remote=False,
        preparation="Etukäteistapaaminen etänä viikkoa ennen.",
        expertise_wanted=["child_welfare", "families"],
        language="fi",
        experts_needed=1,
        cost_centre="4410",
    )
    return [f"Demo experience experts added: {len(EXPERTS)}."]
