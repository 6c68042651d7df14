from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pytest

from portal.deliberation import polis_io as pio

FILES = (
    pio.SUMMARY_FILE,
    pio.COMMENTS_FILE,
    pio.VOTES_FILE,
    pio.PARTICIPANTS_FILE,
    pio.STATS_HISTORY_FILE,
)


def test_reads_vtaiwan(vtaiwan: pio.PolisExport) -> None:
    assert len(vtaiwan.votes) == 49_997
    assert len(vtaiwan.comments) == 197
    assert vtaiwan.summary_value("comments") == "197"
    assert vtaiwan.summary_value("voters") == "1921"
    assert vtaiwan.summary_value("conversation-description", "").count("\n") > 3
    assert set(np.unique(vtaiwan.votes.vote).tolist()) == {-1, 0, 1}
    assert len(vtaiwan.moderated_out_ids()) == 78
    pv = vtaiwan.participants
    assert pv is not None
    assert len(pv.participant) == 1921
    assert pv.comment_ids.tolist() == list(range(197))
    # 702 participants were not clustered by Polis: empty group-id cells.
    assert int((pv.group_id == pio.NO_GROUP).sum()) == 702
    assert set(pv.group_id.tolist()) == {pio.NO_GROUP, 0, 1}
    assert vtaiwan.stats_history is not None
    assert vtaiwan.stats_history.columns[0] == "n-votes"


def test_round_trip_is_byte_identical(
    vtaiwan: pio.PolisExport, vtaiwan_dir: Path, tmp_path: Path
) -> None:
    pio.write_export(vtaiwan, tmp_path)
    for name in FILES:
        assert filecmp.cmp(vtaiwan_dir / name, tmp_path / name, shallow=False), name
    again = pio.read_export(tmp_path)
    assert again == vtaiwan
    assert len(again.votes) == 49_997


def test_participant_table_from_votes_matches_polis(vtaiwan: pio.PolisExport) -> None:
    # Polis's own participants-votes.csv holds the latest vote per pair: rebuilding it from
    # the raw vote log checks the latest-vote resolution against real data (votes.csv has
    # 454 pairs voted more than once).
    pv = vtaiwan.participants
    assert pv is not None
    groups = {int(a): int(g) for a, g in zip(pv.participant, pv.group_id, strict=True) if g >= 0}
    rebuilt = pio.participant_votes_table(vtaiwan.votes, vtaiwan.comments, groups)
    order = np.argsort(pv.participant)
    assert rebuilt.participant.tolist() == pv.participant[order].tolist()
    assert rebuilt.comment_ids.tolist() == pv.comment_ids.tolist()
    for name in ("n_votes", "n_agree", "n_disagree", "n_comments", "group_id", "voted"):
        assert np.array_equal(getattr(rebuilt, name), getattr(pv, name)[order]), name
    assert np.array_equal(rebuilt.votes[rebuilt.voted], pv.votes[order][pv.voted[order]])


def test_writes_a_new_export(tmp_path: Path) -> None:
    comments = (
        pio.Comment(
            1_700_000_000_000,
            pio.format_datetime(1_700_000_000_000),
            0,
            7,
            1,
            0,
            1,
            'Bus "line 5", please',
        ),
        pio.Comment(
            1_700_000_100_000, pio.format_datetime(1_700_000_100_000), 1, 8, 0, 1, -1, "Two\nlines"
        ),
    )
    ts = np.array([1_700_000_200_000, 1_700_000_300_000, 1_700_000_400_000])
    votes = pio.Votes(
        timestamp=ts,
        datetime=tuple(pio.format_datetime(int(t)) for t in ts),
        comment_id=np.array([0, 1, 0]),
        voter_id=np.array([7, 7, 8]),
        vote=np.array([1, 0, -1], dtype=np.int8),
    )
    export = pio.PolisExport(
        summary=(("topic", "Transport, buses"), ("comments", "2")),
        comments=comments,
        votes=votes,
        participants=pio.participant_votes_table(votes, comments, {7: 0}),
    )
    pio.write_export(export, tmp_path / "out")
    again = pio.read_export(tmp_path / "out")
    assert again == export
    assert again.stats_history is None
    assert again.comments[0].body == 'Bus "line 5", please'
    pv = again.participants
    assert pv is not None
    assert pv.group_id.tolist() == [0, pio.NO_GROUP]
    assert pv.n_comments.tolist() == [1, 1]
    assert (pv.n_votes.tolist(), pv.n_agree.tolist(), pv.n_disagree.tolist()) == (
        [2, 1],
        [1, 0],
        [0, 1],
    )
    header = (tmp_path / "out" / pio.PARTICIPANTS_FILE).read_text().splitlines()
    assert header[0] == "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,1"
    assert header[2] == "8,,1,1,0,1,-1,"


def test_format_datetime_is_utc() -> None:
    assert pio.format_datetime(1_435_654_192_085) == "Tue Jun 30 08:49:52 UTC 2015"


def test_rejects_missing_columns_and_bad_votes(tmp_path: Path) -> None:
    # Only comment-id, voter-id and vote are required: a log without datetime is fine.
    (tmp_path / "votes.csv").write_text("timestamp,comment-id,voter-id,vote\n1,0,0,1\n")
    assert pio.read_votes(tmp_path / "votes.csv").vote.tolist() == [1]
    (tmp_path / "votes.csv").write_text("timestamp,datetime,comment-id,vote\n1,x,0,1\n")
    with pytest.raises(pio.ExportError, match="voter-id") as caught:
        pio.read_votes(tmp_path / "votes.csv")
    assert (caught.value.code, caught.value.row) == ("missing_column", 1)
    (tmp_path / "votes.csv").write_text("timestamp,datetime,comment-id,voter-id,vote\n1,x,0,0,2\n")
    with pytest.raises(pio.ExportError) as caught:
        pio.read_votes(tmp_path / "votes.csv")
    e = caught.value
    assert (e.code, e.file, e.row, e.column, e.value) == ("bad_vote", "votes.csv", 2, "vote", "2")
    # Still a ValueError, so callers that only know that keep working.
    assert isinstance(e, ValueError)
