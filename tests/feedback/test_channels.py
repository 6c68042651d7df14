"""SMS surveys through a recording HTTP gateway, and CSV import with its row report."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import func, select, text

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.core.permissions import Role
from portal.feedback import services
from portal.feedback.models import Answer, SmsInvitation
from portal.feedback.sms import parse_reply


class RecordingGateway:
    """An HTTP SMS API at the edge: records each POST and answers like an operator."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                recorder.requests.append({"auth": self.headers["Authorization"], **body})
                reply = json.dumps({"id": f"msg-{len(recorder.requests)}"}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/messages"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def gateway(app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingGateway]:
    recording = RecordingGateway()
    settings = replace(
        app.config["PORTAL"],
        feedback_sms_url=recording.url,
        feedback_sms_api_key="key-123",
        feedback_sms_inbound_secret="s3cret",
    )
    monkeypatch.setitem(app.config, "PORTAL", settings)
    yield recording
    recording.server.shutdown()


@pytest.fixture
def unit(db: Any) -> OrgUnit:
    area = OrgUnit(kind=OrgUnitKind.SERVICE_AREA, name_fi="Alue")
    unit = OrgUnit(kind=OrgUnitKind.UNIT, name_fi="Terveysasema", parent=area)
    db.session.add_all([area, unit])
    db.session.commit()
    return unit


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("9 quick and friendly", (9, "quick and friendly")),
        ("10", (10, "")),
        (" 0, ei kukaan vastannut", (0, "ei kukaan vastannut")),
        ("hyvä", None),
        ("11 liikaa", None),
    ],
)
def test_reply_parsing(reply: str, expected: Any) -> None:
    assert parse_reply(reply) == expected


def test_sms_round_trip_keeps_no_phone_number(
    client: Any, db: Any, unit: OrgUnit, gateway: RecordingGateway
) -> None:
    services.send_sms_survey(unit=unit, phone="040 765 4321", language="sv")
    sent = gateway.requests[0]
    assert sent["to"] == "+358407654321" and sent["auth"] == "Bearer key-123"
    assert "rekommendera" in sent["message"]  # the NPS question in the client's language
    response = client.post(
        "/feedback/sms/inbound",
        json={"from": "+358407654321", "text": "9 snabbt och vänligt"},
        headers={"X-Sms-Secret": "s3cret"},
    )
    assert response.status_code == 200 and response.get_json() == {"stored": True}
    answer = db.session.scalars(select(Answer)).one()
    assert (answer.score, answer.language, answer.channel) == (9, "sv", "sms")
    assert answer.open_text == "snabbt och vänligt"
    dump = repr(db.session.execute(text("SELECT * FROM feedback_answers")).all())
    dump += repr(db.session.execute(text("SELECT * FROM feedback_sms_invitations")).all())
    assert "765" not in dump and "4321" not in dump
    assert db.session.scalars(select(SmsInvitation)).one().phone_hash is None
    again = client.post(
        "/feedback/sms/inbound",
        json={"from": "0407654321", "text": "3"},
        headers={"X-Sms-Secret": "s3cret"},
    )
    assert again.get_json() == {"stored": False}
    forged = client.post("/feedback/sms/inbound", json={"from": "1", "text": "1"})
    assert forged.status_code == 401
    assert db.session.scalar(select(func.count(Answer.id))) == 1


def test_csv_import_reports_bad_rows_and_stores_nothing(
    db: Any, unit: OrgUnit, login_as: Any
) -> None:
    from tests.conftest import csrf_token

    staff = login_as(Role.STAFF, org_unit=unit)
    bad = (
        f"unit_id;date;language;score;text\n{unit.id};2026-01-05;fi;9;Hyvä\n"
        f"{unit.id};2026-13-01;fi;8;\n999;2026-01-05;fi;7;\n{unit.id};2026-01-05;de;7;\n"
    )
    token = csrf_token(staff, "/feedback/import")
    response = staff.post(
        "/feedback/import",
        data={
            "csrf_token": token,
            "unit": "0",
            "file": (__import__("io").BytesIO(bad.encode()), "a.csv"),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for line in (3, 4, 5):
        assert f"Line {line}:" in page or f"Rivi {line}:" in page
    assert db.session.scalar(select(func.count(Answer.id))) == 0
    good = (
        f"unit_id;date;language;score;text;s_help_when_needed\n"
        f"{unit.id};2026-01-05;fi;9;Soitin 040 123 4567;4\n;2026-01-06;sv;3;;0\n"
    )
    for _attempt in range(2):
        report = services.import_answers(
            data=good.encode(), allowed_units=[unit], default_unit=unit
        )
    assert (report.stored, report.repeated) == (0, 2)
    answers = list(db.session.scalars(select(Answer).order_by(Answer.id)))
    assert [a.entry for a in answers] == ["import", "import"]
    assert answers[0].open_text == "Soitin [PHONE]" and answers[1].submitted_on == date(2026, 1, 6)
