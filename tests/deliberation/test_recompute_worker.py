"""Real consumers recompute the opinion map after votes, one at a time per conversation."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import create_engine, select

from portal.app import create_app
from portal.config import Config
from portal.core.cli import alembic_config
from portal.core.permissions import Role
from portal.core.tasks import queue
from portal.deliberation.models import MathState
from portal.deliberation.services import recompute
from portal.extensions import db
from tests.core.worker_support import (
    own_queue_configuration,
    portal_env,
    start_worker,
    stop_worker,
    wait_until,
)
from tests.deliberation.helpers import make_conversation, statement_ids, vote_in_camps

PEOPLE = 30


def test_workers_recompute_after_votes_and_wait_for_the_lock(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path}/portal.sqlite3"
    settings = {
        "PORTAL_ENVIRONMENT": "testing",
        "PORTAL_SECRET_KEY": "recompute-worker-test-" + "x" * 32,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_TASK_QUEUE_PATH": str(tmp_path / "tasks.sqlite3"),
        "PORTAL_TASK_QUEUE_NAME": f"osallistu-recompute-{secrets.token_hex(3)}",
        "PORTAL_TASKS_IMMEDIATE": "0",
        "PORTAL_MAIL_BACKEND": "log",
        "PORTAL_DELIBERATION_RECOMPUTE_DELAY_SECONDS": "1",
        "PORTAL_LOG_LEVEL": "WARNING",
    }
    engine = create_engine(database_url)

    def stored() -> Any:
        with engine.connect() as connection:
            return connection.execute(select(MathState.computed_at, MathState.vote_count)).first()

    workers = []
    with own_queue_configuration():
        app = create_app(Config.from_env(settings))
        command.upgrade(alembic_config(database_url), "head")
        try:
            with app.app_context():
                from portal.accounts.services import create_user

                coordinator = create_user(
                    email="koordinaattori@example.fi", name="Kaija Koordinaattori",
                    password="correct horse battery staple", roles={Role.COORDINATOR},
                    locale="fi", verified=True,
                )  # fmt: skip
                db.session.commit()
                conversation = make_conversation(coordinator)
                conversation_id = conversation.id
                votes = PEOPLE * len(statement_ids(conversation))
                recompute._asked_here.clear()
                # Another holder (say, a report being published) computes this conversation.
                with recompute.conversation_lock(conversation_id):
                    vote_in_camps(conversation, people=PEOPLE)
                    # The whole burst queued one recompute (with its delay), not one per vote.
                    assert queue.pending_count() + queue.scheduled_count() == 1
                    for n in range(2):
                        workers.append(
                            start_worker(
                                portal_env(settings),
                                tmp_path / f"worker-{n}.log",
                                args=("--workers", "1", "--no-periodic"),
                            )
                        )
                    wait_until(
                        lambda: all(
                            "worker started" in (tmp_path / f"worker-{n}.log").read_text()
                            for n in range(2)
                        ),
                        120,
                        "both workers to start",
                    )
                    # The task comes due, finds the lock taken and tries again later.
                    time.sleep(5)
                    assert stored().computed_at is None
                db.session.remove()
            state = wait_until(
                lambda: (row := stored()).computed_at is not None and row, 90, "the recompute"
            )
            assert state.vote_count == votes
        finally:
            codes = [stop_worker(worker) for worker in workers]
            app.extensions["portal.db"].engine.dispose()
    logs = "".join((tmp_path / f"worker-{n}.log").read_text(errors="replace") for n in range(2))
    assert codes == [0, 0], logs[-3000:]
    assert "Traceback" not in logs, logs[-3000:]
    engine.dispose()
