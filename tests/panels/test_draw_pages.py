"""What the coordinator's draw page and the public report say about how a draw ended."""

from __future__ import annotations

import html
import logging
import shlex
import tomllib
from typing import Any

from flask_babel import gettext

from portal.panels.messages import lottery_note_sentence, solver_failure_sentence
from portal.panels.models import DrawStatus
from portal.panels.reference import SETTINGS_FILENAME
from portal.panels.selection import NOTE_PARTIAL, SelectionSolverError
from portal.panels.services import draw_jobs
from tests.conftest import csrf_token
from tests.panels.test_panels import _finished, _ready_panel


def page_text(response: Any) -> str:
    """The page's text with entities decoded, so that sentences compare as written."""
    return html.unescape(response.get_data(as_text=True))


def _start(client: Any, panel: Any) -> None:
    url = f"/panels/{panel.id}/draw"
    assert client.post(url, data={"csrf_token": csrf_token(client, url)}).status_code == 302


def test_a_solver_failure_is_explained_and_its_diagnostic_logged(
    login_as: Any, db: Any, monkeypatch: Any, caplog: Any
) -> None:
    def solver_gives_up(*args: Any, **kwargs: Any) -> Any:
        raise SelectionSolverError("HiGHS status 8: model infeasible")

    monkeypatch.setattr(draw_jobs, "draw_from_candidates", solver_gives_up)
    client = login_as("coordinator")
    panel = _ready_panel(db, client.user)
    with caplog.at_level(logging.ERROR, logger=draw_jobs.__name__):
        _start(client, panel)
    draw = _finished(db, panel)
    assert draw.status == DrawStatus.FAILED
    assert draw.job is not None and draw.job.error == SelectionSolverError.code
    assert "HiGHS status 8: model infeasible" in caplog.text
    page = page_text(client.get(f"/panels/{panel.id}/draw"))
    with client.application.test_request_context():
        assert solver_failure_sentence() in page
    assert "HiGHS" not in page  # the solver's words are for the log, not the coordinator


def test_an_unexpected_error_keeps_the_generic_message(
    login_as: Any, db: Any, monkeypatch: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError

    monkeypatch.setattr(draw_jobs, "draw_from_candidates", broken)
    client = login_as("coordinator")
    panel = _ready_panel(db, client.user)
    _start(client, panel)
    assert _finished(db, panel).status == DrawStatus.FAILED
    page = page_text(client.get(f"/panels/{panel.id}/draw"))
    with client.application.test_request_context():
        generic = gettext(
            "The last draw failed because of an error. Try again; if it fails again, "
            "contact the administrator."
        )
    assert generic in page


def test_a_lottery_from_a_stopped_computation_says_so_on_both_pages(login_as: Any, db: Any) -> None:
    client = login_as("coordinator")
    panel = _ready_panel(db, client.user)
    _start(client, panel)
    draw = _finished(db, panel)
    assert draw.status == DrawStatus.DONE
    public = client.application.test_client()
    assert "stopped early" not in page_text(public.get(f"/panels/{panel.id}/report"))

    draw.distribution = {**draw.distribution, "note": NOTE_PARTIAL}
    db.session.commit()
    with client.application.test_request_context():
        sentence = lottery_note_sentence(NOTE_PARTIAL)
    assert sentence in page_text(client.get(f"/panels/{panel.id}/draw"))
    assert sentence in page_text(public.get(f"/panels/{panel.id}/report"))


def test_the_report_offers_the_reference_tools_settings_and_command(login_as: Any, db: Any) -> None:
    client = login_as("coordinator")
    panel = _ready_panel(db, client.user)
    public = client.application.test_client()
    settings_url = f"/panels/{panel.id}/report/{SETTINGS_FILENAME}"
    assert public.get(settings_url).status_code == 404  # nothing to check before the draw

    _start(client, panel)
    assert _finished(db, panel).status == DrawStatus.DONE
    report = public.get(f"/panels/{panel.id}/report").get_data(as_text=True)
    assert f'href="{settings_url}"' in report
    command = next(
        line.split("<code>", 1)[1].split("</code>", 1)[0]
        for line in report.splitlines()
        if "<code>sortition csv" in line
    )
    words = shlex.split(command)
    assert words[words.index("-n") + 1] == str(panel.size)
    assert words[words.index("-S") + 1] == SETTINGS_FILENAME

    download = public.get(settings_url)
    assert download.status_code == 200
    assert SETTINGS_FILENAME in download.headers["Content-Disposition"]
    settings = tomllib.loads(download.get_data(as_text=True))
    assert settings["id_column"] == "id" and settings["check_same_address"] is False
