"""Concurrent voting from many threads loses and duplicates nothing (PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.deliberation import services
from portal.deliberation.models import Participant, Vote, VoteEvent
from tests.deliberation.helpers import make_conversation, statement_ids


def test_concurrent_votes_are_neither_lost_nor_duplicated(
    app: Any, db: Any, backend: str, create_user: Any
) -> None:
    if backend != "postgresql":
        pytest.skip("concurrency is tested against PostgreSQL")
    conversation = make_conversation(create_user("coordinator"))
    ids = statement_ids(conversation)
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def voter(n: int) -> None:
        # Pairs of threads share a browser key: they race to create the same participant
        # and to change the same votes.
        key = f"browser-{n // 2}"
        try:
            with app.app_context():
                barrier.wait()
                for round_ in range(3):
                    for sid in ids:
                        services.cast_vote(
                            conversation_id=conversation.id,
                            statement_id=sid,
                            value=(round_ + n) % 3 - 1,
                            key=key,
                        )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=voter, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert db.session.scalar(select(func.count(Participant.id))) == 4
    assert db.session.scalar(select(func.count(Vote.id))) == 4 * len(ids)
    assert db.session.scalar(select(func.count(VoteEvent.id))) == 8 * 3 * len(ids)
