"""Property tests: export -> import -> export, and located errors for any broken cell."""

from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.deliberation import polis_io as pio

CLASSIC = Path(__file__).parent / "data" / "variants" / "classic-milliseconds"
NEWER_COMMENT_COLUMNS = (
    "timestamp",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "is-meta",
    "is-seed",
    "group-informed-consensus",
    "comment-body",
)
COMMENT_LAYOUTS = (
    pio.COMMENT_COLUMNS,
    NEWER_COMMENT_COLUMNS,
    (*pio.COMMENT_COLUMNS[:-1], *pio.COMMENT_EXTRA_COLUMNS, "comment-body"),
)
# Bodies exercise quoting: commas, quotes, newlines, non-ASCII letters.
BODY = st.text(alphabet="abc xyzäöåÅ,;\"\n'.!?-", max_size=40)
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@st.composite
def exports(draw: st.DrawFn) -> pio.PolisExport:
    seconds = draw(st.booleans())
    low, high = (
        (1_400_000_000, 1_800_000_000) if seconds else (1_400_000_000_000, 1_800_000_000_000)
    )
    stamp = st.integers(low, high)
    ids = draw(st.lists(st.integers(0, 60), unique=True, max_size=6))
    layout = draw(st.sampled_from(COMMENT_LAYOUTS))
    with_datetime = "datetime" in layout
    comments = []
    for cid in ids:
        t = draw(stamp)
        comments.append(
            pio.Comment(
                timestamp=t,
                datetime=pio.format_datetime(t * 1000 if seconds else t) if with_datetime else "",
                comment_id=cid,
                author_id=draw(st.integers(-1, 9)),
                agrees=draw(st.integers(0, 50)),
                disagrees=draw(st.integers(0, 50)),
                moderated=draw(st.sampled_from([-1, 0, 1])),
                body=draw(BODY),
                is_meta=draw(st.booleans()) if "is-meta" in layout else False,
                is_seed=draw(st.booleans()) if "is-seed" in layout else False,
                group_informed_consensus=(
                    draw(st.sampled_from(["", "0.25", "0.0625", "1.0"]))
                    if "group-informed-consensus" in layout
                    else ""
                ),
            )
        )
    n_votes = draw(st.integers(0, 30)) if ids else 0
    vote_stamps = [draw(stamp) for _ in range(n_votes)]
    vote_datetime = draw(st.booleans())
    ts = np.array(vote_stamps, dtype=np.int64)
    votes = pio.Votes(
        timestamp=ts,
        datetime=tuple(
            pio.format_datetime(int(t) * 1000 if seconds else int(t)) if vote_datetime else ""
            for t in vote_stamps
        ),
        comment_id=np.array([draw(st.sampled_from(ids)) for _ in range(n_votes)], np.int64),
        voter_id=np.array([draw(st.integers(0, 8)) for _ in range(n_votes)], np.int64),
        vote=np.array([draw(st.sampled_from([-1, 0, 1])) for _ in range(n_votes)], np.int8),
        unit=pio.timestamp_unit(ts),
    )
    groups = {v: draw(st.integers(0, 2)) for v in range(9) if draw(st.booleans())}
    table = pio.participant_votes_table(votes, tuple(comments), groups)
    if draw(st.booleans()):
        xids = tuple(draw(st.text(alphabet="abc-@.,", max_size=8)) for _ in table.participant)
        table = pio.ParticipantVotes(
            **{f: getattr(table, f) for f in ("participant", "group_id", "n_comments")},
            **{f: getattr(table, f) for f in ("n_votes", "n_agree", "n_disagree")},
            comment_ids=table.comment_ids,
            votes=table.votes,
            voted=table.voted,
            xid=xids,
            columns=("participant", "xid", *pio.PARTICIPANT_COLUMNS[1:]),
            file_name=draw(
                st.sampled_from([pio.PARTICIPANTS_FILE, pio.PARTICIPANTS_FILE_SINGULAR])
            ),
        )
    from_matrix = draw(st.booleans())
    vote_columns = pio.VOTE_COLUMNS if vote_datetime else ("timestamp", *pio.VOTE_COLUMNS[2:])
    summary = tuple(
        (draw(st.text(alphabet="abc-", min_size=1, max_size=8)), draw(BODY))
        for _ in range(draw(st.integers(0, 4)))
    )
    return pio.PolisExport(
        summary=summary,
        comments=tuple(comments),
        votes=pio.votes_from_matrix(table) if from_matrix else votes,
        participants=table,
        comment_columns=layout,
        vote_columns=() if from_matrix else vote_columns,
        votes_source=table.file_name if from_matrix else pio.VOTES_FILE,
        comment_timestamp_unit=pio.timestamp_unit(np.array([c.timestamp for c in comments])),
    )


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@SETTINGS
@given(export=exports())
def test_export_import_export_round_trip(export: pio.PolisExport) -> None:
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        pio.write_export(export, first)
        again = pio.read_export(first)
        assert again == export
        pio.write_export(again, second)
        assert _files(Path(first)) == _files(Path(second))
    # The matrix holds the latest vote of the log: rebuilding it from the log read back
    # gives the same cells (checks latest-vote resolution for every generated log).
    if export.votes_source == pio.VOTES_FILE and export.participants is not None:
        rebuilt = pio.participant_votes_table(again.votes, again.comments)
        assert np.array_equal(rebuilt.voted, again.participants.voted)
        assert np.array_equal(
            rebuilt.votes[rebuilt.voted], again.participants.votes[again.participants.voted]
        )


INTEGER_COLUMNS = {
    "votes.csv": ("timestamp", "comment-id", "voter-id", "vote"),
    "comments.csv": ("timestamp", "comment-id", "author-id", "agrees", "disagrees", "moderated"),
    "participants-votes.csv": ("participant", "n-comments", "n-votes", "n-agree", "n-disagree"),
}


def _not_integer(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return True
    return False


@pytest.fixture(scope="module")
def classic_rows() -> dict[str, list[list[str]]]:
    out = {}
    for name in INTEGER_COLUMNS:
        with (CLASSIC / name).open(newline="", encoding="utf-8") as f:
            out[name] = list(csv.reader(f))
    return out


@SETTINGS
@given(data=st.data())
def test_any_broken_integer_cell_is_located(
    data: st.DataObject,
    classic_rows: dict[str, list[list[str]]],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    name = data.draw(st.sampled_from(sorted(INTEGER_COLUMNS)))
    rows = [list(r) for r in classic_rows[name]]
    column = data.draw(st.sampled_from(INTEGER_COLUMNS[name]))
    row = data.draw(st.integers(2, len(rows)))
    text = data.draw(st.text(alphabet="abx.-e +", max_size=4).filter(_not_integer))
    rows[row - 1][rows[0].index(column)] = text
    folder = tmp_path_factory.mktemp("broken")
    shutil.copytree(CLASSIC, folder, dirs_exist_ok=True)
    with (folder / name).open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    with pytest.raises(pio.ExportError) as caught:
        pio.read_export(folder)
    e = caught.value
    assert (e.code, e.file, e.row, e.column) == ("not_an_integer", name, row, column)
    message = pio.error_message(e, lambda s: s)
    assert f"{name}, row {row}, column {column}" in message and "\n" not in message
