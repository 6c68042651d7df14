"""Polis export format in and out: bring an existing Polis conversation in, or hand ours out.

Comment ids are the statements' running numbers; voter ids are the imported Polis ids where
known and otherwise numbers after the highest of them, in order of joining. Votes are the
whole history (every vote cast, in order), as in Polis's ``votes.csv``.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath

import numpy as np
from sqlalchemy import case, func, insert, select

from portal.accounts.models import User
from portal.core.audit import record_audit
from portal.core.db import utcnow
from portal.deliberation import polis_io
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
from portal.deliberation.services import DeliberationError, sync_activity, text_hash
from portal.extensions import db

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_IMPORT_FILE_BYTES = 200 * 1024 * 1024


def to_millis(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def from_millis(millis: int) -> datetime:
    return EPOCH + timedelta(milliseconds=int(millis))


_MODERATED = {
    StatementStatus.ACCEPTED: 1,
    StatementStatus.PENDING: 0,
    StatementStatus.REJECTED: polis_io.MODERATED_OUT,
}


def export_conversation(conversation: Conversation) -> polis_io.PolisExport:
    """The conversation as a Polis export (latest stored groups in ``group-id``)."""
    participants = db.session.execute(
        select(Participant.id, Participant.polis_id, Participant.opinion_group)
        .where(Participant.conversation_id == conversation.id)
        .order_by(Participant.id)
    ).all()
    known = [r[1] for r in participants if r[1] is not None]
    next_id = (max(known) + 1) if known else 0
    voter_of: dict[int, int] = {}
    groups: dict[int, int] = {}
    for pid, polis_id, group in participants:
        if polis_id is None:
            polis_id, next_id = next_id, next_id + 1
        voter_of[pid] = int(polis_id)
        if group is not None:
            groups[int(polis_id)] = int(group)

    statements = list(
        db.session.scalars(
            select(Statement)
            .where(Statement.conversation_id == conversation.id)
            .order_by(Statement.number)
        )
    )
    number_of = {s.id: s.number for s in statements}
    counts = {
        sid: (int(a or 0), int(d or 0))
        for sid, a, d in db.session.execute(
            select(
                Vote.statement_id,
                func.sum(case((Vote.value == 1, 1), else_=0)),
                func.sum(case((Vote.value == -1, 1), else_=0)),
            )
            .where(Vote.conversation_id == conversation.id)
            .group_by(Vote.statement_id)
        ).all()
    }
    comments = tuple(
        polis_io.Comment(
            timestamp=to_millis(s.created_at),
            datetime=polis_io.format_datetime(to_millis(s.created_at)),
            comment_id=s.number,
            author_id=voter_of.get(s.author_id, -1) if s.author_id else -1,
            agrees=counts.get(s.id, (0, 0))[0],
            disagrees=counts.get(s.id, (0, 0))[1],
            moderated=polis_io.MODERATED_OUT if s.hidden else _MODERATED[StatementStatus(s.status)],
            body=s.text,
        )
        for s in statements
    )
    events = db.session.execute(
        select(
            VoteEvent.created_at, VoteEvent.statement_id, VoteEvent.participant_id, VoteEvent.value
        )
        .where(VoteEvent.conversation_id == conversation.id)
        .order_by(VoteEvent.id)
    ).all()
    stamps = np.array([to_millis(e[0]) for e in events], dtype=np.int64)
    votes = polis_io.Votes(
        timestamp=stamps,
        datetime=tuple(polis_io.format_datetime(int(t)) for t in stamps.tolist()),
        comment_id=np.array([number_of[e[1]] for e in events], dtype=np.int64),
        voter_id=np.array([voter_of[e[2]] for e in events], dtype=np.int64),
        vote=np.array([e[3] for e in events], dtype=np.int64),
    )
    table = polis_io.participant_votes_table(votes, comments, groups)
    language = conversation.language_list[0] if conversation.languages else "fi"
    authors = {c.author_id for c in comments if c.author_id >= 0}
    summary = (
        ("topic", conversation.topic(language)),
        ("url", conversation.imported_from),
        ("views", "0"),
        ("voters", str(len(table.participant))),
        ("voters-in-conv", str(len(groups))),
        ("commenters", str(len(authors))),
        ("comments", str(len(comments))),
        ("groups", str(len(set(groups.values())))),
        ("conversation-description", conversation.description(language)),
    )
    return polis_io.PolisExport(summary=summary, comments=comments, votes=votes, participants=table)


def export_zip(conversation: Conversation) -> bytes:
    """The Polis export folder as a ZIP archive."""
    export = export_conversation(conversation)
    with tempfile.TemporaryDirectory() as folder:
        polis_io.write_export(export, folder)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(folder).iterdir()):
                archive.write(path, path.name)
    return buffer.getvalue()


def extract_zip(data: bytes, folder: Path) -> Path:
    """Unpack an uploaded export into ``folder`` (file names only, no paths; size-limited)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise DeliberationError("invalid_export") from error
    wanted = set(polis_io.EXPORT_FILES)
    with archive:
        for info in archive.infolist():
            name = PurePosixPath(info.filename).name
            if name not in wanted or info.is_dir():
                continue
            if info.file_size > MAX_IMPORT_FILE_BYTES:
                raise DeliberationError("invalid_export")
            (folder / name).write_bytes(archive.read(info))
    return folder


# Rows per INSERT statement: an imported conversation can hold millions of votes.
_INSERT_BATCH = 5000


def _insert_in_batches(model: type, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), _INSERT_BATCH):
        db.session.execute(insert(model), rows[start : start + _INSERT_BATCH])


def import_export(*, actor: User | None, directory: str | Path) -> Conversation:
    """Create a closed conversation from a Polis export folder, and commit.

    Statements keep their comment ids, participants their voter ids and Polis's own
    ``group-id`` (so the report can compare our groups with Polis's); the whole vote
    history is kept and the current vote is the latest per participant and statement.
    """
    try:
        export = polis_io.read_export(directory)
    except (OSError, ValueError, KeyError, IndexError) as error:
        raise DeliberationError("invalid_export") from error
    topic = (export.summary_value("topic") or "Polis")[:200]
    conversation = Conversation(
        topic_fi=topic,
        topic_sv=topic,
        topic_en=topic,
        description_fi=export.summary_value("conversation-description") or "",
        languages="fi",
        access=Access.ANYONE,
        moderation=Moderation.POST,
        participants_may_submit=False,
        status=ConversationStatus.CLOSED,
        imported_from=(export.summary_value("url") or topic)[:300],
        created_by_id=actor.id if actor else None,
    )
    db.session.add(conversation)
    db.session.flush()
    db.session.add(MathState(conversation_id=conversation.id, needs_update=True))

    votes = export.votes
    voter_ids = set(votes.voter_id.tolist()) | {c.author_id for c in export.comments}
    polis_groups: dict[int, int] = {}
    if export.participants is not None:
        pv = export.participants
        voter_ids |= set(pv.participant.tolist())
        polis_groups = {
            int(p): int(g)
            for p, g in zip(pv.participant.tolist(), pv.group_id.tolist(), strict=True)
            if g != polis_io.NO_GROUP
        }
    voter_ids.discard(-1)
    now = utcnow()
    db.session.execute(
        insert(Participant),
        [
            {
                "conversation_id": conversation.id,
                "polis_id": int(v),
                "polis_group": polis_groups.get(int(v)),
                "blocked": False,
                "created_at": now,
            }
            for v in sorted(voter_ids)
        ],
    )
    participant_of = dict(
        db.session.execute(
            select(Participant.polis_id, Participant.id).where(
                Participant.conversation_id == conversation.id
            )
        ).all()
    )
    status_of = {1: StatementStatus.ACCEPTED, 0: StatementStatus.PENDING}
    seen_hashes: set[str] = set()
    rows = []
    for c in sorted(export.comments, key=lambda c: c.comment_id):
        digest = text_hash(c.body)
        # Polis allows the same text twice; the hash index here only needs to find one.
        seen_hashes.add(digest)
        rows.append(
            {
                "conversation_id": conversation.id,
                "number": c.comment_id,
                "text": c.body,
                "text_hash": digest,
                "language": "",
                "author_id": participant_of.get(c.author_id),
                "status": status_of.get(c.moderated, StatementStatus.REJECTED),
                "reject_reason": "",
                "is_seed": c.is_seed,
                "is_meta": c.is_meta,
                "hidden": False,
                "created_at": from_millis(export.comment_millis(c)),
            }
        )
    if rows:
        db.session.execute(insert(Statement), rows)
    statement_of = dict(
        db.session.execute(
            select(Statement.number, Statement.id).where(
                Statement.conversation_id == conversation.id
            )
        ).all()
    )
    missing = set(votes.comment_id.tolist()) - set(statement_of)
    if missing:
        raise DeliberationError("invalid_export")

    # An export without votes.csv has no vote times: the import time stands in for them.
    stamps = votes.millis().tolist() if export.has_vote_times else [to_millis(now)] * len(votes)
    comment = votes.comment_id.tolist()
    voter = votes.voter_id.tolist()
    value = votes.vote.tolist()

    def vote_row(i: int) -> dict[str, object]:
        return {
            "conversation_id": conversation.id,
            "participant_id": participant_of[voter[i]],
            "statement_id": statement_of[comment[i]],
            "value": int(value[i]),
            "created_at": from_millis(stamps[i]),
        }

    _insert_in_batches(VoteEvent, [vote_row(i) for i in range(len(value))])
    latest: dict[tuple[int, int], int] = {}
    # The latest vote per pair (by timestamp, then file order) is the current one.
    for i in sorted(range(len(value)), key=lambda i: (stamps[i], i)):
        latest[(voter[i], comment[i])] = i
    current = [{**vote_row(i), "updated_at": from_millis(stamps[i])} for i in latest.values()]
    _insert_in_batches(Vote, current)
    sync_activity(conversation)
    record_audit(
        actor=actor,
        action="deliberation.conversation_imported",
        object_type="deliberation_conversation",
        object_id=conversation.id,
        changes={
            "statements": len(rows),
            "participants": len(voter_ids),
            "votes": len(value),
        },
    )
    db.session.commit()
    return conversation
