"""Polis import, export round trip, the CLI and re-analysis of the vTaiwan export."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from portal.deliberation import exchange, polis_io, results
from portal.deliberation.models import Conversation, MathState, Participant, Vote, VoteEvent
from tests.conftest import csrf_token
from tests.deliberation.helpers import make_conversation, vote_in_camps

VTAIWAN = Path(__file__).parent / "data" / "vtaiwan.uberx"


def test_cli_analyse_prints_one_json_object(runner: Any) -> None:
    result = runner.invoke(args=["deliberation", "analyse", str(VTAIWAN), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["participants_clustered"] > 1000
    assert {"id", "size", "members", "representative"} <= set(data["groups"][0])
    assert sum(g["size"] for g in data["groups"]) == data["participants_clustered"]
    assert data["groups"][0]["representative"][0]["direction"] in {"agree", "disagree"}
    assert isinstance(data["consensus"], list) and data["seconds"] > 0


def test_import_round_trip_and_report_comparison(db: Any, runner: Any, tmp_path: Path) -> None:
    original = polis_io.read_export(VTAIWAN)
    result = runner.invoke(args=["deliberation", "import", str(VTAIWAN)])
    assert result.exit_code == 0, result.output
    assert "Adjusted Rand index" in result.output
    conversation = db.session.scalars(select(Conversation)).one()
    assert conversation.status == "closed"
    assert db.session.scalar(select(func.count(VoteEvent.id))) == len(original.votes)
    assert db.session.scalar(select(func.count(Participant.id))) >= 1921

    state = db.session.get(MathState, conversation.id)
    comparison = state.summary["comparison"]
    # The from-scratch recompute groups like Polis did.
    assert comparison["adjusted_rand_index"] >= 0.8
    assert comparison["compared"] > 1000
    # The deliberate departure from Polis (exact PCA instead of power iteration) is measured
    # on the same votes against the same Polis grouping, for the report to show.
    (difference,) = state.summary["differences"]
    assert difference["detail"] == "pca"
    ari = difference["polis_adjusted_rand_index"]
    assert ari["portal"] == comparison["adjusted_rand_index"]
    assert 0.5 < ari["polis"] <= 1.0
    assert all(0.9 < cosine <= 1.0 + 1e-9 for cosine in difference["component_cosines"])

    exported = exchange.export_conversation(conversation)
    exchange_dir = tmp_path / "out"
    polis_io.write_export(exported, exchange_dir)
    again = polis_io.read_export(exchange_dir)
    key = lambda c: c.comment_id  # noqa: E731
    for mine, theirs in zip(
        sorted(again.comments, key=key), sorted(original.comments, key=key), strict=True
    ):
        assert (mine.comment_id, mine.author_id, mine.body, mine.timestamp, mine.moderated) == (
            theirs.comment_id,
            theirs.author_id,
            theirs.body,
            theirs.timestamp,
            theirs.moderated,
        )
    for field in ("timestamp", "comment_id", "voter_id", "vote"):
        assert np.array_equal(getattr(again.votes, field), getattr(original.votes, field)), field
    # participants-votes.csv is derived from the vote log, as Polis derives it.
    expected = polis_io.participant_votes_table(original.votes, original.comments)
    assert again.participants is not None
    assert np.array_equal(again.participants.participant, expected.participant)
    assert np.array_equal(again.participants.n_votes, expected.n_votes)
    assert np.array_equal(again.participants.votes[expected.voted], expected.votes[expected.voted])


def test_export_zip_download_and_import_upload(db: Any, login_as: Any, create_user: Any) -> None:
    coordinator_user = create_user("coordinator")
    conversation = make_conversation(coordinator_user)
    vote_in_camps(conversation, people=20)
    results.recompute_conversation(conversation_id=conversation.id)
    coordinator = login_as("coordinator")
    response = coordinator.get(f"/deliberation/manage/{conversation.id}/export.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert set(archive.namelist()) == {
        "summary.csv",
        "comments.csv",
        "votes.csv",
        "participants-votes.csv",
    }
    header = archive.read("participants-votes.csv").decode().splitlines()[0]
    assert header.startswith("participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,1")

    token = csrf_token(coordinator, "/deliberation/manage/import")
    upload = coordinator.post(
        "/deliberation/manage/import",
        data={"csrf_token": token, "archive": (io.BytesIO(response.data), "export.zip")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    imported = db.session.scalars(select(Conversation).order_by(Conversation.id.desc())).first()
    assert imported.id != conversation.id
    assert (
        db.session.scalar(select(func.count(Vote.id)).where(Vote.conversation_id == imported.id))
        == 20 * 12
    )
    # Groups of the export are the portal's groups: re-analysis agrees completely.
    summary = db.session.get(MathState, imported.id).summary
    assert summary["comparison"]["adjusted_rand_index"] == pytest.approx(1.0)
    report = coordinator.get(upload.headers["Location"])
    assert "Adjusted Rand" in report.data.decode() or "Rand" in report.data.decode()


def test_import_rejects_garbage(db: Any, login_as: Any) -> None:
    coordinator = login_as("coordinator")
    token = csrf_token(coordinator, "/deliberation/manage/import")
    response = coordinator.post(
        "/deliberation/manage/import",
        data={"csrf_token": token, "archive": (io.BytesIO(b"not a zip"), "export.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Conversation.id))) == 0


def test_import_names_the_file_row_and_column_of_a_broken_export(
    db: Any, login_as: Any, tmp_path: Path
) -> None:
    import shutil
    import zipfile

    from tests.deliberation.test_polis_variants import CLASSIC, _break_cell

    shutil.copytree(CLASSIC, tmp_path / "x")
    _break_cell(tmp_path / "x", "votes.csv", 5, "vote", "2")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted((tmp_path / "x").iterdir()):
            zipped.write(path, path.name)
    coordinator = login_as("coordinator", locale="fi")
    token = csrf_token(coordinator, "/deliberation/manage/import")
    response = coordinator.post(
        "/deliberation/manage/import",
        data={"csrf_token": token, "archive": (io.BytesIO(archive.getvalue()), "export.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "votes.csv" in page and "rivi 5" in page
    assert db.session.scalar(select(func.count(Conversation.id))) == 0
