"""Factories for pool tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from portal.core.models import Municipality
from portal.pool.models import InterestArea


@pytest.fixture
def tampere(db: Any) -> Municipality:
    return db.session.scalars(select(Municipality).where(Municipality.slug == "tampere")).one()


@pytest.fixture
def areas(db: Any) -> list[InterestArea]:
    return list(db.session.scalars(select(InterestArea).order_by(InterestArea.position)))


@pytest.fixture
def make_member(db: Any, tampere: Municipality, areas: list[InterestArea]) -> Callable[..., Any]:
    """Add an active member through the coordinator's service (commits)."""
    from portal.pool.services import MemberData, _add_member

    counter = iter(range(1, 1_000_000))

    def make(**overrides: Any) -> Any:
        n = next(counter)
        values: dict[str, Any] = {
            "name": f"Pool Member {n}",
            "email": f"member{n}@example.fi",
            "phone": None,
            "contact_channel": "email",
            "postal_address": None,
            "birth_year": 1980,
            "gender": "woman",
            "municipality_id": tampere.id,
            "municipality_other": False,
            "language": "fi",
            "language_other": None,
            "interest_ids": [areas[0].id],
            "locale": "fi",
        }
        values.update(overrides)
        member = _add_member(
            data=MemberData(**values), consent_version="test", source="coordinator"
        )
        db.session.commit()
        return member

    return make


@pytest.fixture
def activity(db: Any) -> Any:
    from portal.impact.services import register_activity

    created = register_activity(
        kind="workshop", title="Terveysaseman kehittämistyöpaja", source_type="test", source_id=1
    )
    db.session.commit()
    return created


def join_form(tampere: Municipality, areas: list[InterestArea], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Maija Meikäläinen",
        "email": "maija@example.fi",
        "phone": "",
        "contact_channel": "email",
        "postal_address": "",
        "birth_year": "1975",
        "gender": "woman",
        "municipality": str(tampere.id),
        "language": "fi",
        "language_other": "",
        "interests": [str(areas[0].id), str(areas[2].id)],
        "accessibility_needs": "",
        "how_heard": "",
        "consent": "y",
    }
    data.update(overrides)
    return data
