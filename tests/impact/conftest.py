"""Fixtures of the impact tests: a small, hand-checked impact chain."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.core.models import Municipality
from portal.impact.models import Attendance, Output, Response
from portal.impact.services import record_participation, register_activity, register_output


def at_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def add_output(activity: Any, title: str, produced: date, **kwargs: Any) -> Output:
    output = register_output(activity=activity, kind="recommendation", title=title, **kwargs)
    output.created_at = at_noon(produced)
    return output


def add_response(output: Output, decision: str, decided: date, **kwargs: Any) -> None:
    from portal.extensions import db

    db.session.add(Response(output=output, decision=decision, decided_on=decided, **kwargs))


@pytest.fixture
def chain(db: Any, create_user: Any) -> dict[str, Any]:
    """Two units in one service area; four residents; three activities; five outputs."""
    return seed_chain(db, create_user)


def seed_chain(db: Any, create_user: Any) -> dict[str, Any]:
    """Create the chain of the ``chain`` fixture (also used by the browser tests)."""
    county = OrgUnit(kind=OrgUnitKind.COUNTY, name_fi="Pirkanmaan hyvinvointialue")
    area = OrgUnit(
        kind=OrgUnitKind.SERVICE_AREA,
        name_fi="Ikäihmisten palvelut",
        name_sv="Tjänster för äldre",
        parent=county,
        manager_email="alue@example.fi",
    )
    home_care = OrgUnit(
        kind=OrgUnitKind.UNIT,
        name_fi="Kotihoito",
        name_sv="Hemvård",
        parent=area,
        manager_email="kotihoito@example.fi",
    )
    clinic = OrgUnit(kind=OrgUnitKind.UNIT, name_fi="Terveysasema", parent=area)
    db.session.add_all([county, area, home_care, clinic])
    db.session.flush()
    tampere = db.session.scalar(select(Municipality).where(Municipality.slug == "tampere"))
    people = []
    for n, (born, gender, language) in enumerate(
        [(1950, "woman", "fi"), (1990, "man", "sv"), (2000, "woman", "fi"), (None, None, None)]
    ):
        person = create_user("resident", name=f"Asukas Nimi{n}", email=f"asukas{n}@example.fi")
        person.birth_year, person.gender, person.language = born, gender, language
        person.municipality_id = tampere.id if born else None
        people.append(person)
    a, b, c, d = people

    council = register_activity(
        kind="council",
        title="Vanhusneuvosto",
        source_type="council",
        source_id=1,
        org_unit=home_care,
        starts_on=date(2025, 1, 1),
    )
    panel = register_activity(
        kind="panel",
        title="Asukasraati",
        source_type="panel",
        source_id=1,
        org_unit=clinic,
        starts_on=date(2026, 3, 1),
    )
    workshop = register_activity(
        kind="workshop", title="Työpaja", source_type="workshop", source_id=1
    )

    def take_part(activity: Any, person: Any, day: date, hours: str, **kw: Any) -> None:
        record_participation(
            activity=activity,
            user=person,
            occurred_on=day,
            hours=Decimal(hours),
            event_type="meeting",
            event_id=day.toordinal(),
            **kw,
        )

    take_part(council, a, date(2025, 11, 5), "2")  # before the year: a is returning in 2026
    take_part(council, a, date(2026, 2, 3), "2")
    take_part(council, b, date(2026, 2, 3), "2")
    take_part(council, c, date(2026, 2, 3), "2", attendance=Attendance.ABSENT)
    take_part(panel, b, date(2026, 3, 10), "3.5")
    take_part(panel, c, date(2026, 3, 10), "3.5")
    take_part(workshop, d, date(2026, 5, 20), "1.25")

    o1 = add_output(council, "Esteetön sisäänkäynti", date(2026, 2, 10), is_public=True)
    o2 = add_output(council, "Lisää penkkejä", date(2026, 2, 20), is_public=True)
    o3 = add_output(panel, "Ajanvaraus puhelimitse", date(2026, 3, 20), is_public=True)
    o4 = add_output(panel, "Sisäinen muistio", date(2026, 9, 1), is_public=False)
    o5 = add_output(workshop, "Kyltit selkokielellä", date(2026, 11, 15), is_public=True)
    add_response(
        o1,
        "accepted",
        date(2026, 3, 2),
        implementation_status="done",
        implemented_on=date(2026, 6, 30),
        reason="Toteutetaan kevään aikana.",
        responsible_person="Palvelupäällikkö Virtanen",
    )
    add_response(o2, "not_accepted", date(2026, 4, 1), reason="Tila ei riitä.")
    add_response(o3, "partly_accepted", date(2026, 3, 30), reason="Osittain.")
    db.session.commit()
    return {
        "area": area,
        "home_care": home_care,
        "clinic": clinic,
        "people": people,
        "council": council,
        "panel": panel,
        "workshop": workshop,
        "outputs": [o1, o2, o3, o4, o5],
    }
