"""Helpers that build councils and members for tests through the services."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import update

from portal.councils import services
from portal.councils.models import Council, CouncilKind, Meeting
from portal.extensions import db


def make_council(
    actor: Any, *, name: str = "Vanhusneuvosto", accepts_applications: bool = False, **extra: Any
) -> Council:
    today = date.today()
    values: dict[str, Any] = {
        "name_fi": name,
        "name_sv": "Äldrerådet",
        "kind": CouncilKind.INFLUENCE_BODY,
        "org_unit": None,
        "purpose": "Ikääntyneiden ääni päätöksentekoon.",
        "tasks": "Lausunnot.",
        "target_size": 5,
        "accepts_applications": accepts_applications,
        "responsibles": [actor],
        "term_starts_on": today - timedelta(days=60),
        "term_ends_on": today + timedelta(days=700),
    }
    values.update(extra)
    return services.save_council(actor=actor, council=None, **values)


def add_members(actor: Any, council: Council, people: list[tuple[Any, str]]) -> None:
    term = council.current_term(date.today())
    for user, role in people:
        services.add_member(
            actor=actor,
            term=term,
            name=user.name,
            email=user.email,
            role=role,
            seat_group=None,
            starts_on=term.starts_on,
        )


def move_meeting(meeting_id: int, starts_at: datetime, ends_at: datetime) -> None:
    """Put a meeting at another time (e.g. into the past, to mark attendance)."""
    db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting_id)
        .values(starts_at=starts_at, ends_at=ends_at)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.expire_all()
