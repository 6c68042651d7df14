"""Publishing a report: the opinion map's outputs and participations in the impact chain."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.deliberation.models import (
    Conversation,
    MathState,
    Participant,
    Statement,
    VoteEvent,
)
from portal.deliberation.services._common import (
    ZERO_HOURS,
    group_label,
)
from portal.extensions import db
from portal.impact.models import EventType, OutputKind
from portal.impact.services import record_participation, register_output


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


def _share_lines(rows: list[dict[str, Any]], texts: dict[int, str]) -> list[str]:
    """One line per statement: the share that agrees or disagrees, then its text."""
    return [
        _(
            "%(share)s %% agree: %(text)s",
            share=round(row["agree_share"] * 100),
            text=texts.get(row["statement_id"], ""),
        )
        if row["direction"] == "agree"
        else _(
            "%(share)s %% disagree: %(text)s",
            share=round(row["disagree_share"] * 100),
            text=texts.get(row["statement_id"], ""),
        )
        for row in rows
    ]


def register_report_outputs(conversation: Conversation, activity: Any) -> None:
    """Register the consensus and each group's view as outputs (flushes only)."""
    state = db.session.get(MathState, conversation.id)
    summary = state.summary if state and state.summary else {}
    texts = {
        s.id: s.text
        for s in db.session.scalars(
            select(Statement).where(Statement.conversation_id == conversation.id)
        )
    }
    language = conversation.language_list[0] if conversation.languages else "fi"
    topic = conversation.topic(language)
    with force_locale(language):
        consensus_lines = _share_lines(summary.get("consensus", []), texts)
        if consensus_lines:
            register_output(
                activity=activity,
                kind=OutputKind.CONSENSUS,
                title=_("Consensus: %(topic)s", topic=topic)[:200],
                text="\n".join(consensus_lines),
                source_type="deliberation_consensus",
                source_id=conversation.id,
            )
        for group in summary.get("groups", []):
            register_output(
                activity=activity,
                kind=OutputKind.OPINION_GROUP_VIEW,
                title=_(
                    "Opinion group %(label)s (%(size)s participants): %(topic)s",
                    label=group_label(group["id"]),
                    size=group["size"],
                    topic=topic,
                )[:200],
                text="\n".join(_share_lines(group["representative"], texts)),
                source_type=f"deliberation_group_{group['id']}",
                source_id=conversation.id,
            )
    for user_id, first in first_vote_dates(conversation.id).items():
        user = db.session.get(User, user_id)
        if user is not None and user.erased_at is None:
            record_participation(
                activity=activity,
                user=user,
                occurred_on=first,
                hours=ZERO_HOURS,
                role="participant",
                event_type=EventType.DELIBERATION,
                event_id=conversation.id,
            )
