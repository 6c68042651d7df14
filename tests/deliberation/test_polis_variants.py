"""Every Polis export variant: read by header name, analysed, imported, written back.

The fixtures under ``data/variants/`` hold one small conversation (6 participants, comments
0, 1, 3, 7 and 8, comment 3 moderated out, comment 8 meta where the format can say so, one
changed vote) written the way each Polis version writes it; see ``data/variants/README.md``.
"""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.metrics import adjusted_rand_score

from portal.deliberation import polis_io as pio
from portal.deliberation.analysis import analyse, analyse_export
from portal.deliberation.cli import analyse_command
from portal.deliberation.exchange import import_export
from portal.deliberation.services import DeliberationError

VARIANTS = Path(__file__).parent / "data" / "variants"
CLASSIC = VARIANTS / "classic-milliseconds"
ALL = sorted(p.name for p in VARIANTS.iterdir() if p.is_dir())
#: Variants written exactly as Polis writes them (LF, no byte-order mark).
POLIS_WRITTEN = ("classic-milliseconds", "meta-seconds-xid", "singular-matrix-only")
PARTICIPANT_IDS = [0, 1, 2, 4, 5, 9]
COMMENT_IDS = [0, 1, 3, 7, 8]
ROOT = Path(__file__).resolve().parents[2]


def latest_cells(export: pio.PolisExport) -> set[tuple[int, int, int]]:
    """(voter, comment, vote) of the latest vote per pair, straight from the vote log."""
    v = export.votes
    latest: dict[tuple[int, int], int] = {}
    order = sorted(range(len(v)), key=lambda i: (int(v.millis()[i]), i))
    for i in order:
        latest[(int(v.voter_id[i]), int(v.comment_id[i]))] = int(v.vote[i])
    return {(p, c, x) for (p, c), x in latest.items()}


def matrix_cells(pv: pio.ParticipantVotes) -> set[tuple[int, int, int]]:
    rows, cols = np.nonzero(pv.voted)
    return {
        (int(pv.participant[r]), int(pv.comment_ids[c]), int(pv.votes[r, c]))
        for r, c in zip(rows, cols, strict=True)
    }


@pytest.fixture(scope="module")
def classic() -> pio.PolisExport:
    return pio.read_export(CLASSIC)


def test_every_variant_has_a_fixture() -> None:
    assert set(ALL) == {
        "bom-crlf",
        "classic-milliseconds",
        "meta-seconds-xid",
        "singular-matrix-only",
    }


@pytest.mark.parametrize("name", ALL)
def test_reads_every_variant_by_header_name(name: str, classic: pio.PolisExport) -> None:
    export = pio.read_export(VARIANTS / name)
    assert export.summary_value("topic") == "Bus services, 2023"  # no BOM in the first key
    assert export.summary_value("conversation-description") == "Two lines\nof description."
    assert sorted(c.comment_id for c in export.comments) == COMMENT_IDS
    bodies = {c.comment_id: c.body.replace("\r\n", "\n") for c in export.comments}
    assert bodies == {c.comment_id: c.body for c in classic.comments}
    assert bodies[7] == "Night lines matter for\nshift workers."
    assert bodies[1] == 'Ticket prices are "too high", frankly.'
    pv = export.participants
    assert pv is not None
    assert pv.participant.tolist() == PARTICIPANT_IDS
    assert pv.comment_ids.tolist() == COMMENT_IDS
    assert pv.group_id.tolist() == [0, 0, 0, 1, 1, 1]
    # The matrix is the latest vote of the log (or, without a log, the log is the matrix).
    assert matrix_cells(pv) == latest_cells(export) == latest_cells(classic)
    assert 3 in export.moderated_out_ids().tolist()


def test_classic_export_has_milliseconds_and_history(classic: pio.PolisExport) -> None:
    assert classic.votes.unit == "ms" and classic.comment_timestamp_unit == "ms"
    assert classic.has_vote_times and classic.votes_source == pio.VOTES_FILE
    assert classic.stats_history is not None
    assert classic.stats_history.columns[0] == "n-votes"
    assert classic.comment_columns == pio.COMMENT_COLUMNS
    assert classic.meta_ids().tolist() == []


def test_seconds_meta_and_xid(classic: pio.PolisExport) -> None:
    export = pio.read_export(VARIANTS / "meta-seconds-xid")
    assert export.votes.unit == "s" and export.comment_timestamp_unit == "s"
    # The same moments as the millisecond export, to the second.
    assert np.array_equal(export.votes.millis(), classic.votes.millis() // 1000 * 1000)
    assert [export.comment_millis(c) for c in export.comments] == [
        classic.comment_millis(c) // 1000 * 1000 for c in classic.comments
    ]
    assert "datetime" not in export.comment_columns
    assert {c.comment_id for c in export.comments if c.is_meta} == {8}
    assert {c.comment_id for c in export.comments if c.is_seed} == {0, 1}
    assert export.moderated_out_ids().tolist() == [3, 8]
    assert [c.group_informed_consensus for c in export.comments][:2] == ["0.5625", "0.140625"]
    pv = export.participants
    assert pv is not None and pv.xid is not None
    assert pv.xid[0] == "user-0@example.org"
    assert pv.columns[:2] == ("participant", "xid")


def test_matrix_only_export_takes_votes_from_the_matrix() -> None:
    export = pio.read_export(VARIANTS / "singular-matrix-only")
    assert export.participants is not None
    assert export.participants.file_name == pio.PARTICIPANTS_FILE_SINGULAR
    assert export.votes_source == pio.PARTICIPANTS_FILE_SINGULAR
    assert not export.has_vote_times and export.votes.unit == "none"
    assert export.stats_history is None
    cg = export.comment_groups
    assert cg is not None
    assert cg.comment_ids.tolist() == [0, 1, 7, 8]
    # Per-group totals add up to the overall ones, and match the matrix's groups.
    col = {name: j for j, name in enumerate(cg.count_columns)}
    for letter_total in ("votes", "agrees", "disagrees", "passes"):
        total = cg.counts[:, col[f"total-{letter_total}"]]
        parts = (
            cg.counts[:, col[f"group-a-{letter_total}"]]
            + cg.counts[:, col[f"group-b-{letter_total}"]]
        )
        assert np.array_equal(total, parts)
    pv = export.participants
    for i, cid in enumerate(cg.comment_ids.tolist()):
        j = pv.comment_ids.tolist().index(cid)
        in_a = (pv.group_id == 0) & pv.voted[:, j]
        assert cg.counts[i, col["group-a-votes"]] == int(in_a.sum())
        assert cg.counts[i, col["group-a-agrees"]] == int((pv.votes[in_a, j] == 1).sum())


@pytest.mark.parametrize("name", POLIS_WRITTEN)
def test_written_back_byte_for_byte(name: str, tmp_path: Path) -> None:
    source = VARIANTS / name
    export = pio.read_export(source)
    pio.write_export(export, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in source.iterdir())
    for path in source.iterdir():
        assert filecmp.cmp(path, tmp_path / path.name, shallow=False), path.name
    assert pio.read_export(tmp_path) == export


def test_bom_and_crlf_read_like_the_plain_file(classic: pio.PolisExport) -> None:
    export = pio.read_export(VARIANTS / "bom-crlf")
    assert (VARIANTS / "bom-crlf" / "comments.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in (VARIANTS / "bom-crlf" / "votes.csv").read_bytes()
    assert export.summary == classic.summary
    assert export.votes.comment_id.tolist() == classic.votes.comment_id.tolist()
    assert np.array_equal(export.votes.millis() // 1000, classic.votes.millis() // 1000)


@pytest.mark.parametrize("name", ALL)
def test_every_variant_analyses(name: str) -> None:
    out = analyse_export(VARIANTS / name)
    assert out["participants"] == 6 and out["statements"] == 5
    # Fewer than 15 qualify, so the top voters are added: all six are clustered.
    assert out["participants_clustered"] == 6
    assert sum(g["size"] for g in out["groups"]) == 6
    ours = {m: g["id"] for g in out["groups"] for m in g["members"]}
    assert sorted(ours) == PARTICIPANT_IDS
    # The reported agreement is the one an independent implementation computes.
    pv = pio.read_export(VARIANTS / name).participants
    assert pv is not None
    expected = adjusted_rand_score(pv.group_id, [ours[int(p)] for p in pv.participant])
    assert out["polis_groups"]["adjusted_rand_index"] == pytest.approx(expected, abs=1e-4)
    # Every variant holds the same conversation, so every variant groups it the same way.
    assert out["groups"] == analyse_export(CLASSIC)["groups"]
    moderated = set(pio.read_export(VARIANTS / name).moderated_out_ids().tolist())
    for group in out["groups"]:
        assert all(r["statement"] not in moderated for r in group["representative"])
    export_info = out["export"]
    assert export_info["has_vote_times"] is (name != "singular-matrix-only")
    assert (
        export_info["vote_timestamps"]
        == {
            "classic-milliseconds": "ms",
            "bom-crlf": "ms",
            "meta-seconds-xid": "s",
            "singular-matrix-only": "none",
        }[name]
    )
    assert export_info["meta"] == (1 if name == "meta-seconds-xid" else 0)


def test_matrix_only_analysis_equals_the_vote_log_analysis(classic: pio.PolisExport) -> None:
    matrix_only = analyse(pio.read_export(VARIANTS / "singular-matrix-only"))
    with_log = analyse(classic)
    assert np.array_equal(matrix_only.voter_ids, with_log.voter_ids)
    assert np.array_equal(matrix_only.result.group, with_log.result.group)
    assert np.allclose(matrix_only.result.projection, with_log.result.projection)


@pytest.mark.parametrize("name", ALL)
def test_every_variant_imports(name: str, db: Any) -> None:
    from portal.deliberation.models import Statement, Vote, VoteEvent

    export = pio.read_export(VARIANTS / name)
    conversation = import_export(actor=None, directory=VARIANTS / name)
    statements = {
        s.number: s for s in db.session.query(Statement).filter_by(conversation_id=conversation.id)
    }
    assert sorted(statements) == COMMENT_IDS
    assert statements[8].is_meta is (name == "meta-seconds-xid")
    assert db.session.query(VoteEvent).filter_by(conversation_id=conversation.id).count() == len(
        export.votes
    )
    current = db.session.query(Vote).filter_by(conversation_id=conversation.id).count()
    assert current == len(latest_cells(export))
    created = statements[0].created_at.replace(tzinfo=None)
    # Seconds and milliseconds both land on 2023-11-14 22:13:20 UTC.
    assert created.isoformat().startswith("2023-11-14T22:13:20")


def test_malformed_export_is_an_import_error_not_a_crash(db: Any, tmp_path: Path) -> None:
    shutil.copytree(CLASSIC, tmp_path / "x")
    path = tmp_path / "x" / "votes.csv"
    path.write_text(path.read_text().replace(",0,1,1\n", ",0,1,yes\n", 1))
    with pytest.raises(DeliberationError) as caught:
        import_export(actor=None, directory=tmp_path / "x")
    assert caught.value.code == "invalid_export"


# --------------------------------------------------------------------------- errors


def test_missing_files_and_directory(tmp_path: Path) -> None:
    with pytest.raises(pio.ExportError) as caught:
        pio.read_export(tmp_path / "nowhere")
    assert caught.value.code == "missing_directory"
    shutil.copytree(CLASSIC, tmp_path / "x")
    (tmp_path / "x" / "votes.csv").unlink()
    (tmp_path / "x" / "participants-votes.csv").unlink()
    with pytest.raises(pio.ExportError) as caught:
        pio.read_export(tmp_path / "x")
    assert (caught.value.code, caught.value.file) == ("missing_file", "votes.csv")


def test_missing_and_repeated_columns_are_named(tmp_path: Path) -> None:
    shutil.copytree(CLASSIC, tmp_path / "x")
    path = tmp_path / "x" / "comments.csv"
    text = path.read_text()
    path.write_text(text.replace("comment-id", "comment_id", 1))
    with pytest.raises(pio.ExportError) as caught:
        pio.read_export(tmp_path / "x")
    e = caught.value
    assert (e.code, e.file, e.row, e.column) == ("missing_column", "comments.csv", 1, "comment-id")
    path.write_text(text.replace("author-id", "agrees", 1))
    with pytest.raises(pio.ExportError) as caught:
        pio.read_export(tmp_path / "x")
    assert (caught.value.code, caught.value.column) == ("duplicate_column", "agrees")


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    shutil.copytree(CLASSIC, tmp_path / "x")
    path = tmp_path / "x" / "comments.csv"
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"Ticket", b"Tick\xe4t")  # Latin-1 "ä"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(pio.ExportError) as caught:
        pio.read_export(tmp_path / "x")
    assert (caught.value.code, caught.value.file, caught.value.row) == (
        "not_utf8",
        "comments.csv",
        3,
    )


def _break_cell(directory: Path, file: str, row: int, column: str, text: str) -> None:
    path = directory / file
    with path.open(newline="", encoding="utf-8") as f:
        import csv

        rows = list(csv.reader(f))
    rows[row - 1][rows[0].index(column)] = text
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


@pytest.mark.parametrize(
    ("file", "row", "column", "text", "code"),
    [
        ("votes.csv", 5, "vote", "2", "bad_vote"),
        ("votes.csv", 9, "voter-id", "seven", "not_an_integer"),
        ("comments.csv", 4, "moderated", "", "not_an_integer"),
        ("participants-votes.csv", 3, "7", "x", "bad_vote"),
        ("participants-votes.csv", 6, "n-votes", "5.5", "not_an_integer"),
        ("stats-history.csv", 3, "n-voters", "many", "not_an_integer"),
    ],
)
def test_cli_names_file_row_and_column_and_exits_2(
    tmp_path: Path, file: str, row: int, column: str, text: str, code: str
) -> None:
    shutil.copytree(CLASSIC, tmp_path / "x")
    _break_cell(tmp_path / "x", file, row, column, text)
    with pytest.raises(pio.ExportError) as caught:
        pio.read_export(tmp_path / "x")
    assert (caught.value.code, caught.value.file, caught.value.row, caught.value.column) == (
        code,
        file,
        row,
        column,
    )
    if file == "stats-history.csv":
        return  # analysis does not read the history; the import path does
    result = CliRunner(env={"LANG": "en_GB.UTF-8"}).invoke(
        analyse_command, [str(tmp_path / "x"), "--json"]
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert f"{file}, row {row}, column {column}" in lines[0]
    assert "Traceback" not in result.output


def test_cli_message_is_translated(tmp_path: Path) -> None:
    shutil.copytree(CLASSIC, tmp_path / "x")
    _break_cell(tmp_path / "x", "votes.csv", 5, "vote", "2")
    lines = {}
    for lang in ("fi_FI.UTF-8", "sv_FI.UTF-8", "en_GB.UTF-8"):
        result = CliRunner(env={"LANG": lang, "LANGUAGE": "", "LC_ALL": ""}).invoke(
            analyse_command, [str(tmp_path / "x")]
        )
        assert result.exit_code == 2
        lines[lang[:2]] = result.output.strip()
    assert len(set(lines.values())) == 3  # three languages, three different lines
    assert all("votes.csv" in line and "5" in line for line in lines.values())
    assert "rivi" in lines["fi"] and "rad" in lines["sv"]


def test_standalone_command_exits_2_with_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "portal.deliberation.analysis", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "LANG": "en_GB.UTF-8", "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert "missing" in done.stderr and "Traceback" not in done.stderr


def test_cli_import_names_file_row_and_column_and_exits_2(runner: Any, tmp_path: Path) -> None:
    shutil.copytree(CLASSIC, tmp_path / "x")
    _break_cell(tmp_path / "x", "votes.csv", 5, "vote", "2")
    result = runner.invoke(
        args=["deliberation", "import", str(tmp_path / "x")],
        env={"LANG": "fi_FI.UTF-8", "LANGUAGE": "", "LC_ALL": ""},
    )
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "votes.csv" in lines[0] and "rivi 5" in lines[0], lines
    assert "Traceback" not in result.output
