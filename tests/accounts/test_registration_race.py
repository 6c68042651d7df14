"""A double-clicked or twice-opened registration creates one account and no error."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.accounts.models import User
from tests.conftest import csrf_token

RACERS = 4


@pytest.mark.parametrize("attempt", range(2))
def test_concurrent_registrations_of_one_address_make_one_account(
    app: Flask, db: Any, mailbox: Any, attempt: int
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a real race needs concurrent transactions (PostgreSQL)")
    email = f"kaksoisklikki{attempt}@example.org"
    clients = [app.test_client() for _ in range(RACERS)]
    forms = [
        {
            "csrf_token": csrf_token(client, "/register"),
            "name": "Aino Asukas",
            "email": email,
            "password": "correct horse battery staple",
            "password_again": "correct horse battery staple",
            "locale": "fi",
            "accept_privacy": "y",
        }
        for client in clients
    ]
    barrier = threading.Barrier(RACERS)
    answers: list[Any] = [None] * RACERS

    def register(index: int) -> None:
        barrier.wait(timeout=10)
        answers[index] = clients[index].post("/register", data=forms[index])

    threads = [threading.Thread(target=register, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = [answer.status_code for answer in answers]
    assert all(status < 500 for status in statuses), statuses
    assert len(set(statuses)) == 1  # the losers see the same answer as the winner
    locations = {answer.headers.get("Location") for answer in answers}
    assert len(locations) == 1
    count = db.session.scalar(select(func.count()).select_from(User).where(User.email == email))
    assert count == 1
