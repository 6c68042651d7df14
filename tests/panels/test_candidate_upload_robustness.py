"""A people list that is not what it should be gets a report with line numbers, never a 500."""

from __future__ import annotations

import random
from io import BytesIO
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.panels.models import PanelCandidate
from tests.conftest import csrf_token
from tests.panels.test_panels import _panel, _people_csv


def _upload(client: Any, panel: Any, content: bytes) -> Any:
    url = f"/panels/{panel.id}/candidates"
    return client.post(
        f"{url}/upload",
        data={"csrf_token": csrf_token(client, url), "people": (BytesIO(content), "people.csv")},
        content_type="multipart/form-data",
    )


def _candidates(db: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(PanelCandidate))


def test_old_mac_line_endings_are_read(login_as: Any, db: Any) -> None:
    client = login_as("coordinator", locale="en")
    panel = _panel(db, client.user)
    response = _upload(client, panel, _people_csv(6).replace("\n", "\r").encode())
    assert response.status_code == 302
    assert _candidates(db) == 6


def _line(number: int, cell: str) -> bytes:
    lines = _people_csv(5).splitlines()
    lines[number - 1] = f"{cell},woman,15-24"
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.mark.parametrize(
    "content, expected",
    [
        (_line(3, "p\x00x"), "line 3: invisible control characters"),
        (_line(4, "p" * 131_073), "line 4: the row cannot be read"),
        (bytes(random.Random(7).randrange(256) for _ in range(3000)), "not"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "control characters"),
        (_line(2, "cafe").replace(b"cafe", b"caf\x81"), "not a CSV text file"),
    ],
)
def test_bad_people_lists_are_reported(
    login_as: Any, db: Any, content: bytes, expected: str
) -> None:
    client = login_as("coordinator", locale="en")
    panel = _panel(db, client.user)
    response = _upload(client, panel, content)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The people list could not be read" in page or "not a CSV text file" in page
    assert expected in page
    assert _candidates(db) == 0
