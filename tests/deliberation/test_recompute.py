"""Recompute outside the request: the debounced background thread, the CLI and freshness."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from portal.deliberation.models import MathState
from tests.deliberation.helpers import make_conversation, vote_in_camps


def test_votes_schedule_one_debounced_recompute(app: Any, db: Any, create_user: Any) -> None:
    from portal.core.tasks import queue
    from portal.deliberation.services import recompute

    conversation = make_conversation(create_user("coordinator"))
    recompute._asked_here.clear()
    queue.delete(recompute._flag_key(conversation.id))
    scheduled = queue.scheduled_count()
    before = utcnow_naive()
    vote_in_camps(conversation, people=10)
    after = utcnow_naive()
    # 120 votes in one burst: one recompute is scheduled, for after the delay.
    assert queue.scheduled_count() == scheduled + 1
    (pending,) = [t for t in queue.scheduled() if t.args == (conversation.id,)][-1:]
    assert pending.name == "deliberation.recompute_conversation"
    delay = app.config["PORTAL"].deliberation_recompute_delay_seconds
    # Due the delay after the first vote of the burst.
    assert pending.eta is not None
    assert before + timedelta(seconds=delay) <= pending.eta <= after + timedelta(seconds=delay)
    # Another process (no memo of its own) finds the pending flag and schedules nothing.
    recompute._asked_here.clear()
    vote_in_camps(conversation, people=1)
    assert queue.scheduled_count() == scheduled + 1
    # The task covers every vote of the burst and clears the flag for the next burst.
    assert recompute.recompute_after_votes.call_local(conversation.id)
    db.session.expire_all()
    state = db.session.get(MathState, conversation.id)
    assert state.computed_at is not None and state.vote_count == 11 * 12
    assert queue.get(recompute._flag_key(conversation.id), peek=True) is None


def utcnow_naive() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(tzinfo=None)


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
