"""Recompute outside the request: the debounced background thread, the CLI and freshness."""

from __future__ import annotations

import time
from typing import Any

from portal.deliberation import results
from portal.deliberation.models import MathState
from tests.deliberation.helpers import make_conversation, vote_in_camps


def test_background_recompute_runs_once_after_the_debounce(
    app: Any, db: Any, create_user: Any
) -> None:
    conversation = make_conversation(create_user("coordinator"))
    vote_in_camps(conversation, people=10)
    app.config["DELIBERATION_BACKGROUND_RECOMPUTE"] = True
    try:
        results.schedule_recompute(app, conversation.id, delay=0.2)
        # A second request within the debounce window does not start another timer.
        results.schedule_recompute(app, conversation.id, delay=0.2)
        assert len(results._timers) == 1
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and results._timers:
            time.sleep(0.05)
    finally:
        app.config["DELIBERATION_BACKGROUND_RECOMPUTE"] = False
    db.session.expire_all()
    state = db.session.get(MathState, conversation.id)
    assert state.computed_at is not None
    assert state.vote_count == 10 * 12
    assert state.lease_until is None


def test_cli_recompute_all_and_freshness_on_the_page(
    db: Any, runner: Any, client: Any, create_user: Any
) -> None:
    conversation = make_conversation(create_user("coordinator"))
    vote_in_camps(conversation, people=16)
    result = runner.invoke(args=["deliberation", "recompute", "--all"])
    assert result.exit_code == 0 and "Recomputed 1" in result.output
    again = runner.invoke(args=["deliberation", "recompute", "--all"])
    assert "Recomputed 0" in again.output
    page = client.get(f"/deliberation/{conversation.id}").data.decode()
    assert "Päivitetty" in page and "192 ääntä" in page
