"""Read and write conversations in the Polis export format.

A Polis export is a folder of CSV files: ``summary.csv`` (key,value rows), ``comments.csv``,
``votes.csv``, ``participants-votes.csv`` and optionally ``stats-history.csv``. Votes use
the export convention, which is also the portal's: +1 agree, -1 disagree, 0 pass.

Writing uses the same columns, order and quoting, so an export read here and written back is
byte-for-byte the original for exports produced by Polis itself.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

SUMMARY_FILE = "summary.csv"
COMMENTS_FILE = "comments.csv"
VOTES_FILE = "votes.csv"
PARTICIPANTS_FILE = "participants-votes.csv"
STATS_HISTORY_FILE = "stats-history.csv"

COMMENT_COLUMNS = (
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
)
VOTE_COLUMNS = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
PARTICIPANT_COLUMNS = (
    "participant",
    "group-id",
    "n-comments",
    "n-votes",
    "n-agree",
    "n-disagree",
)
#: Group id stored for participants with an empty ``group-id`` cell (not clustered).
NO_GROUP = -1
#: ``moderated`` value of comments removed by a moderator.
MODERATED_OUT = -1


@dataclass(frozen=True)
class Comment:
    """One row of ``comments.csv``."""

    timestamp: int
    datetime: str
    comment_id: int
    author_id: int
    agrees: int
    disagrees: int
    moderated: int
    body: str


@dataclass(frozen=True, eq=False)
class Votes:
    """``votes.csv`` as columns (every vote cast, in file order, not only the latest)."""

    timestamp: np.ndarray
    datetime: tuple[str, ...]
    comment_id: np.ndarray
    voter_id: np.ndarray
    vote: np.ndarray

    def __len__(self) -> int:
        return len(self.vote)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Votes):
            return NotImplemented
        return self.datetime == other.datetime and all(
            np.array_equal(getattr(self, f), getattr(other, f))
            for f in ("timestamp", "comment_id", "voter_id", "vote")
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, eq=False)
class ParticipantVotes:
    """``participants-votes.csv``: per-participant totals, group and one column per comment.

    ``votes[i, j]`` is participant ``i``'s vote on ``comment_ids[j]``, meaningful only where
    ``voted[i, j]``; ``group_id`` is :data:`NO_GROUP` for participants Polis did not cluster.
    """

    participant: np.ndarray
    group_id: np.ndarray
    n_comments: np.ndarray
    n_votes: np.ndarray
    n_agree: np.ndarray
    n_disagree: np.ndarray
    comment_ids: np.ndarray
    votes: np.ndarray
    voted: np.ndarray

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParticipantVotes):
            return NotImplemented
        fields = (
            "participant",
            "group_id",
            "n_comments",
            "n_votes",
            "n_agree",
            "n_disagree",
            "comment_ids",
            "voted",
        )
        return all(np.array_equal(getattr(self, f), getattr(other, f)) for f in fields) and (
            np.array_equal(self.votes[self.voted], other.votes[other.voted])
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, eq=False)
class StatsHistory:
    """``stats-history.csv``: integer columns, one row per recorded point in time."""

    columns: tuple[str, ...]
    rows: np.ndarray

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatsHistory):
            return NotImplemented
        return self.columns == other.columns and np.array_equal(self.rows, other.rows)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class PolisExport:
    """A whole export folder."""

    summary: tuple[tuple[str, str], ...]
    comments: tuple[Comment, ...]
    votes: Votes
    participants: ParticipantVotes | None = None
    stats_history: StatsHistory | None = None

    def summary_value(self, key: str, default: str | None = None) -> str | None:
        """Value of ``key`` in ``summary.csv`` (the first one when repeated)."""
        for k, v in self.summary:
            if k == key:
                return v
        return default

    def moderated_out_ids(self) -> np.ndarray:
        """Comment ids removed by moderation (``moderated == -1``), sorted."""
        return np.array(
            sorted(c.comment_id for c in self.comments if c.moderated == MODERATED_OUT),
            dtype=np.int64,
        )


# --------------------------------------------------------------------------- reading


def _read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        return header, [row for row in reader if row]


def _column_index(header: list[str], wanted: tuple[str, ...], path: Path) -> list[int]:
    missing = [c for c in wanted if c not in header]
    if missing:
        raise ValueError(f"{path.name}: missing columns {', '.join(missing)}")
    return [header.index(c) for c in wanted]


def read_summary(path: Path) -> tuple[tuple[str, str], ...]:
    """Read ``summary.csv`` (no header; ``key,value`` rows, values may span lines)."""
    with path.open(newline="", encoding="utf-8") as f:
        return tuple((row[0], row[1] if len(row) > 1 else "") for row in csv.reader(f) if row)


def read_comments(path: Path) -> tuple[Comment, ...]:
    """Read ``comments.csv`` in file order."""
    header, rows = _read_rows(path)
    ix = _column_index(header, COMMENT_COLUMNS, path)
    return tuple(
        Comment(
            timestamp=int(r[ix[0]]),
            datetime=r[ix[1]],
            comment_id=int(r[ix[2]]),
            author_id=int(r[ix[3]]),
            agrees=int(r[ix[4]]),
            disagrees=int(r[ix[5]]),
            moderated=int(r[ix[6]]),
            body=r[ix[7]],
        )
        for r in rows
    )


def read_votes(path: Path) -> Votes:
    """Read ``votes.csv`` in file order."""
    header, rows = _read_rows(path)
    ix = _column_index(header, VOTE_COLUMNS, path)

    def ints(i: int, dtype: type) -> np.ndarray:
        return np.array([int(r[i]) for r in rows], dtype=dtype)

    votes = Votes(
        timestamp=ints(ix[0], np.int64),
        datetime=tuple(r[ix[1]] for r in rows),
        comment_id=ints(ix[2], np.int64),
        voter_id=ints(ix[3], np.int64),
        vote=ints(ix[4], np.int8),
    )
    if len(votes) and (votes.vote.min() < -1 or votes.vote.max() > 1):
        raise ValueError(f"{path.name}: votes must be -1, 0 or 1")
    return votes


def read_participant_votes(path: Path) -> ParticipantVotes:
    """Read ``participants-votes.csv``; empty cells mean no group / no vote."""
    header, rows = _read_rows(path)
    fixed = _column_index(header, PARTICIPANT_COLUMNS, path)
    if fixed != list(range(len(PARTICIPANT_COLUMNS))):
        raise ValueError(f"{path.name}: unexpected column order")
    n_fixed = len(PARTICIPANT_COLUMNS)
    comment_ids = np.array([int(c) for c in header[n_fixed:]], dtype=np.int64)
    n, m = len(rows), len(comment_ids)
    # Short rows (trailing cells omitted) are padded with "no vote".
    cells = np.array([(row[n_fixed:] + [""] * m)[:m] for row in rows], dtype=str).reshape(n, m)
    voted = cells != ""
    votes = np.zeros((n, m), dtype=np.int8)
    votes[voted] = cells[voted].astype(np.int8)

    def column(j: int, empty: int | None = None) -> np.ndarray:
        return np.array(
            [empty if (empty is not None and r[j] == "") else int(r[j]) for r in rows],
            dtype=np.int64,
        )

    return ParticipantVotes(
        participant=column(0),
        group_id=column(1, NO_GROUP),
        n_comments=column(2),
        n_votes=column(3),
        n_agree=column(4),
        n_disagree=column(5),
        comment_ids=comment_ids,
        votes=votes,
        voted=voted,
    )


def read_stats_history(path: Path) -> StatsHistory:
    """Read ``stats-history.csv`` (all-integer columns)."""
    header, rows = _read_rows(path)
    values = np.array([[int(x) for x in r] for r in rows], dtype=np.int64)
    return StatsHistory(columns=tuple(header), rows=values.reshape(len(rows), len(header)))


def read_export(directory: str | Path) -> PolisExport:
    """Read a Polis export folder; ``participants-votes.csv`` and ``stats-history.csv``
    are optional, the other three files are required."""
    d = Path(directory)
    participants = d / PARTICIPANTS_FILE
    history = d / STATS_HISTORY_FILE
    return PolisExport(
        summary=read_summary(d / SUMMARY_FILE),
        comments=read_comments(d / COMMENTS_FILE),
        votes=read_votes(d / VOTES_FILE),
        participants=read_participant_votes(participants) if participants.exists() else None,
        stats_history=read_stats_history(history) if history.exists() else None,
    )


# --------------------------------------------------------------------------- writing


def _writer(f: TextIO) -> Any:
    # Polis writes LF line ends and quotes only where needed.
    return csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


def write_export(export: PolisExport, directory: str | Path) -> None:
    """Write ``export`` as a Polis export folder (created if missing)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    with (d / SUMMARY_FILE).open("w", newline="", encoding="utf-8") as f:
        _writer(f).writerows(export.summary)
    with (d / COMMENTS_FILE).open("w", newline="", encoding="utf-8") as f:
        w = _writer(f)
        w.writerow(COMMENT_COLUMNS)
        w.writerows(
            (
                c.timestamp,
                c.datetime,
                c.comment_id,
                c.author_id,
                c.agrees,
                c.disagrees,
                c.moderated,
                c.body,
            )
            for c in export.comments
        )
    v = export.votes
    with (d / VOTES_FILE).open("w", newline="", encoding="utf-8") as f:
        w = _writer(f)
        w.writerow(VOTE_COLUMNS)
        w.writerows(
            zip(
                v.timestamp.tolist(),
                v.datetime,
                v.comment_id.tolist(),
                v.voter_id.tolist(),
                v.vote.tolist(),
                strict=True,
            )
        )
    if export.participants is not None:
        _write_participant_votes(export.participants, d / PARTICIPANTS_FILE)
    if export.stats_history is not None:
        with (d / STATS_HISTORY_FILE).open("w", newline="", encoding="utf-8") as f:
            w = _writer(f)
            w.writerow(export.stats_history.columns)
            w.writerows(export.stats_history.rows.tolist())


def _write_participant_votes(pv: ParticipantVotes, path: Path) -> None:
    cells = np.where(pv.voted, pv.votes.astype(str), "")
    with path.open("w", newline="", encoding="utf-8") as f:
        w = _writer(f)
        w.writerow([*PARTICIPANT_COLUMNS, *(str(c) for c in pv.comment_ids.tolist())])
        for i in range(len(pv.participant)):
            gid = int(pv.group_id[i])
            w.writerow(
                [
                    int(pv.participant[i]),
                    "" if gid == NO_GROUP else gid,
                    int(pv.n_comments[i]),
                    int(pv.n_votes[i]),
                    int(pv.n_agree[i]),
                    int(pv.n_disagree[i]),
                    *cells[i].tolist(),
                ]
            )


# --------------------------------------------------------------------------- building


def format_datetime(timestamp_ms: int) -> str:
    """Polis-style ``datetime`` cell for a millisecond UTC timestamp
    (e.g. ``Tue Jun 30 08:49:52 UTC 2015``)."""
    moment = dt.datetime.fromtimestamp(timestamp_ms / 1000.0, tz=dt.UTC)
    return moment.strftime("%a %b %d %H:%M:%S UTC %Y")


def participant_votes_table(
    votes: Votes,
    comments: tuple[Comment, ...],
    groups: dict[int, int] | None = None,
) -> ParticipantVotes:
    """Build ``participants-votes.csv`` content from the vote log (latest vote per pair).

    Columns are the comment ids in ascending order; ``groups`` maps voter id to group id
    (voters missing from it get an empty ``group-id``).
    """
    order = np.lexsort((np.arange(len(votes)), votes.timestamp, votes.comment_id, votes.voter_id))
    voter, comment, value = votes.voter_id[order], votes.comment_id[order], votes.vote[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = (voter[1:] != voter[:-1]) | (comment[1:] != comment[:-1])
    voter, comment, value = voter[last], comment[last], value[last]
    comment_ids = np.unique(np.concatenate([[c.comment_id for c in comments], comment]))
    comment_ids = comment_ids.astype(np.int64)
    participants, row = np.unique(voter, return_inverse=True)
    col = np.searchsorted(comment_ids, comment)
    table = np.zeros((len(participants), len(comment_ids)), dtype=np.int8)
    seen = np.zeros_like(table, dtype=bool)
    table[row, col] = value
    seen[row, col] = True
    authored = np.array([c.author_id for c in comments], dtype=np.int64)
    a_ids, a_counts = np.unique(authored, return_counts=True)
    n_comments = np.zeros(len(participants), dtype=np.int64)
    if len(a_ids):
        pos = np.minimum(np.searchsorted(a_ids, participants), len(a_ids) - 1)
        n_comments = np.where(a_ids[pos] == participants, a_counts[pos], 0)
    groups = groups or {}
    return ParticipantVotes(
        participant=participants.astype(np.int64),
        group_id=np.array([groups.get(int(p), NO_GROUP) for p in participants], dtype=np.int64),
        n_comments=n_comments.astype(np.int64),
        n_votes=seen.sum(axis=1).astype(np.int64),
        n_agree=((table == 1) & seen).sum(axis=1).astype(np.int64),
        n_disagree=((table == -1) & seen).sum(axis=1).astype(np.int64),
        comment_ids=comment_ids,
        votes=table,
        voted=seen,
    )
