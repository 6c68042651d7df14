"""Taking part: participants, votes and participants' own statements.

Voting is the hot path. On PostgreSQL :func:`cast_vote` first tries one statement that checks
the conversation, the statement and the participant, creates the participant on a first vote,
upserts the current vote and inserts its history row: one round trip, committed by itself.
When that statement writes nothing (a rule is broken, a pool-only conversation, a race on a
first vote, or SQLite), the vote takes the general path, which reads the facts, explains
what is wrong and writes the vote with one upsert plus one history row. The opinion map is
recomputed in the background (:mod:`portal.deliberation.services.recompute`), never inside a
vote request.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.core.db import utcnow
from portal.deliberation import math as dmath
from portal.deliberation.models import (
    Access,
    Conversation,
    ConversationStatus,
    Moderation,
    Participant,
    Statement,
    StatementStatus,
    Vote,
    VoteEvent,
)
from portal.deliberation.services._common import (
    DeliberationError,
    _add_statement,
    _insert_ignore,
    access_problem,
    is_open,
    is_visible,
    key_hash,
)
from portal.deliberation.services.recompute import request_recompute
from portal.extensions import db


def find_participant(
    *, conversation_id: int, user: Any = None, key: str | None = None
) -> Participant | None:
    """The participant a signed-in user or a browser key stands for (None: not yet)."""
    if user is not None and getattr(user, "is_authenticated", False):
        found = db.session.scalars(
            select(Participant).where(
                Participant.conversation_id == conversation_id, Participant.user_id == user.id
            )
        ).first()
        if found is not None:
            return found
    if key:
        return db.session.scalars(
            select(Participant).where(
                Participant.conversation_id == conversation_id,
                Participant.key_hash == key_hash(key),
            )
        ).first()
    return None


def _ensure_participant(conversation_id: int, user: Any, key: str | None) -> Participant:
    """Find or create the participant (concurrent first votes create one row)."""
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    participant = find_participant(conversation_id=conversation_id, user=user, key=key)
    if participant is not None:
        if signed_in and participant.user_id is None:
            # Votes cast anonymously in this browser become the account's after sign-in.
            participant.user_id = user.id
            db.session.flush()
        return participant
    if signed_in:
        _insert_ignore(
            Participant,
            {
                "conversation_id": conversation_id,
                "user_id": user.id,
                "key_hash": None,
                "blocked": False,
                "created_at": utcnow(),
            },
            ["conversation_id", "user_id"],
        )
    elif key:
        _insert_ignore(
            Participant,
            {
                "conversation_id": conversation_id,
                "key_hash": key_hash(key),
                "user_id": None,
                "blocked": False,
                "created_at": utcnow(),
            },
            ["conversation_id", "key_hash"],
        )
    else:
        raise DeliberationError("no_identity")
    participant = find_participant(conversation_id=conversation_id, user=user, key=key)
    assert participant is not None
    return participant


def claim_anonymous_participants(*, user: User, key: str | None) -> int:
    """Give a signed-in person the votes this browser cast anonymously, in every conversation
    where the account has no participant of its own yet; commits. Returns how many."""
    if not key:
        return 0
    own = select(Participant.conversation_id).where(Participant.user_id == user.id)
    claimed = db.session.execute(
        update(Participant)
        .where(
            Participant.key_hash == key_hash(key),
            Participant.user_id.is_(None),
            Participant.conversation_id.not_in(own),
        )
        .values(user_id=user.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return int(claimed or 0)


def _vote_writes(dialect: str) -> list[Any]:
    """The statements that store a vote: the current vote (an upsert) and its history row.

    Built once per dialect with bound parameters, so a vote neither builds nor compiles SQL.
    On PostgreSQL both rows are written by one statement (the history insert rides along as
    a data-modifying CTE), which saves a round trip per vote.
    """
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    params = {
        name: bindparam(name, type_=VoteEvent.__table__.c[name].type)
        for name in ("conversation_id", "participant_id", "statement_id", "value", "created_at")
    }
    history = insert(VoteEvent.__table__).values(**params)
    current = upsert(Vote.__table__).values(**params, updated_at=params["created_at"])
    current = current.on_conflict_do_update(
        index_elements=["participant_id", "statement_id"],
        set_={"value": current.excluded.value, "updated_at": current.excluded.updated_at},
    )
    if dialect == "postgresql":
        return [current.add_cte(history.cte("vote_history"))]
    return [current, history]


_VOTE_WRITES: dict[str, list[Any]] = {}


def _vote_context(signed_in: bool) -> Any:
    """Statement, conversation and the voter's participant (if any) in one round trip.

    Written on the tables rather than the mapped classes: it runs on the session's connection
    without the ORM's per-statement work, and returns plain rows.
    """
    statement = Statement.__table__.c
    conversation = Conversation.__table__.c
    participant = Participant.__table__
    match = (
        participant.c.user_id == bindparam("user_id")
        if signed_in
        else participant.c.key_hash == bindparam("key_hash")
    )
    return (
        select(
            statement.conversation_id,
            statement.status,
            statement.hidden,
            conversation.status.label("conversation_status"),
            conversation.starts_at,
            conversation.ends_at,
            conversation.access,
            conversation.moderation,
            participant.c.id.label("participant_id"),
            participant.c.blocked.label("participant_blocked"),
        )
        .select_from(
            Statement.__table__.join(
                Conversation.__table__, conversation.id == statement.conversation_id
            ).outerjoin(
                participant, (participant.c.conversation_id == statement.conversation_id) & match
            )
        )
        .where(statement.id == bindparam("statement_id"))
    )


_VOTE_CONTEXT = {True: _vote_context(True), False: _vote_context(False)}


def _one_statement_vote(signed_in: bool) -> str:
    """The whole vote as one PostgreSQL statement, for a voter who may vote right now.

    ``allowed`` holds the statement only when the conversation is open at ``now``, lets
    this kind of voter in without further checks (anyone; signed-in people also where
    signing in is enough) and shows the statement to voters. The voter is the participant
    of the signed-in account or of the browser key; an anonymous first vote creates the
    participant (a concurrent first vote of the same browser makes that insert do nothing,
    and the statement then writes nothing). A blocked participant writes nothing. Returns
    the history row's id, or no row when nothing was written.

    Plain SQL with the driver's placeholders: it is run on the driver's connection, and
    table names and values come from the models, never from input.
    """
    access = [Access.ANYONE, Access.LOGGED_IN] if signed_in else [Access.ANYONE]
    match = "user_id = %(user_id)s" if signed_in else "key_hash = %(key_hash)s"
    # A signed-in person without a participant of their own may have one of this browser to
    # claim: the general path sorts that out, so only anonymous voters are created here.
    made = (
        ""
        if signed_in
        else f"""
made AS (
  INSERT INTO {Participant.__tablename__} (conversation_id, key_hash, user_id, blocked, created_at)
  SELECT %(conversation_id)s, %(key_hash)s, NULL, false, %(now)s FROM allowed
  WHERE NOT EXISTS (SELECT 1 FROM found)
  ON CONFLICT (conversation_id, key_hash) DO NOTHING
  RETURNING id
),"""  # noqa: S608 - as below
    )
    made_voter = "" if signed_in else " UNION ALL SELECT id FROM made"
    return f"""
WITH allowed AS (
  SELECT s.id FROM {Statement.__tablename__} s
  JOIN {Conversation.__tablename__} c ON c.id = s.conversation_id
  WHERE s.id = %(statement_id)s AND s.conversation_id = %(conversation_id)s
    AND NOT s.hidden
    AND (s.status = '{StatementStatus.ACCEPTED}'
         OR (s.status = '{StatementStatus.PENDING}' AND c.moderation = '{Moderation.POST}'))
    AND c.status = '{ConversationStatus.OPEN}'
    AND (c.starts_at IS NULL OR c.starts_at <= %(now)s)
    AND (c.ends_at IS NULL OR c.ends_at > %(now)s)
    AND c.access IN ({", ".join(f"'{a}'" for a in access)})
),
found AS (
  SELECT p.id, p.blocked FROM {Participant.__tablename__} p
  WHERE p.conversation_id = %(conversation_id)s AND p.{match}
    AND EXISTS (SELECT 1 FROM allowed)
),{made}
voter AS (SELECT id FROM found WHERE NOT blocked{made_voter}),
current_vote AS (
  INSERT INTO {Vote.__tablename__}
    (conversation_id, participant_id, statement_id, value, created_at, updated_at)
  SELECT %(conversation_id)s, id, %(statement_id)s, %(value)s, %(now)s, %(now)s FROM voter
  ON CONFLICT (participant_id, statement_id)
  DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
  RETURNING participant_id
)
INSERT INTO {VoteEvent.__tablename__}
  (conversation_id, participant_id, statement_id, value, created_at)
SELECT %(conversation_id)s, participant_id, %(statement_id)s, %(value)s, %(now)s
FROM current_vote
RETURNING id
"""  # noqa: S608 - constants of the models only; every value is a driver parameter


_ONE_STATEMENT_VOTE = {True: _one_statement_vote(True), False: _one_statement_vote(False)}


def _run_autocommitted(sql: str, params: dict[str, Any]) -> Any:
    """Run one statement by itself on a pooled connection (it commits as it ends) and return
    its first row. The driver's connection is used directly: on the vote's only round trip
    the execution layer above it would cost more than the statement."""
    pooled = db.engine.raw_connection()
    driver = pooled.driver_connection
    try:
        driver.autocommit = True
        try:
            with driver.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchone()
        finally:
            if not (driver.closed or driver.broken):
                driver.autocommit = False
    except Exception:
        if driver.closed or driver.broken:
            pooled.invalidate()
        raise
    finally:
        pooled.close()


def _vote_in_one_statement(
    *, conversation_id: int, statement_id: int, value: int, user: Any, key: str | None
) -> bool:
    """Write the vote with :func:`_one_statement_vote`; False when it wrote nothing.

    Outside a transaction the statement runs in autocommit: the vote is then stored by one
    round trip, without BEGIN and COMMIT. A session already in a transaction (or with
    changes to flush) runs it in that transaction and commits, as the general path does.
    """
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if not signed_in and not key:
        return False
    params = {
        "conversation_id": conversation_id,
        "statement_id": statement_id,
        "value": value,
        "now": utcnow(),
        "user_id": user.id if signed_in else None,
        "key_hash": None if signed_in else key_hash(key),  # type: ignore[arg-type]
    }
    sql = _ONE_STATEMENT_VOTE[bool(signed_in)]
    session = db.session()
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        if session.connection().exec_driver_sql(sql, params).first() is None:
            return False
        request_recompute(conversation_id)
        session.commit()
        return True
    if _run_autocommitted(sql, params) is None:
        return False
    request_recompute(conversation_id, committed=True)
    return True


def cast_vote(
    *, conversation_id: int, statement_id: int, value: int, user: Any = None, key: str | None
) -> None:
    """Record (or change) a vote and its history row, and commit.

    Raises :class:`DeliberationError` when the conversation is not open, the statement is
    not visible in it, the participant is blocked or not allowed to take part. This is the
    hot path: on PostgreSQL one autocommitted statement checks and writes everything; when
    it writes nothing, one read explains why (or finds what it could not, such as a pool
    membership), then the upsert and the history row and the commit.
    """
    if value not in (dmath.AGREE, dmath.DISAGREE, dmath.PASS):
        raise DeliberationError("invalid_vote")
    if db.engine.dialect.name == "postgresql" and _vote_in_one_statement(
        conversation_id=conversation_id,
        statement_id=statement_id,
        value=value,
        user=user,
        key=key,
    ):
        return
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    # Core statements on the session's connection (same transaction, no ORM bookkeeping).
    connection = db.session.connection()
    row = connection.execute(
        _VOTE_CONTEXT[bool(signed_in)],
        {
            "statement_id": statement_id,
            "user_id": user.id if signed_in else None,
            "key_hash": key_hash(key) if key else None,
        },
    ).first()
    if row is None or row.conversation_id != conversation_id:
        if db.session.get(Conversation, conversation_id) is None:
            raise DeliberationError("not_found")
        raise DeliberationError("statement_unavailable")
    conversation = SimpleNamespace(
        id=conversation_id,
        status=row.conversation_status,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        access=row.access,
        moderation=row.moderation,
    )
    if not is_open(conversation):  # type: ignore[arg-type]
        raise DeliberationError("closed")
    problem = access_problem(conversation, user)  # type: ignore[arg-type]
    if problem:
        raise DeliberationError(problem)
    statement = SimpleNamespace(
        conversation_id=row.conversation_id, status=row.status, hidden=row.hidden
    )
    if not is_visible(conversation, statement):  # type: ignore[arg-type]
        raise DeliberationError("statement_unavailable")
    if row.participant_id is not None:
        participant_id, blocked = int(row.participant_id), bool(row.participant_blocked)
    else:
        participant = _ensure_participant(conversation_id, user, key)
        participant_id, blocked = participant.id, participant.blocked
    if blocked:
        raise DeliberationError("blocked")
    values = {
        "conversation_id": conversation_id,
        "participant_id": participant_id,
        "statement_id": statement_id,
        "value": value,
        "created_at": utcnow(),
    }
    dialect = connection.dialect.name
    writes = _VOTE_WRITES.get(dialect)
    if writes is None:
        writes = _VOTE_WRITES[dialect] = _vote_writes(dialect)
    for write in writes:
        connection.execute(write, values)
    request_recompute(conversation_id)
    db.session.commit()


def submit_statement(
    *, conversation: Conversation, text: str, language: str, user: Any = None, key: str | None
) -> Statement:
    """Add a participant's own statement (pending moderation), and commit."""
    if not is_open(conversation):
        raise DeliberationError("closed")
    if not conversation.participants_may_submit:
        raise DeliberationError("submissions_closed")
    problem = access_problem(conversation, user)
    if problem:
        raise DeliberationError(problem)
    participant = _ensure_participant(conversation.id, user, key)
    if participant.blocked:
        raise DeliberationError("blocked")
    for attempt in range(3):
        try:
            with db.session.begin_nested():
                statement = _add_statement(
                    conversation,
                    text=text,
                    language=language,
                    author=participant,
                    status=StatementStatus.PENDING,
                )
            break
        except IntegrityError:
            # Two statements took the same running number at once: take the next one.
            if attempt == 2:
                raise
    db.session.commit()
    return statement
