"""The vote's rules hold alike on the one-statement path (PostgreSQL) and the general one.

Every case runs on both backends: on PostgreSQL a vote is first tried as one statement that
checks and writes everything, and a vote it refuses must be refused for the same reason,
with nothing written, as the general path does on SQLite.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.core.db import utcnow
from portal.deliberation import services
from portal.deliberation.models import Participant, Statement, Vote, VoteEvent
from portal.extensions import db as portal_db
from tests.deliberation.helpers import make_conversation, statement_ids


@pytest.fixture
def coordinator(create_user: Any) -> Any:
    return create_user("coordinator")


def _counts() -> tuple[int, int, int]:
    return (
        portal_db.session.scalar(select(func.count(Participant.id))) or 0,
        portal_db.session.scalar(select(func.count(Vote.id))) or 0,
        portal_db.session.scalar(select(func.count(VoteEvent.id))) or 0,
    )


def _refused(code: str, **vote: Any) -> None:
    before = _counts()
    with pytest.raises(services.DeliberationError) as error:
        services.cast_vote(**vote)
    assert error.value.code == code
    portal_db.session.rollback()
    assert _counts() == before


def test_a_first_vote_creates_the_participant_and_a_second_reuses_it(
    db: Any, coordinator: Any
) -> None:
    conversation = make_conversation(coordinator)
    first, second = statement_ids(conversation)[:2]
    for sid, value in ((first, 1), (second, -1), (first, 0)):
        services.cast_vote(conversation_id=conversation.id, statement_id=sid, value=value, key="b")
    participant = services.find_participant(conversation_id=conversation.id, key="b")
    assert participant is not None and not participant.blocked
    assert _counts() == (1, 2, 3)
    votes = db.session.execute(select(Vote.statement_id, Vote.value, Vote.participant_id)).all()
    assert sorted(votes) == sorted([(first, 0, participant.id), (second, -1, participant.id)])
    events = db.session.scalars(select(VoteEvent).order_by(VoteEvent.id)).all()
    assert [(e.statement_id, e.value) for e in events] == [(first, 1), (second, -1), (first, 0)]
    assert {e.conversation_id for e in events} == {conversation.id}
    assert all(e.created_at is not None and e.created_at.tzinfo for e in events)


def test_pending_statements_take_votes_only_under_post_moderation(
    db: Any, coordinator: Any
) -> None:
    for moderation, allowed in (("post", True), ("pre", False)):
        conversation = make_conversation(
            coordinator, topic_fi=f"Moderointi {moderation}", moderation=moderation
        )
        pending = services.submit_statement(
            conversation=conversation,
            text=f"Oma näkökulma {moderation} palveluista",
            language="fi",
            key="author",
        )
        vote = {
            "conversation_id": conversation.id,
            "statement_id": pending.id,
            "value": 1,
            "key": "voter",
        }
        if allowed:
            services.cast_vote(**vote)
        else:
            _refused("statement_unavailable", **vote)


def test_rejected_statements_and_conversations_outside_their_times_refuse_votes(
    db: Any, coordinator: Any
) -> None:
    conversation = make_conversation(coordinator)
    statement = db.session.get(Statement, statement_ids(conversation)[0])
    services.moderate_statement(
        actor=coordinator, statement=statement, status="rejected", reason="Asiaton"
    )
    _refused(
        "statement_unavailable",
        conversation_id=conversation.id,
        statement_id=statement.id,
        value=1,
        key="k",
    )
    later = make_conversation(
        coordinator, topic_fi="Myöhemmin", starts_at=utcnow() + timedelta(hours=1)
    )
    _refused(
        "closed", conversation_id=later.id, statement_id=statement_ids(later)[0], value=1, key="k"
    )
    draft = make_conversation(coordinator, topic_fi="Luonnos", status="draft")
    _refused(
        "closed", conversation_id=draft.id, statement_id=statement_ids(draft)[0], value=1, key="k"
    )


def test_unknown_conversation_or_statement(db: Any, coordinator: Any) -> None:
    conversation = make_conversation(coordinator)
    sid = statement_ids(conversation)[0]
    _refused("not_found", conversation_id=conversation.id + 99, statement_id=sid, value=1, key="k")
    _refused(
        "statement_unavailable",
        conversation_id=conversation.id,
        statement_id=sid + 999,
        value=1,
        key="k",
    )


def test_a_blocked_browser_writes_nothing(db: Any, coordinator: Any) -> None:
    conversation = make_conversation(coordinator)
    first, second = statement_ids(conversation)[:2]
    services.cast_vote(conversation_id=conversation.id, statement_id=first, value=1, key="troll")
    participant = services.find_participant(conversation_id=conversation.id, key="troll")
    services.set_participant_blocked(actor=coordinator, participant=participant, blocked=True)
    _refused("blocked", conversation_id=conversation.id, statement_id=second, value=1, key="troll")


def test_signed_in_votes_keep_one_participant_per_account(
    db: Any, coordinator: Any, create_user: Any
) -> None:
    conversation = make_conversation(coordinator, access="logged_in")
    first, second = statement_ids(conversation)[:2]
    resident = create_user("resident")
    for sid in (first, second):
        services.cast_vote(
            conversation_id=conversation.id, statement_id=sid, value=1, user=resident, key="b"
        )
    participant = services.find_participant(conversation_id=conversation.id, user=resident)
    assert participant is not None and participant.user_id == resident.id
    assert _counts() == (1, 2, 2)


def test_a_vote_inside_an_open_transaction_is_committed_with_it(db: Any, coordinator: Any) -> None:
    conversation = make_conversation(coordinator)
    sid = statement_ids(conversation)[0]
    # the session has begun a transaction with a read (as a signed-in request does)
    assert db.session.get(Statement, sid) is not None
    services.cast_vote(conversation_id=conversation.id, statement_id=sid, value=-1, key="k")
    db.session.rollback()  # nothing left uncommitted to lose
    assert _counts() == (1, 1, 1)


def test_on_postgresql_a_vote_is_one_statement(
    db: Any, backend: str, coordinator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend != "postgresql":
        pytest.skip("the one-statement vote is PostgreSQL's")
    import psycopg

    conversation = make_conversation(coordinator)
    conversation_id = conversation.id
    first, second = statement_ids(conversation)[:2]
    db.session.rollback()
    executed: list[str] = []
    commands: list[bytes] = []
    execute = psycopg.Cursor.execute
    command = psycopg.Connection._exec_command

    def counting_execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        executed.append(str(query))
        return execute(self, query, *args, **kwargs)

    def counting_command(self: Any, sql: Any, *args: Any, **kwargs: Any) -> Any:
        commands.append(bytes(sql) if isinstance(sql, bytes) else str(sql).encode())
        return command(self, sql, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counting_execute)
    monkeypatch.setattr(psycopg.Connection, "_exec_command", counting_command)
    for sid in (first, second, first):
        services.cast_vote(conversation_id=conversation_id, statement_id=sid, value=1, key="new")
    monkeypatch.undo()
    assert len(executed) == 3, executed
    assert commands == [], commands
    assert _counts() == (1, 2, 3)
