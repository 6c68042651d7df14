"""What a participant sees: the next statement, their votes and where they stand."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select

from portal.deliberation import math as dmath
from portal.deliberation.models import (
    Conversation,
    MathState,
    Participant,
    Statement,
    Vote,
)
from portal.deliberation.services._common import (
    group_label,
    key_hash,
    visible_condition,
)
from portal.extensions import db


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
