"""Conversations, participation and moderation: the business rules of deliberations.

Voting is the hot path: :func:`cast_vote` reads three rows, writes the current vote with one
upsert plus one history row and commits. The opinion map is recomputed elsewhere
(:mod:`portal.deliberation.results`), never inside a vote request.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import numpy as np
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.core.audit import record_audit
from portal.core.db import utcnow
from portal.core.permissions import Role
from portal.core.personal_data import register_personal_data
from portal.deliberation import math as dmath
from portal.deliberation.models import (
    Access,
    Conversation,
    ConversationStatus,
    MathState,
    Moderation,
    Participant,
    Statement,
    StatementStatus,
    Vote,
    VoteEvent,
)
from portal.extensions import db
from portal.impact.models import ActivityKind, ActivityStatus
from portal.impact.services import register_activity

MAX_STATEMENT_LENGTH = 280
MIN_STATEMENT_LENGTH = 5
ACTIVITY_SOURCE = "deliberation_conversation"


class DeliberationError(Exception):
    """A rule of deliberations was broken; ``code`` names it for a translated message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- helpers ------------------------------------------------------------------------------

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_text(text: str) -> str:
    """Case-, accent-width- and punctuation-insensitive form used to spot duplicates."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NON_WORD.sub(" ", folded).split())


def text_hash(text: str) -> str:
    return hashlib.sha256(normalize_text(text).encode()).hexdigest()


def key_hash(key: str) -> str:
    """Only the hash of a browser's participant key is stored."""
    return hashlib.sha256(key.encode()).hexdigest()


def clean_statement_text(text: str) -> str:
    return " ".join(text.split())


def is_open(conversation: Conversation, now: datetime | None = None) -> bool:
    """Whether votes and statements are accepted right now."""
    now = now or utcnow()
    if conversation.status != ConversationStatus.OPEN:
        return False
    if conversation.starts_at and now < conversation.starts_at:
        return False
    return not (conversation.ends_at and now >= conversation.ends_at)


def visible_condition(conversation: Conversation) -> Any:
    """SQL condition for statements participants can see and vote on."""
    statuses = [StatementStatus.ACCEPTED]
    if conversation.moderation == Moderation.POST:
        statuses.append(StatementStatus.PENDING)
    return (
        (Statement.conversation_id == conversation.id)
        & Statement.status.in_(statuses)
        & ~Statement.hidden
    )


def is_visible(conversation: Conversation, statement: Statement) -> bool:
    if statement.conversation_id != conversation.id or statement.hidden:
        return False
    if statement.status == StatementStatus.ACCEPTED:
        return True
    return statement.status == StatementStatus.PENDING and (
        conversation.moderation == Moderation.POST
    )


def is_pool_member(user: Any) -> bool:
    """Residents in the resident pool (the pool domain decides when it is installed)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if Role.RESIDENT not in user.role_set:
        return False
    try:
        from portal.pool import services as pool_services  # type: ignore[attr-defined]
    except ImportError:
        return True
    check = getattr(pool_services, "is_pool_member", None)
    return bool(check(user)) if callable(check) else True


def access_problem(conversation: Conversation, user: Any) -> str | None:
    """Why ``user`` (None when anonymous) may not take part, or None when they may."""
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if conversation.access == Access.LOGGED_IN and not signed_in:
        return "login_required"
    if conversation.access == Access.POOL:
        if not signed_in:
            return "login_required"
        if not is_pool_member(user):
            return "pool_only"
    return None


# --- conversations ---------------------------------------------------------------------------


@dataclass
class ConversationFields:
    """What a coordinator enters about a conversation."""

    topic_fi: str = ""
    topic_sv: str = ""
    topic_en: str = ""
    description_fi: str = ""
    description_sv: str = ""
    description_en: str = ""
    languages: tuple[str, ...] = ("fi",)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    access: str = Access.ANYONE
    moderation: str = Moderation.POST
    participants_may_submit: bool = True


def _apply_fields(conversation: Conversation, fields: ConversationFields) -> None:
    if not (fields.topic_fi or fields.topic_sv or fields.topic_en):
        raise DeliberationError("topic_required")
    if fields.starts_at and fields.ends_at and fields.ends_at <= fields.starts_at:
        raise DeliberationError("ends_before_start")
    if fields.access not in set(Access) or fields.moderation not in set(Moderation):
        raise DeliberationError("invalid_choice")
    for name in (
        "topic_fi",
        "topic_sv",
        "topic_en",
        "description_fi",
        "description_sv",
        "description_en",
    ):
        setattr(conversation, name, (getattr(fields, name) or "").strip())
    conversation.languages = ",".join(fields.languages or ("fi",))
    conversation.starts_at = fields.starts_at
    conversation.ends_at = fields.ends_at
    conversation.access = fields.access
    conversation.moderation = fields.moderation
    conversation.participants_may_submit = fields.participants_may_submit


_ACTIVITY_STATUS = {
    ConversationStatus.DRAFT: ActivityStatus.PLANNED,
    ConversationStatus.OPEN: ActivityStatus.OPEN,
    ConversationStatus.CLOSED: ActivityStatus.CLOSED,
    ConversationStatus.REPORTED: ActivityStatus.CLOSED,
}


def sync_activity(conversation: Conversation) -> Any:
    """Mirror the conversation in the impact chain (flushes)."""
    return register_activity(
        kind=ActivityKind.DELIBERATION,
        title=conversation.topic(conversation.language_list[0] if conversation.languages else "fi"),
        source_type=ACTIVITY_SOURCE,
        source_id=conversation.id,
        starts_on=conversation.starts_at.date() if conversation.starts_at else None,
        ends_on=conversation.ends_at.date() if conversation.ends_at else None,
        status=_ACTIVITY_STATUS[ConversationStatus(conversation.status)],
    )


def create_conversation(
    *, actor: User, fields: ConversationFields, seed_statements: list[str] | None = None
) -> Conversation:
    """Create a draft conversation with its seed statements, and commit."""
    conversation = Conversation(created_by_id=actor.id, status=ConversationStatus.DRAFT)
    _apply_fields(conversation, fields)
    db.session.add(conversation)
    db.session.flush()
    db.session.add(MathState(conversation_id=conversation.id))
    language = conversation.language_list[0]
    for text in seed_statements or []:
        if text.strip():
            _add_statement(
                conversation,
                text=text,
                language=language,
                author=None,
                status=StatementStatus.ACCEPTED,
                is_seed=True,
            )
    sync_activity(conversation)
    record_audit(
        actor=actor,
        action="deliberation.conversation_created",
        object_type="deliberation_conversation",
        object_id=conversation.id,
        changes={"status": conversation.status, "seeds": len(seed_statements or [])},
    )
    db.session.commit()
    return conversation


def update_conversation(
    *, actor: User, conversation: Conversation, fields: ConversationFields
) -> Conversation:
    """Change a conversation's settings, and commit."""
    if conversation.status == ConversationStatus.REPORTED:
        raise DeliberationError("read_only")
    before = {
        "access": conversation.access,
        "moderation": conversation.moderation,
        "participants_may_submit": conversation.participants_may_submit,
    }
    _apply_fields(conversation, fields)
    sync_activity(conversation)
    record_audit(
        actor=actor,
        action="deliberation.conversation_updated",
        object_type="deliberation_conversation",
        object_id=conversation.id,
        changes={
            "before": before,
            "after": {
                "access": conversation.access,
                "moderation": conversation.moderation,
                "participants_may_submit": conversation.participants_may_submit,
            },
        },
    )
    db.session.commit()
    return conversation


ALLOWED_TRANSITIONS = {
    ConversationStatus.DRAFT: {ConversationStatus.OPEN},
    ConversationStatus.OPEN: {ConversationStatus.CLOSED},
    ConversationStatus.CLOSED: {ConversationStatus.OPEN, ConversationStatus.REPORTED},
    ConversationStatus.REPORTED: {ConversationStatus.CLOSED},
}


def change_status(*, actor: User, conversation: Conversation, status: str) -> Conversation:
    """Move a conversation along draft → open → closed → reported, and commit.

    Publishing the report recomputes the opinion map and registers its consensus and each
    group's view as outputs in the impact chain, so decision makers can respond to them.
    """
    current = ConversationStatus(conversation.status)
    if status not in set(ConversationStatus) or status not in ALLOWED_TRANSITIONS[current]:
        raise DeliberationError("invalid_transition")
    if status == ConversationStatus.REPORTED:
        from portal.deliberation.results import recompute_conversation, register_report_outputs

        recompute_conversation(conversation_id=conversation.id, owner="publish", force=True)
        conversation = db.session.get(Conversation, conversation.id)
        conversation.status = status
        conversation.reported_at = utcnow()
        activity = sync_activity(conversation)
        register_report_outputs(conversation, activity)
    else:
        conversation.status = status
        if status == ConversationStatus.CLOSED:
            conversation.reported_at = None
        sync_activity(conversation)
    record_audit(
        actor=actor,
        action="deliberation.status_changed",
        object_type="deliberation_conversation",
        object_id=conversation.id,
        changes={"before": str(current), "after": status},
    )
    db.session.commit()
    return conversation


def _next_number(conversation_id: int) -> int:
    highest = db.session.scalar(
        select(func.max(Statement.number)).where(Statement.conversation_id == conversation_id)
    )
    return 0 if highest is None else int(highest) + 1


def _add_statement(
    conversation: Conversation,
    *,
    text: str,
    language: str,
    author: Participant | None,
    status: str,
    is_seed: bool = False,
    is_meta: bool = False,
) -> Statement:
    text = clean_statement_text(text)
    if len(text) < MIN_STATEMENT_LENGTH:
        raise DeliberationError("statement_too_short")
    if len(text) > MAX_STATEMENT_LENGTH:
        raise DeliberationError("statement_too_long")
    digest = text_hash(text)
    duplicate = db.session.scalar(
        select(Statement.id).where(
            Statement.conversation_id == conversation.id, Statement.text_hash == digest
        )
    )
    if duplicate is not None:
        raise DeliberationError("duplicate_statement")
    statement = Statement(
        conversation_id=conversation.id,
        number=_next_number(conversation.id),
        text=text,
        text_hash=digest,
        language=language,
        author=author,
        status=status,
        is_seed=is_seed,
        is_meta=is_meta,
    )
    db.session.add(statement)
    db.session.flush()
    return statement


def add_seed_statement(
    *, actor: User, conversation: Conversation, text: str, language: str, is_meta: bool = False
) -> Statement:
    """Add an accepted seed statement written by the organisers, and commit."""
    if conversation.status in {ConversationStatus.CLOSED, ConversationStatus.REPORTED}:
        raise DeliberationError("read_only")
    statement = _add_statement(
        conversation,
        text=text,
        language=language,
        author=None,
        status=StatementStatus.ACCEPTED,
        is_seed=True,
        is_meta=is_meta,
    )
    record_audit(
        actor=actor,
        action="deliberation.seed_added",
        object_type="deliberation_statement",
        object_id=statement.id,
        changes={"conversation": conversation.id},
    )
    db.session.commit()
    return statement


# --- participants ----------------------------------------------------------------------------


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


def _insert_ignore(model: Any, values: dict[str, Any], conflict: list[str]) -> None:
    table = model.__table__
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(
        insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict)
    )


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


# --- voting ----------------------------------------------------------------------------------


def _upsert_vote(values: dict[str, Any]) -> None:
    table = Vote.__table__
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(**values)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["participant_id", "statement_id"],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
    )


def _vote_context(signed_in: bool) -> Any:
    """Statement, conversation and the voter's participant (if any) in one round trip."""
    match = (
        Participant.user_id == bindparam("user_id")
        if signed_in
        else Participant.key_hash == bindparam("key_hash")
    )
    return (
        select(
            Statement.conversation_id,
            Statement.status,
            Statement.hidden,
            Conversation.status.label("conversation_status"),
            Conversation.starts_at,
            Conversation.ends_at,
            Conversation.access,
            Conversation.moderation,
            Participant.id.label("participant_id"),
            Participant.blocked.label("participant_blocked"),
        )
        .join(Conversation, Conversation.id == Statement.conversation_id)
        .outerjoin(Participant, (Participant.conversation_id == Statement.conversation_id) & match)
        .where(Statement.id == bindparam("statement_id"))
    )


_VOTE_CONTEXT = {True: _vote_context(True), False: _vote_context(False)}


def cast_vote(
    *, conversation_id: int, statement_id: int, value: int, user: Any = None, key: str | None
) -> None:
    """Record (or change) a vote and its history row, and commit.

    Raises :class:`DeliberationError` when the conversation is not open, the statement is
    not visible in it, the participant is blocked or not allowed to take part. This is the
    hot path: two reads, one upsert, one insert and the commit.
    """
    if value not in (dmath.AGREE, dmath.DISAGREE, dmath.PASS):
        raise DeliberationError("invalid_vote")
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    row = db.session.execute(
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
    now = utcnow()
    values = {
        "conversation_id": conversation_id,
        "participant_id": participant_id,
        "statement_id": statement_id,
        "value": value,
        "created_at": now,
    }
    _upsert_vote({**values, "updated_at": now})
    db.session.execute(insert(VoteEvent.__table__).values(**values))
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


# --- what a participant sees ------------------------------------------------------------------


def voted_statement_ids(participant: Participant | None) -> set[int]:
    if participant is None:
        return set()
    return set(
        db.session.scalars(select(Vote.statement_id).where(Vote.participant_id == participant.id))
    )


def _seed_for(conversation: Conversation, participant: Participant | None, key: str | None) -> int:
    if participant is not None:
        return participant.id
    return int(key_hash(key)[:8], 16) if key else 0


def next_statement(
    *, conversation: Conversation, participant: Participant | None, key: str | None = None
) -> Statement | None:
    """Pick the next statement like Polis: unvoted, visible, drawn by priority.

    Priorities come from the stored result; statements added since then get the priority
    of an unseen statement, which is high, so new statements get a fair hearing. The draw
    is seeded per participant and number of votes, so it is reproducible.
    """
    rows = db.session.execute(
        select(Statement.id, Statement.is_meta)
        .where(visible_condition(conversation))
        .order_by(Statement.id)
    ).all()
    if not rows:
        return None
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    meta = np.array([r[1] for r in rows], dtype=bool)
    voted = voted_statement_ids(participant)
    voted_mask = np.isin(ids, np.fromiter(voted, dtype=np.int64, count=len(voted)))
    if voted_mask.all():
        return None
    stored = db.session.scalar(
        select(MathState.summary).where(MathState.conversation_id == conversation.id)
    )
    stored_priorities = (stored or {}).get("priorities", {})
    unseen = float(
        dmath.statement_priorities(np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1))[0]
    )
    priorities = np.array([stored_priorities.get(str(i), unseen) for i in ids.tolist()])
    priorities = np.where(meta, dmath.META_PRIORITY, priorities)
    rng = np.random.default_rng(
        [conversation.id, _seed_for(conversation, participant, key), len(voted)]
    )
    chosen = dmath.choose_next_statement(priorities, voted_mask, np.ones(len(ids), bool), rng)
    return None if chosen is None else db.session.get(Statement, int(ids[chosen]))


def visible_statement_count(conversation: Conversation) -> int:
    return int(
        db.session.scalar(select(func.count(Statement.id)).where(visible_condition(conversation)))
        or 0
    )


def my_votes(participant: Participant | None) -> list[tuple[Statement, int]]:
    """The participant's current votes with their statements, oldest statement first."""
    if participant is None:
        return []
    rows = db.session.execute(
        select(Statement, Vote.value)
        .join(Vote, Vote.statement_id == Statement.id)
        .where(Vote.participant_id == participant.id, ~Statement.hidden)
        .order_by(Statement.number)
    ).all()
    return [(statement, int(value)) for statement, value in rows]


@dataclass(frozen=True)
class Standing:
    """Where a participant stands on the opinion map."""

    votes: int
    votes_needed: int
    group_id: int | None
    group_label: str | None
    group_size: int
    clustered: int
    group_count: int
    agreed_statements: list[Statement]


def group_label(group_id: int) -> str:
    """Groups are named A, B, C... as in Polis."""
    return chr(ord("A") + group_id) if 0 <= group_id < 26 else str(group_id + 1)


def standing(*, conversation: Conversation, participant: Participant | None) -> Standing:
    votes = len(voted_statement_ids(participant))
    total = visible_statement_count(conversation)
    needed = max(0, min(dmath.IN_CONVERSATION_MIN_VOTES, total) - votes)
    state = db.session.get(MathState, conversation.id)
    summary = state.summary if state and state.summary else {}
    groups = {g["id"]: g for g in summary.get("groups", [])}
    group_id = participant.opinion_group if participant is not None else None
    group = groups.get(group_id) if group_id is not None else None
    agreed: list[Statement] = []
    if group is not None:
        agree_ids = [
            r["statement_id"] for r in group["representative"] if r["direction"] == "agree"
        ][:3]
        if agree_ids:
            found = {
                s.id: s
                for s in db.session.scalars(select(Statement).where(Statement.id.in_(agree_ids)))
            }
            agreed = [found[i] for i in agree_ids if i in found]
    return Standing(
        votes=votes,
        votes_needed=needed,
        group_id=group_id if group is not None else None,
        group_label=group_label(group_id) if group is not None and group_id is not None else None,
        group_size=int(group["size"]) if group else 0,
        clustered=int(summary.get("clustered", 0)),
        group_count=len(groups),
        agreed_statements=agreed,
    )


# --- moderation ------------------------------------------------------------------------------


def _mark_stale(conversation_id: int) -> None:
    db.session.execute(
        update(MathState)
        .where(MathState.conversation_id == conversation_id)
        .values(needs_update=True)
    )


def moderate_statement(
    *,
    actor: User,
    statement: Statement,
    status: str,
    reason: str = "",
    is_seed: bool | None = None,
    is_meta: bool | None = None,
    hidden: bool | None = None,
) -> Statement:
    """Accept or reject a statement (a reason is required to reject), mark it as seed or
    meta, or hide it; audited, and commits."""
    if status not in set(StatementStatus):
        raise DeliberationError("invalid_choice")
    if status == StatementStatus.REJECTED and not reason.strip():
        raise DeliberationError("reason_required")
    before = {
        "status": statement.status,
        "is_seed": statement.is_seed,
        "is_meta": statement.is_meta,
        "hidden": statement.hidden,
    }
    statement.status = status
    statement.reject_reason = reason.strip() if status == StatementStatus.REJECTED else ""
    if is_seed is not None:
        statement.is_seed = is_seed
    if is_meta is not None:
        statement.is_meta = is_meta
    if hidden is not None:
        statement.hidden = hidden
    statement.moderated_at = utcnow()
    statement.moderated_by_id = actor.id
    after = {
        "status": statement.status,
        "is_seed": statement.is_seed,
        "is_meta": statement.is_meta,
        "hidden": statement.hidden,
    }
    _mark_stale(statement.conversation_id)
    record_audit(
        actor=actor,
        action="deliberation.statement_moderated",
        object_type="deliberation_statement",
        object_id=statement.id,
        changes={"before": before, "after": after},
    )
    db.session.commit()
    return statement


def set_participant_blocked(*, actor: User, participant: Participant, blocked: bool) -> Participant:
    """Block (or unblock) a participant: they can no longer vote or write, and their votes
    are left out of the opinion map. Audited; commits."""
    participant.blocked = blocked
    _mark_stale(participant.conversation_id)
    record_audit(
        actor=actor,
        action="deliberation.participant_blocked"
        if blocked
        else "deliberation.participant_unblocked",
        object_type="deliberation_participant",
        object_id=participant.id,
        changes={"blocked": blocked},
    )
    db.session.commit()
    return participant


def moderation_queue(conversation: Conversation) -> list[Statement]:
    return list(
        db.session.scalars(
            select(Statement)
            .where(
                Statement.conversation_id == conversation.id,
                Statement.status == StatementStatus.PENDING,
            )
            .order_by(Statement.created_at, Statement.id)
        )
    )


def statements_of(conversation: Conversation) -> list[Statement]:
    return list(
        db.session.scalars(
            select(Statement)
            .where(Statement.conversation_id == conversation.id)
            .order_by(Statement.number)
        )
    )


def list_conversations(*, public_only: bool) -> list[Conversation]:
    query = select(Conversation).order_by(Conversation.created_at.desc(), Conversation.id.desc())
    if public_only:
        query = query.where(
            Conversation.status.in_([ConversationStatus.OPEN, ConversationStatus.REPORTED])
        )
    return list(db.session.scalars(query))


def participation_counts(conversation_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(participants, votes) per conversation, in two grouped queries."""
    if not conversation_ids:
        return {}
    people = dict(
        db.session.execute(
            select(Participant.conversation_id, func.count(Participant.id))
            .where(Participant.conversation_id.in_(conversation_ids))
            .group_by(Participant.conversation_id)
        ).all()
    )
    votes = dict(
        db.session.execute(
            select(Vote.conversation_id, func.count(Vote.id))
            .where(Vote.conversation_id.in_(conversation_ids))
            .group_by(Vote.conversation_id)
        ).all()
    )
    return {cid: (int(people.get(cid, 0)), int(votes.get(cid, 0))) for cid in conversation_ids}


# --- personal data -----------------------------------------------------------------------------


def export_personal_data(user: User) -> list[dict[str, Any]]:
    participants = list(
        db.session.scalars(select(Participant).where(Participant.user_id == user.id))
    )
    out = []
    for participant in participants:
        conversation = db.session.get(Conversation, participant.conversation_id)
        out.append(
            {
                "conversation": participant.conversation_id,
                "topic": conversation.topic(user.locale) if conversation else "",
                "votes": [
                    {"statement": statement.text, "vote": value}
                    for statement, value in my_votes(participant)
                ],
                "statements": [
                    s.text
                    for s in db.session.scalars(
                        select(Statement).where(Statement.author_id == participant.id)
                    )
                ],
            }
        )
    return out


def erase_personal_data(user: User) -> None:
    """Unlink the person from their participants: votes stay as anonymous aggregates."""
    db.session.execute(
        update(Participant)
        .where(Participant.user_id == user.id)
        .values(user_id=None, key_hash=None)
    )
    db.session.flush()


register_personal_data("deliberation", export=export_personal_data, erase=erase_personal_data)


def first_vote_dates(conversation_id: int) -> dict[int, date]:
    """Per signed-in participant's user id, the day of their first vote."""
    rows = db.session.execute(
        select(Participant.user_id, func.min(VoteEvent.created_at))
        .join(VoteEvent, VoteEvent.participant_id == Participant.id)
        .where(Participant.conversation_id == conversation_id, Participant.user_id.is_not(None))
        .group_by(Participant.user_id)
    ).all()
    out = {}
    for user_id, first in rows:
        if isinstance(first, str):  # SQLite returns aggregates of timestamps as text
            first = datetime.fromisoformat(first)
        out[int(user_id)] = first.date()
    return out


ZERO_HOURS = Decimal("0")
