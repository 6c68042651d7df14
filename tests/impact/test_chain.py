"""Domains register activities, participations and outputs; decision makers respond."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.core.models import AuditEntry
from portal.impact.models import Attendance, Decision, ImplementationStatus, Participation
from portal.impact.services import (
    ResponseError,
    record_participation,
    record_response,
    register_activity,
    register_output,
)


@pytest.fixture
def activity(db: Any) -> Any:
    created = register_activity(
        kind="council",
        title="Vanhusneuvosto 2026",
        source_type="council",
        source_id=1,
        starts_on=date(2026, 1, 1),
    )
    db.session.commit()
    return created


def test_register_activity_is_idempotent(db: Any, activity: Any) -> None:
    again = register_activity(
        kind="council", title="Vanhusneuvosto 2026–2027", source_type="council", source_id=1
    )
    assert again.id == activity.id and again.title == "Vanhusneuvosto 2026–2027"


def test_participation_per_event(db: Any, activity: Any, create_user: Any) -> None:
    person = create_user("expert")
    for meeting_id in (1, 2):
        record_participation(
            activity=activity,
            user=person,
            occurred_on=date(2026, 2, meeting_id),
            hours=Decimal("2.5"),
            event_type="meeting",
            event_id=meeting_id,
        )
    # marking the same meeting again updates it instead of adding a row
    absent = record_participation(
        activity=activity,
        user=person,
        occurred_on=date(2026, 2, 2),
        hours=Decimal("2.5"),
        attendance=Attendance.ABSENT,
        event_type="meeting",
        event_id=2,
    )
    db.session.commit()
    assert db.session.scalar(select(func.count(Participation.id))) == 2
    assert absent.hours == Decimal("0") and not absent.attended


def test_response_rules_and_audit(db: Any, activity: Any, create_user: Any) -> None:
    decider = create_user("decision_maker")
    output = register_output(
        activity=activity,
        kind="recommendation",
        title="Esteetön sisäänkäynti",
        source_type="recommendation",
        source_id=7,
    )
    db.session.commit()
    with pytest.raises(ResponseError) as error:
        record_response(
            actor=decider,
            output=output,
            decision=Decision.NOT_ACCEPTED,
            decided_on=date(2026, 3, 1),
        )
    assert error.value.code == "reason_required"
    with pytest.raises(ResponseError) as error:
        record_response(
            actor=decider,
            output=output,
            decision=Decision.ACCEPTED,
            decided_on=date(2026, 3, 1),
            implementation_status=ImplementationStatus.DONE,
        )
    assert error.value.code == "implemented_on_required"
    response = record_response(
        actor=decider,
        output=output,
        decision=Decision.ACCEPTED,
        decided_on=date(2026, 3, 1),
        implemented_on=date(2026, 5, 1),
        implementation_status=ImplementationStatus.DONE,
    )
    assert response.output_id == output.id
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.changes["after"] == {"decision": "accepted", "status": "done"}


def test_output_list_has_no_n_plus_one(
    login_as: Any, db: Any, activity: Any, count_queries: Any
) -> None:
    for n in range(30):
        register_output(
            activity=activity,
            kind="recommendation",
            title=f"Suositus {n}",
            source_type="recommendation",
            source_id=n,
        )
    db.session.commit()
    viewer = login_as("decision_maker")
    with count_queries() as few:
        viewer.get("/impact/outputs?state=all")
    for n in range(30, 60):
        register_output(
            activity=activity,
            kind="recommendation",
            title=f"Suositus {n}",
            source_type="recommendation",
            source_id=n,
        )
    db.session.commit()
    with count_queries() as many:
        html = viewer.get("/impact/outputs?state=all").get_data(as_text=True)
    assert "Suositus 59" in html
    assert many.count == few.count
