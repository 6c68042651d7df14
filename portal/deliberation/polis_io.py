"""Read and write conversations in the Polis export format.

A Polis export is a folder of CSV files: ``summary.csv`` (key,value rows), ``comments.csv``,
``votes.csv``, ``participants-votes.csv`` and optionally ``stats-history.csv`` and
``comment-groups.csv``. Votes use the export convention, which is also the portal's: +1
agree, -1 disagree, 0 pass.

Real exports differ between Polis versions, so every file is read by its header names, never
by position:

* ``comments.csv`` with or without ``datetime``, with or without the newer ``is-meta``,
  ``is-seed`` and ``group-informed-consensus`` columns;
* ``participants-votes.csv``, or ``participant-votes.csv`` on newer servers, possibly with an
  ``xid`` column; comment ids need not be contiguous;
* no ``votes.csv`` at all: the current votes are then taken from the participant matrix and
  there are no timestamps (:attr:`Votes.unit` is ``"none"``);
* timestamps in milliseconds (older servers) or seconds (newer ones), told apart by size;
* a UTF-8 byte-order mark, CRLF line ends and quoted newlines in comment bodies.

A malformed export raises :class:`ExportError`, which names the file, row and column and
carries a code and parameters for a translated message.

Writing uses the columns the export was read with, in the same order and quoting, so an
export read here and written back is byte-for-byte the original for exports produced by
Polis itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

# Re-exported: callers catch and describe read errors through this module.
from portal.deliberation.polis_errors import ExportError as ExportError
from portal.deliberation.polis_errors import error_message as error_message

SUMMARY_FILE = "summary.csv"
COMMENTS_FILE = "comments.csv"
VOTES_FILE = "votes.csv"
PARTICIPANTS_FILE = "participants-votes.csv"
#: Newer Polis servers name the participant matrix in the singular.
PARTICIPANTS_FILE_SINGULAR = "participant-votes.csv"
STATS_HISTORY_FILE = "stats-history.csv"
COMMENT_GROUPS_FILE = "comment-groups.csv"
#: Every file name this module reads, for unpacking uploaded archives.
EXPORT_FILES = (
    SUMMARY_FILE,
    COMMENTS_FILE,
    VOTES_FILE,
    PARTICIPANTS_FILE,
    PARTICIPANTS_FILE_SINGULAR,
    STATS_HISTORY_FILE,
    COMMENT_GROUPS_FILE,
)

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
#: Columns of newer ``comments.csv`` files, in addition to (or instead of) ``datetime``.
COMMENT_EXTRA_COLUMNS = ("is-meta", "is-seed", "group-informed-consensus")
COMMENT_REQUIRED = ("comment-id", "comment-body")
VOTE_COLUMNS = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
VOTE_REQUIRED = ("comment-id", "voter-id", "vote")
PARTICIPANT_COLUMNS = (
    "participant",
    "group-id",
    "n-comments",
    "n-votes",
    "n-agree",
    "n-disagree",
)
PARTICIPANT_TEXT_COLUMNS = ("xid",)
COMMENT_GROUP_TEXT_COLUMNS = ("comment",)
#: Group id stored for participants with an empty ``group-id`` cell (not clustered).
NO_GROUP = -1
#: ``moderated`` value of comments removed by a moderator.
MODERATED_OUT = -1
#: Timestamps below this are seconds, above it milliseconds: 10^11 s is the year 5138,
#: 10^11 ms is March 1973, before Polis existed.
SECONDS_BELOW = 10**11
TRUE_TEXT = frozenset({"true", "t", "1", "yes"})
FALSE_TEXT = frozenset({"false", "f", "0", "no", ""})


@dataclass(frozen=True)
class Comment:
    """One row of ``comments.csv``; ``timestamp`` is as written (see ``timestamp_unit``)."""

    timestamp: int
    datetime: str
    comment_id: int
    author_id: int
    agrees: int
    disagrees: int
    moderated: int
    body: str
    is_meta: bool = False
    is_seed: bool = False
    #: Polis's own group-informed consensus, kept as written (it is not recomputed here).
    group_informed_consensus: str = ""


@dataclass(frozen=True, eq=False)
class Votes:
    """The vote log as columns (every vote cast, in file order, not only the latest).

    ``unit`` says what ``timestamp`` counts: ``"ms"``, ``"s"`` or ``"none"`` when the export
    has no ``votes.csv`` and the votes come from the participant matrix.
    """

    timestamp: np.ndarray
    datetime: tuple[str, ...]
    comment_id: np.ndarray
    voter_id: np.ndarray
    vote: np.ndarray
    unit: str = "ms"

    def __len__(self) -> int:
        return len(self.vote)

    def millis(self) -> np.ndarray:
        """Timestamps in milliseconds (zeros when there are none)."""
        return _to_millis(self.timestamp, self.unit)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Votes):
            return NotImplemented
        return (
            self.datetime == other.datetime
            and self.unit == other.unit
            and all(
                np.array_equal(getattr(self, f), getattr(other, f))
                for f in ("timestamp", "comment_id", "voter_id", "vote")
            )
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, eq=False)
class ParticipantVotes:
    """``participants-votes.csv``: per-participant totals, group and one column per comment.

    ``votes[i, j]`` is participant ``i``'s vote on ``comment_ids[j]``, meaningful only where
    ``voted[i, j]``; ``group_id`` is :data:`NO_GROUP` for participants Polis did not cluster.
    ``xid`` holds the external ids when the file has that column.
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
    xid: tuple[str, ...] | None = None
    #: The columns before the comment ids, in file order.
    columns: tuple[str, ...] = PARTICIPANT_COLUMNS
    file_name: str = PARTICIPANTS_FILE

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
        return (
            all(np.array_equal(getattr(self, f), getattr(other, f)) for f in fields)
            and np.array_equal(self.votes[self.voted], other.votes[other.voted])
            and (self.xid, self.columns, self.file_name)
            == (other.xid, other.columns, other.file_name)
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


@dataclass(frozen=True, eq=False)
class CommentGroups:
    """``comment-groups.csv``: per comment, vote totals overall and per Polis group.

    ``counts[i]`` holds the integer columns ``count_columns`` of ``comment_ids[i]``
    (``total-votes``, ``group-a-agrees``, ...); ``text`` is the ``comment`` column.
    """

    columns: tuple[str, ...]
    comment_ids: np.ndarray
    text: tuple[str, ...]
    count_columns: tuple[str, ...]
    counts: np.ndarray

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CommentGroups):
            return NotImplemented
        return (
            (self.columns, self.text, self.count_columns)
            == (other.columns, other.text, other.count_columns)
            and np.array_equal(self.comment_ids, other.comment_ids)
            and np.array_equal(self.counts, other.counts)
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class PolisExport:
    """A whole export folder.

    ``votes_source`` is :data:`VOTES_FILE` or the participant matrix's file name when the
    export has no vote log; ``comment_columns``/``vote_columns`` are the headers as read.
    """

    summary: tuple[tuple[str, str], ...]
    comments: tuple[Comment, ...]
    votes: Votes
    participants: ParticipantVotes | None = None
    stats_history: StatsHistory | None = None
    comment_groups: CommentGroups | None = None
    comment_columns: tuple[str, ...] = COMMENT_COLUMNS
    vote_columns: tuple[str, ...] = VOTE_COLUMNS
    votes_source: str = VOTES_FILE
    comment_timestamp_unit: str = "ms"

    def summary_value(self, key: str, default: str | None = None) -> str | None:
        """Value of ``key`` in ``summary.csv`` (the first one when repeated)."""
        for k, v in self.summary:
            if k == key:
                return v
        return default

    def moderated_out_ids(self) -> np.ndarray:
        """Comment ids whose column the math zeroes: removed by moderation
        (``moderated == -1``) or marked meta, sorted."""
        return np.array(
            sorted(
                c.comment_id for c in self.comments if c.moderated == MODERATED_OUT or c.is_meta
            ),
            dtype=np.int64,
        )

    def meta_ids(self) -> np.ndarray:
        """Comment ids marked meta (``is-meta``), sorted."""
        return np.array(sorted(c.comment_id for c in self.comments if c.is_meta), dtype=np.int64)

    def comment_millis(self, comment: Comment) -> int:
        """A comment's timestamp in milliseconds."""
        return int(_to_millis(np.array([comment.timestamp]), self.comment_timestamp_unit)[0])

    @property
    def has_vote_times(self) -> bool:
        """Whether votes carry timestamps (false when taken from the participant matrix)."""
        return self.votes.unit != "none"


def _to_millis(stamps: np.ndarray, unit: str) -> np.ndarray:
    stamps = np.asarray(stamps, dtype=np.int64)
    if unit == "s":
        return stamps * 1000
    if unit == "none":
        return np.zeros_like(stamps)
    return stamps


def timestamp_unit(stamps: np.ndarray) -> str:
    """``"s"`` when the timestamps are seconds, ``"ms"`` otherwise (see
    :data:`SECONDS_BELOW`); an empty column counts as milliseconds."""
    stamps = np.asarray(stamps)
    if len(stamps) and int(np.abs(stamps).max()) < SECONDS_BELOW:
        return "s"
    return "ms"


# --------------------------------------------------------------------------- reading


class _Table:
    """A CSV file read into rows, with header-name lookups and located errors."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ExportError("missing_file", file=path.name) from None
        except OSError:
            raise ExportError("unreadable_file", file=path.name) from None
        try:
            # utf-8-sig drops a byte-order mark written by spreadsheet programs.
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            raise ExportError("not_utf8", file=path.name, row=line) from None
        try:
            # newline="" semantics: the csv module handles CRLF and quoted newlines itself.
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error:
            raise ExportError("not_csv", file=path.name) from None
        self.rows = rows

    def header(self, required: tuple[str, ...]) -> dict[str, int]:
        """Column name -> index; raises for a missing required or a repeated column."""
        if not self.rows:
            raise ExportError("empty_file", file=self.name)
        header = [h.strip() for h in self.rows[0]]
        index: dict[str, int] = {}
        for i, name in enumerate(header):
            if name in index:
                raise ExportError("duplicate_column", file=self.name, row=1, column=name)
            index[name] = i
        for name in required:
            if name not in index:
                raise ExportError("missing_column", file=self.name, row=1, column=name)
        return index

    @property
    def data(self) -> list[list[str]]:
        return self.rows[1:]

    def data_rows(self) -> list[tuple[int, list[str]]]:
        """(spreadsheet row number, cells) of every non-blank data row."""
        # csv gives [] for an empty line; a lone blank cell is a blank line too.
        return [
            (i + 2, r) for i, r in enumerate(self.rows[1:]) if len(r) > 1 or (r and r[0].strip())
        ]

    def cell(self, row: list[str], i: int) -> str:
        return row[i] if i < len(row) else ""

    def ints(
        self,
        rows: list[tuple[int, list[str]]],
        column: str,
        index: dict[str, int],
        *,
        empty: int | None = None,
    ) -> np.ndarray:
        """One integer column; ``empty`` replaces blank cells (otherwise they are errors)."""
        i = index[column]
        try:
            # Fast path for a clean column; any bad cell falls through to the located check.
            return np.array([row[i] for _, row in rows], dtype=np.int64)
        except (ValueError, IndexError, OverflowError):
            pass
        out = np.empty(len(rows), dtype=np.int64)
        for k, (number, row) in enumerate(rows):
            text = row[i].strip() if i < len(row) else ""
            if text == "" and empty is not None:
                out[k] = empty
                continue
            try:
                out[k] = int(text)
            except ValueError:
                raise ExportError(
                    "not_an_integer", file=self.name, row=number, column=column, value=text
                ) from None
        return out

    def texts(
        self, rows: list[tuple[int, list[str]]], column: str, index: dict[str, int]
    ) -> tuple[str, ...]:
        i = index[column]
        return tuple(row[i] if i < len(row) else "" for _, row in rows)

    def flags(
        self, rows: list[tuple[int, list[str]]], column: str, index: dict[str, int]
    ) -> list[bool]:
        i = index[column]
        out = []
        for number, row in rows:
            text = (row[i] if i < len(row) else "").strip().lower()
            if text in TRUE_TEXT:
                out.append(True)
            elif text in FALSE_TEXT:
                out.append(False)
            else:
                raise ExportError(
                    "not_a_boolean", file=self.name, row=number, column=column, value=text
                )
        return out


def _check_votes(table: _Table, rows: list[tuple[int, list[str]]], values: np.ndarray) -> None:
    bad = np.flatnonzero((values < -1) | (values > 1))
    if len(bad):
        number = rows[int(bad[0])][0]
        raise ExportError(
            "bad_vote", file=table.name, row=number, column="vote", value=str(values[bad[0]])
        )


def read_summary(path: Path) -> tuple[tuple[str, str], ...]:
    """Read ``summary.csv`` (no header; ``key,value`` rows, values may span lines)."""
    table = _Table(path)
    return tuple((row[0], row[1] if len(row) > 1 else "") for row in table.rows if row)


def read_comments_table(path: Path) -> tuple[tuple[Comment, ...], tuple[str, ...], str]:
    """Read ``comments.csv``: the comments in file order, the header and the timestamp
    unit (``"ms"``/``"s"``)."""
    table = _Table(path)
    index = table.header(COMMENT_REQUIRED)
    rows = table.data_rows()
    n = len(rows)

    def ints(name: str, default: int) -> np.ndarray:
        if name not in index:
            return np.full(n, default, dtype=np.int64)
        return table.ints(rows, name, index)

    stamps = ints("timestamp", 0)
    ids = table.ints(rows, "comment-id", index)
    seen: dict[int, int] = {}
    for k, cid in enumerate(ids.tolist()):
        if cid in seen:
            raise ExportError(
                "duplicate_comment",
                file=table.name,
                row=rows[k][0],
                column="comment-id",
                value=str(cid),
            )
        seen[cid] = k
    authors = ints("author-id", -1)
    agrees, disagrees = ints("agrees", 0), ints("disagrees", 0)
    moderated = ints("moderated", 0)
    datetimes = table.texts(rows, "datetime", index) if "datetime" in index else ("",) * n
    meta = table.flags(rows, "is-meta", index) if "is-meta" in index else [False] * n
    seed = table.flags(rows, "is-seed", index) if "is-seed" in index else [False] * n
    gic = (
        table.texts(rows, "group-informed-consensus", index)
        if "group-informed-consensus" in index
        else ("",) * n
    )
    bodies = table.texts(rows, "comment-body", index)
    comments = tuple(
        Comment(
            timestamp=int(stamps[k]),
            datetime=datetimes[k],
            comment_id=int(ids[k]),
            author_id=int(authors[k]),
            agrees=int(agrees[k]),
            disagrees=int(disagrees[k]),
            moderated=int(moderated[k]),
            body=bodies[k],
            is_meta=meta[k],
            is_seed=seed[k],
            group_informed_consensus=gic[k],
        )
        for k in range(n)
    )
    header = tuple(h.strip() for h in table.rows[0])
    return comments, header, timestamp_unit(stamps)


def read_comments(path: Path) -> tuple[Comment, ...]:
    """Read ``comments.csv`` in file order."""
    return read_comments_table(path)[0]


def read_votes_table(path: Path) -> tuple[Votes, tuple[str, ...]]:
    """Read ``votes.csv`` in file order, with its header."""
    table = _Table(path)
    index = table.header(VOTE_REQUIRED)
    rows = table.data_rows()
    n = len(rows)
    stamps = (
        table.ints(rows, "timestamp", index)
        if "timestamp" in index
        else np.zeros(n, dtype=np.int64)
    )
    values = table.ints(rows, "vote", index)
    _check_votes(table, rows, values)
    votes = Votes(
        timestamp=stamps,
        datetime=table.texts(rows, "datetime", index) if "datetime" in index else ("",) * n,
        comment_id=table.ints(rows, "comment-id", index),
        voter_id=table.ints(rows, "voter-id", index),
        vote=values.astype(np.int8),
        unit=timestamp_unit(stamps) if "timestamp" in index else "none",
    )
    return votes, tuple(h.strip() for h in table.rows[0])


def read_votes(path: Path) -> Votes:
    """Read ``votes.csv`` in file order."""
    return read_votes_table(path)[0]


_VOTE_CELL = {"": (0, False), "1": (1, True), "0": (0, True), "-1": (-1, True)}


def read_participant_votes(path: Path) -> ParticipantVotes:
    """Read ``participants-votes.csv`` (or ``participant-votes.csv``): named columns in any
    order, then one column per comment id; empty cells mean no group / no vote."""
    table = _Table(path)
    index = table.header(("participant",))
    header = [h.strip() for h in table.rows[0]]
    named = set(PARTICIPANT_COLUMNS) | set(PARTICIPANT_TEXT_COLUMNS)
    fixed: list[str] = []
    comment_cols: list[int] = []
    comment_ids: list[int] = []
    for i, name in enumerate(header):
        if name in named:
            fixed.append(name)
            continue
        try:
            comment_ids.append(int(name))
        except ValueError:
            raise ExportError(
                "unknown_column", file=table.name, row=1, column=name or str(i + 1)
            ) from None
        comment_cols.append(i)
    rows = table.data_rows()
    n, m = len(rows), len(comment_cols)
    width = max(comment_cols, default=-1) + 1
    # Short rows (trailing cells omitted) mean "no vote".
    padded = [row if len(row) >= width else row + [""] * (width - len(row)) for _, row in rows]
    if comment_cols and comment_cols == list(range(comment_cols[0], width)):
        first = comment_cols[0]
        cells = np.array([row[first:width] for row in padded], dtype="U4").reshape(n, m)
    else:
        cells = np.array([[row[i] for i in comment_cols] for row in padded], dtype="U4")
        cells = cells.reshape(n, m)
    cells = np.char.strip(cells) if n * m and np.char.str_len(cells).max() > 2 else cells
    voted = cells != ""
    agree, disagree, passed = cells == "1", cells == "-1", cells == "0"
    bad = voted & ~(agree | disagree | passed)
    if bad.any():
        k, j = (int(x) for x in np.argwhere(bad)[0])
        raise ExportError(
            "bad_vote",
            file=table.name,
            row=rows[k][0],
            column=header[comment_cols[j]],
            value=str(padded[k][comment_cols[j]]),
        )
    votes = np.zeros((n, m), dtype=np.int8)
    votes[agree] = 1
    votes[disagree] = -1

    def column(name: str, fallback: np.ndarray, empty: int | None = None) -> np.ndarray:
        if name not in index:
            return fallback
        return table.ints(rows, name, index, empty=empty)

    zeros = np.zeros(n, dtype=np.int64)
    return ParticipantVotes(
        participant=table.ints(rows, "participant", index),
        group_id=column("group-id", np.full(n, NO_GROUP, dtype=np.int64), NO_GROUP),
        n_comments=column("n-comments", zeros),
        n_votes=column("n-votes", voted.sum(axis=1).astype(np.int64)),
        n_agree=column("n-agree", ((votes == 1) & voted).sum(axis=1).astype(np.int64)),
        n_disagree=column("n-disagree", ((votes == -1) & voted).sum(axis=1).astype(np.int64)),
        comment_ids=np.array(comment_ids, dtype=np.int64),
        votes=votes,
        voted=voted,
        xid=table.texts(rows, "xid", index) if "xid" in index else None,
        columns=tuple(fixed),
        file_name=path.name,
    )


def votes_from_matrix(pv: ParticipantVotes) -> Votes:
    """The current votes of a participant matrix as a vote log without timestamps
    (participant by participant, comments in column order)."""
    rows, cols = np.nonzero(pv.voted)
    n = len(rows)
    return Votes(
        timestamp=np.zeros(n, dtype=np.int64),
        datetime=("",) * n,
        comment_id=pv.comment_ids[cols].astype(np.int64),
        voter_id=pv.participant[rows].astype(np.int64),
        vote=pv.votes[rows, cols].astype(np.int8),
        unit="none",
    )


def read_stats_history(path: Path) -> StatsHistory:
    """Read ``stats-history.csv`` (all-integer columns)."""
    table = _Table(path)
    index = table.header(())
    rows = table.data_rows()
    columns = tuple(h.strip() for h in table.rows[0])
    values = np.column_stack([table.ints(rows, c, index) for c in columns]) if columns else None
    if values is None:
        values = np.zeros((len(rows), 0), dtype=np.int64)
    return StatsHistory(columns=columns, rows=values.reshape(len(rows), len(columns)))


def read_comment_groups(path: Path) -> CommentGroups:
    """Read ``comment-groups.csv``: ``comment-id``, ``comment`` and integer count columns."""
    table = _Table(path)
    index = table.header(("comment-id",))
    rows = table.data_rows()
    columns = tuple(h.strip() for h in table.rows[0])
    counted = tuple(c for c in columns if c not in ("comment-id", *COMMENT_GROUP_TEXT_COLUMNS))
    counts = [table.ints(rows, c, index, empty=0) for c in counted]
    return CommentGroups(
        columns=columns,
        comment_ids=table.ints(rows, "comment-id", index),
        text=table.texts(rows, "comment", index) if "comment" in index else ("",) * len(rows),
        count_columns=counted,
        counts=np.column_stack(counts) if counts else np.zeros((len(rows), 0), dtype=np.int64),
    )


def read_export(directory: str | Path, *, optional_files: bool = True) -> PolisExport:
    """Read a Polis export folder.

    ``summary.csv`` and ``comments.csv`` are required, and either ``votes.csv`` or the
    participant matrix; ``stats-history.csv`` and ``comment-groups.csv`` are optional and
    skipped with ``optional_files=False`` (re-analysis does not need them). Raises
    :class:`ExportError` for anything missing or malformed.
    """
    d = Path(directory)
    if not d.is_dir():
        raise ExportError("missing_directory", file=str(directory))
    participants = None
    for name in (PARTICIPANTS_FILE, PARTICIPANTS_FILE_SINGULAR):
        if (d / name).exists():
            participants = read_participant_votes(d / name)
            break
    summary = read_summary(d / SUMMARY_FILE)
    comments, comment_columns, comment_unit = read_comments_table(d / COMMENTS_FILE)
    if (d / VOTES_FILE).exists() or participants is None:
        votes, vote_columns = read_votes_table(d / VOTES_FILE)
        source = VOTES_FILE
    else:
        votes, vote_columns, source = votes_from_matrix(participants), (), participants.file_name
    history = d / STATS_HISTORY_FILE
    groups = d / COMMENT_GROUPS_FILE
    return PolisExport(
        summary=summary,
        comments=comments,
        votes=votes,
        participants=participants,
        stats_history=(
            read_stats_history(history) if optional_files and history.exists() else None
        ),
        comment_groups=(
            read_comment_groups(groups) if optional_files and groups.exists() else None
        ),
        comment_columns=comment_columns,
        vote_columns=vote_columns,
        votes_source=source,
        comment_timestamp_unit=comment_unit,
    )


# --------------------------------------------------------------------------- writing


def _writer(f: TextIO) -> Any:
    # Polis writes LF line ends and quotes only where needed.
    return csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _comment_cell(c: Comment, column: str) -> object:
    cells: dict[str, object] = {
        "timestamp": c.timestamp,
        "datetime": c.datetime,
        "comment-id": c.comment_id,
        "author-id": c.author_id,
        "agrees": c.agrees,
        "disagrees": c.disagrees,
        "moderated": c.moderated,
        "comment-body": c.body,
        "is-meta": _flag(c.is_meta),
        "is-seed": _flag(c.is_seed),
        "group-informed-consensus": c.group_informed_consensus,
    }
    return cells.get(column, "")


def write_export(export: PolisExport, directory: str | Path) -> None:
    """Write ``export`` as a Polis export folder (created if missing), with the columns it
    was read with; ``votes.csv`` is left out when the votes came from the matrix."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    with (d / SUMMARY_FILE).open("w", newline="", encoding="utf-8") as f:
        _writer(f).writerows(export.summary)
    with (d / COMMENTS_FILE).open("w", newline="", encoding="utf-8") as f:
        w = _writer(f)
        w.writerow(export.comment_columns)
        w.writerows(
            [_comment_cell(c, column) for column in export.comment_columns] for c in export.comments
        )
    if export.votes_source == VOTES_FILE:
        _write_votes(export.votes, export.vote_columns, d / VOTES_FILE)
    if export.participants is not None:
        _write_participant_votes(export.participants, d / export.participants.file_name)
    if export.stats_history is not None:
        with (d / STATS_HISTORY_FILE).open("w", newline="", encoding="utf-8") as f:
            w = _writer(f)
            w.writerow(export.stats_history.columns)
            w.writerows(export.stats_history.rows.tolist())
    if export.comment_groups is not None:
        _write_comment_groups(export.comment_groups, d / COMMENT_GROUPS_FILE)


def _write_votes(v: Votes, columns: tuple[str, ...], path: Path) -> None:
    cells = {
        "timestamp": v.timestamp.tolist(),
        "datetime": list(v.datetime),
        "comment-id": v.comment_id.tolist(),
        "voter-id": v.voter_id.tolist(),
        "vote": v.vote.tolist(),
    }
    with path.open("w", newline="", encoding="utf-8") as f:
        w = _writer(f)
        w.writerow(columns)
        w.writerows(zip(*(cells[c] for c in columns), strict=True))


def _write_participant_votes(pv: ParticipantVotes, path: Path) -> None:
    cells = np.where(pv.voted, pv.votes.astype(str), "")
    with path.open("w", newline="", encoding="utf-8") as f:
        w = _writer(f)
        w.writerow([*pv.columns, *(str(c) for c in pv.comment_ids.tolist())])
        for i in range(len(pv.participant)):
            gid = int(pv.group_id[i])
            fixed = {
                "participant": int(pv.participant[i]),
                "xid": pv.xid[i] if pv.xid is not None else "",
                "group-id": "" if gid == NO_GROUP else gid,
                "n-comments": int(pv.n_comments[i]),
                "n-votes": int(pv.n_votes[i]),
                "n-agree": int(pv.n_agree[i]),
                "n-disagree": int(pv.n_disagree[i]),
            }
            w.writerow([*(fixed[c] for c in pv.columns), *cells[i].tolist()])


def _write_comment_groups(cg: CommentGroups, path: Path) -> None:
    position = {name: j for j, name in enumerate(cg.count_columns)}
    with path.open("w", newline="", encoding="utf-8") as f:
        w = _writer(f)
        w.writerow(cg.columns)
        for i in range(len(cg.comment_ids)):
            row: list[object] = []
            for name in cg.columns:
                if name == "comment-id":
                    row.append(int(cg.comment_ids[i]))
                elif name == "comment":
                    row.append(cg.text[i])
                else:
                    row.append(int(cg.counts[i, position[name]]))
            w.writerow(row)


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
