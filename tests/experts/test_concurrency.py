"""Two coordinators booking the same expert at the same time: only one booking wins."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.experts import services
from portal.experts.models import ExpertAssignment, ExpertRequest
from portal.extensions import db as portal_db
from tests.experts.factories import make_expert, make_request, make_units


def test_concurrent_overlapping_proposals(
    app: Any, backend: str, db: Any, create_user: Any, mailbox: Any
) -> None:
    if backend != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter")
    _area, unit, _ = make_units()
    coordinator = create_user("coordinator")
    staff = create_user("staff", org_unit=unit)
    expert = make_expert(coordinator, name="Eeva", email="eeva@example.fi").user_id
    first = make_request(staff, unit, hour=9).id
    second = make_request(staff, unit, hour=10).id
    coordinator_id = coordinator.id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def book(request_id: int) -> None:
        with app.app_context():
            actor = portal_db.session.get(User, coordinator_id)
            person = portal_db.session.get(User, expert)
            request = portal_db.session.get(ExpertRequest, request_id)
            barrier.wait()
            try:
                services.propose_expert(actor=actor, request=request, expert=person)
                outcomes.append("booked")
            except services.ExpertError as error:
                outcomes.append(error.code)
            finally:
                portal_db.session.remove()

    threads = [threading.Thread(target=book, args=(rid,)) for rid in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["booked", "overlap"]
    db.session.expire_all()
    assert len(db.session.scalars(select(ExpertAssignment)).all()) == 1
