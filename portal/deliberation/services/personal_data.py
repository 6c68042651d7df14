"""A person's own votes and statements: their export and erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from portal.accounts.models import User
from portal.deliberation.models import (
    ERASED_STATEMENT_TEXT,
    Conversation,
    Participant,
    Statement,
)
from portal.deliberation.services._common import text_hash
from portal.deliberation.services.standing import my_votes
from portal.extensions import db


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
    """Unlink the person from their participants: votes stay as anonymous aggregates.

    Statements they wrote can name them, so their text becomes a tombstone; the rows stay
    (hidden from new voters) because other people's votes are anchored to them.
    """
    own = select(Participant.id).where(Participant.user_id == user.id).scalar_subquery()
    db.session.execute(
        update(Statement)
        .where(Statement.author_id.in_(own))
        .values(
            text=ERASED_STATEMENT_TEXT,
            text_hash=text_hash(ERASED_STATEMENT_TEXT),
            reject_reason="",
            hidden=True,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Participant)
        .where(Participant.user_id == user.id)
        .values(user_id=None, key_hash=None)
    )
    db.session.flush()
