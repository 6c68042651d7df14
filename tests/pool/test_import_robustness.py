"""Uploaded pool files that are not what they should be get a per-row report, never a 500."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.pool.models import PoolImport, PoolMember
from tests.conftest import csrf_token
from tests.pool.test_registry import GOOD_CSV


def _upload(client: Any, content: bytes) -> Any:
    return client.post(
        "/pool/import",
        data={
            "csrf_token": csrf_token(client, "/pool/import"),
            "file": (io.BytesIO(content), "rekisteri.csv"),
        },
        content_type="multipart/form-data",
    )


def _count(db: Any, model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_old_mac_line_endings_are_read_like_any_other(db: Any, login_as: Any) -> None:
    coordinator = login_as("coordinator", locale="en")
    response = _upload(coordinator, GOOD_CSV.replace("\n", "\r").encode("utf-8"))
    assert response.status_code == 302
    assert db.session.scalars(select(PoolImport)).one().row_count == 3


def _with_cell(row: int, value: str) -> bytes:
    lines = GOOD_CSV.splitlines()
    cells = lines[row].split(";")
    cells[0] = value
    lines[row] = ";".join(cells)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _binary(seed: int) -> bytes:
    generator = random.Random(seed)
    return b"\x89PNG\r\n\x1a\n" + bytes(generator.randrange(256) for _ in range(4000))


@pytest.mark.parametrize(
    "content, message, row",
    [
        (_with_cell(2, "Björn\x00Berg"), "invisible control characters", "3"),
        (_with_cell(1, "Aino\x1bAaltonen"), "invisible control characters", "2"),
        (_with_cell(3, "L" * 131_073), "over 131,072 characters", "4"),
        (GOOD_CSV.encode("utf-8") + b"Ville\x81\x8d;;;", "not a CSV text file", "1"),
        (_binary(1), "not a CSV text file", "1"),
        (_binary(2)[:8] + GOOD_CSV.encode(), "no column with this name", "1"),
    ],
)
def test_bad_files_are_reported_in_the_preview(
    db: Any, login_as: Any, content: bytes, message: str, row: str | None
) -> None:
    coordinator = login_as("coordinator", locale="en")
    response = _upload(coordinator, content)
    assert response.status_code in (200, 400)
    page = response.get_data(as_text=True)
    assert message in page
    if row is not None:
        assert f"<td>{row}</td>" in page or f">{row}<" in page
    assert _count(db, PoolImport) == 0  # nothing is kept for a confirm step
    assert _count(db, PoolMember) == 0


def test_a_nul_is_refused_in_finnish_too(db: Any, login_as: Any) -> None:
    coordinator = login_as("coordinator", locale="fi")
    page = _upload(coordinator, _with_cell(1, "Aino\x00")).get_data(as_text=True)
    assert "ohjausmerkkejä" in page
