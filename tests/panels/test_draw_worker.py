"""A panel draw survives its worker being killed: the next worker runs it to the same panel."""

from __future__ import annotations

import random
import secrets
import signal
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import create_engine, select

from portal.app import create_app
from portal.config import Config
from portal.core.cli import alembic_config
from portal.core.permissions import Role
from portal.extensions import db
from portal.panels import services
from portal.panels.features import proposed_quotas
from portal.panels.models import DrawStatus, Panel, PanelDraw, PanelDrawJob
from portal.panels.selection import Candidate
from portal.panels.selection_io import draw_from_candidates
from tests.conftest import sign_in
from tests.core.worker_support import (
    own_queue_configuration,
    portal_env,
    start_worker,
    stop_worker,
    wait_until,
)

# Big enough that the leximin draw takes several seconds on a busy two-core machine.
FEATURES = ["gender", "age_band", "municipality"]
CANDIDATES = 300
SIZE = 24
SEED = "41 7 3 29 18 12"
STALE_SECONDS = 3


def _people_csv(seed: int) -> str:
    """Candidates drawn (seeded) roughly in the proportions of the proposed quotas."""
    rng = random.Random(seed)
    weights: dict[str, list[tuple[str, float]]] = {}
    for quota in proposed_quotas(FEATURES, {}, SIZE):
        middle = (int(quota["min"]) + int(quota["max"])) / 2 + 0.01
        weights.setdefault(quota["feature"], []).append((quota["value"], middle))
    lines = ["id," + ",".join(FEATURES)]
    for i in range(CANDIDATES):
        values = [
            rng.choices([v for v, _ in weights[f]], [w for _, w in weights[f]])[0] for f in FEATURES
        ]
        lines.append(f"p{i:04d}," + ",".join(values))
    return "\n".join(lines) + "\n"


def test_a_killed_worker_s_draw_is_finished_by_the_next_worker(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path}/portal.sqlite3"
    settings = {
        "PORTAL_ENVIRONMENT": "testing",
        "PORTAL_SECRET_KEY": "draw-worker-test-" + "x" * 32,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_TASK_QUEUE_PATH": str(tmp_path / "tasks.sqlite3"),
        "PORTAL_TASK_QUEUE_NAME": f"osallistu-draw-{secrets.token_hex(3)}",
        "PORTAL_TASKS_IMMEDIATE": "0",
        "PORTAL_MAIL_BACKEND": "log",
        "PORTAL_PANELS_DRAW_STALE_SECONDS": str(STALE_SECONDS),
        "PORTAL_CSRF_ENABLED": "0",
        "PORTAL_LOG_LEVEL": "WARNING",
    }
    engine = create_engine(database_url)

    def job() -> Any:
        with engine.connect() as connection:
            return connection.execute(
                select(
                    PanelDrawJob.status,
                    PanelDrawJob.attempt,
                    PanelDrawJob.heartbeat_at,
                    PanelDrawJob.stage,
                )
            ).first()

    with own_queue_configuration():
        app = create_app(Config.from_env(settings))
        command.upgrade(alembic_config(database_url), "head")
        with app.app_context():
            from portal.accounts.services import create_user

            coordinator = create_user(
                email="koordinaattori@example.fi", name="Kaija Koordinaattori",
                password="correct horse battery staple", roles={Role.COORDINATOR},
                locale="fi", verified=True,
            )  # fmt: skip
            db.session.commit()
            panel = services.create_panel(
                actor=coordinator, question="Miten palveluverkko uudistetaan?", description="",
                size=SIZE, starts_on=None, ends_on=None, features=FEATURES,
                municipality_groups={}, pays_fee=False,
            )  # fmt: skip
            services.upload_candidates(actor=coordinator, panel=panel, text=_people_csv(11))
            services.publish_panel(actor=coordinator, panel=panel)
            services.announce_seed(
                actor=coordinator, panel=panel, seed=SEED, seed_source="arpa", method="leximin"
            )
            draw = services.start_draw(actor=coordinator, panel=panel)
            panel_id, draw_id, coordinator_id = panel.id, draw.id, coordinator.id
            snapshot = [Candidate(r["id"], r["features"]) for r in draw.snapshot]
            categories = services.categories_of(draw.quotas)
            db.session.remove()

        log_path = tmp_path / "worker-1.log"
        first = start_worker(portal_env(settings), log_path, args=("--workers", "1"))
        try:
            wait_until(
                lambda: (
                    (row := job()) is not None
                    and row.status == DrawStatus.RUNNING
                    and row.stage == "computing"
                ),
                90,
                "the first worker computing the draw",
            )
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        killed = job()
        assert (killed.status, killed.attempt) == (DrawStatus.RUNNING, 1)

        # What an undisturbed draw from the same snapshot, quotas and seed selects.
        expected = draw_from_candidates(snapshot, categories, SIZE, SEED, "leximin")
        assert isinstance(expected, tuple)
        expected_panel = list(expected[1])

        second = start_worker(
            portal_env(settings), tmp_path / "worker-2.log", args=("--workers", "2")
        )
        try:
            wait_until(lambda: job().status == DrawStatus.DONE, 180, "the draw to finish")
        finally:
            returncode = stop_worker(second)
        log = (tmp_path / "worker-2.log").read_text(errors="replace")
        assert returncode == 0, log[-3000:]
        finished = job()
        assert finished.attempt == 2, "run again exactly once, by the second worker"

        with app.app_context():
            stored = db.session.get(PanelDraw, draw_id)
            assert stored.status == DrawStatus.DONE
            assert sorted(stored.selected) == sorted(expected_panel)
            stored_panel = db.session.get(Panel, panel_id)
            members = services.panel_members(stored_panel)
            assert sorted(m.candidate.pseudonym for m in members) == sorted(expected_panel)
            assert len(members) == SIZE and stored_panel.status == "drawn"
            db.session.remove()
        client = app.test_client()
        with app.app_context():
            from portal.accounts.models import User

            sign_in(client, db.session.get(User, coordinator_id))
        page = client.get(f"/panels/{panel_id}/draw").get_data(as_text=True)
        assert "Paneeli on arvottu" in page and SEED in page and "<progress" not in page
        members_page = client.get(f"/panels/{panel_id}/manage").get_data(as_text=True)
        assert all(f"({pseudonym})" in members_page for pseudonym in expected_panel)
        app.extensions["portal.db"].engine.dispose()
    engine.dispose()
