"""A double-clicked "create my claims" claims every meeting once and fails for nobody."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.fees.models import FeeClaim, FeeClaimItem
from tests.conftest import csrf_token, sign_in

RACERS = 3


def test_racing_claim_generation_claims_each_meeting_once(
    app: Flask, db: Any, schedules: Any, activity: Any, participate: Any, login_as: Any
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a real race needs concurrent transactions (PostgreSQL)")
    payee = login_as("expert").user
    council = activity(title="Vanhusneuvosto")
    meetings = [date(2026, 1, day) for day in (7, 14, 21)]
    for day in meetings:
        participate(council, payee, day, "2")
    clients = [sign_in(app.test_client(), payee) for _ in range(RACERS)]
    tokens = [csrf_token(client, "/fees/") for client in clients]
    barrier = threading.Barrier(RACERS)
    statuses: list[int] = [0] * RACERS

    def generate(index: int) -> None:
        barrier.wait(timeout=10)
        answer = clients[index].post("/fees/generate-mine", data={"csrf_token": tokens[index]})
        statuses[index] = answer.status_code

    threads = [threading.Thread(target=generate, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302] * RACERS
    db.session.expire_all()
    items = db.session.scalar(select(func.count()).select_from(FeeClaimItem))
    claims = db.session.scalar(select(func.count()).select_from(FeeClaim))
    assert (claims, items) == (1, len(meetings))
