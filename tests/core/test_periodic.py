"""Two real consumers on PostgreSQL + Redis run a periodic task once per period."""

from __future__ import annotations

import os
import secrets
import socket
from collections import Counter
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest
from alembic import command
from huey.storage import RedisStorage

from portal.core.cli import alembic_config
from tests.conftest import POSTGRES_URL, temporary_database
from tests.core.worker_support import portal_env, start_worker, stop_worker, wait_until

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# huey's scheduler checks periodic tasks when a consumer starts and every 60 s after.
SCHEDULER_PERIOD = 60


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not POSTGRES_URL, reason="needs PORTAL_TEST_POSTGRES_URL"),
    pytest.mark.skipif(not _redis_reachable(), reason="needs Redis at 127.0.0.1:6379"),
]


def _entries(client: object, key: str) -> list[tuple[datetime, int]]:
    """(period start as aware UTC, process id) for each recorded entry."""
    values = client.lrange(key, 0, -1)  # type: ignore[attr-defined]
    entries = []
    for period, pid in (v.decode().split("|") for v in values):
        start = datetime.fromisoformat(period)
        entries.append((start if start.tzinfo else start.replace(tzinfo=UTC), int(pid)))
    return entries


def test_two_consumers_run_each_period_once(tmp_path: Path) -> None:
    import redis

    run_id = secrets.token_hex(4)
    queue_name = f"osallistu-periodic-test-{run_id}"
    record_key = f"osallistu-periodic-test-records-{run_id}"
    records = redis.Redis.from_url(REDIS_URL)
    with temporary_database("postgresql", tmp_path) as database_url:
        command.upgrade(alembic_config(database_url), "head")
        # No need to wait for a minute boundary: each consumer checks at start and 60 s
        # later, i.e. in two consecutive minutes, so two consumers started within a minute
        # of each other always race for at least one period.
        env = portal_env(
            {
                "PORTAL_ENVIRONMENT": "testing",
                "PORTAL_SECRET_KEY": "periodic-test-secret-" + "x" * 32,
                "PORTAL_DATABASE_URL": database_url,
                "PORTAL_REDIS_URL": REDIS_URL,
                "PORTAL_TASK_QUEUE_NAME": queue_name,
                "PORTAL_LOG_LEVEL": "INFO",
                "PERIODIC_TEST_KEY": record_key,
            }
        )
        app = "tests.core.periodic_worker_app"
        workers = [
            start_worker(env, tmp_path / f"worker-{n}.log", app=app, args=("--workers", "2"))
            for n in (1, 2)
        ]

        def attempts_so_far() -> int:
            return len(records.lrange(f"{record_key}:attempts", 0, -1))

        try:
            # Two scheduler checks per consumer: at start (start-up is slow on a busy
            # machine, so that gets its own wait) and one scheduler period later.
            wait_until(lambda: attempts_so_far() >= 2, 60, "both consumers' first check")
            wait_until(lambda: attempts_so_far() >= 4, SCHEDULER_PERIOD + 15, "second checks")
            # The winner of the last period may still be writing its record.
            wait_until(
                lambda: (
                    len(records.lrange(f"{record_key}:runs", 0, -1))
                    >= len({p for p, _ in _entries(records, f"{record_key}:attempts")})
                ),
                15,
                "the last period's run",
            )
        finally:
            codes = [stop_worker(worker) for worker in workers]
            enqueued = _entries(records, f"{record_key}:enqueued")
            attempts = _entries(records, f"{record_key}:attempts")
            runs = _entries(records, f"{record_key}:runs")
            records.delete(f"{record_key}:enqueued", f"{record_key}:attempts", f"{record_key}:runs")
            RedisStorage(queue_name, url=REDIS_URL).flush_all()
            records.close()
    logs = "\n".join(
        line
        for path in sorted(tmp_path.glob("*.log"))
        for line in path.read_text(errors="replace").splitlines()[-40:]
        if " alembic." not in line
    )
    attempted = Counter(period for period, _pid in attempts)
    ran = Counter(period for period, _pid in runs)
    context = f"enqueued={enqueued} attempts={attempts} runs={runs} exit codes={codes}\n{logs}"
    # Both consumers' schedulers enqueued (which consumer executes a copy is up to the
    # queue); every attempted period ran exactly once; at least two periods.
    assert len({pid for _period, pid in enqueued}) == 2, context
    assert len(attempted) >= 2, context
    assert ran == Counter(dict.fromkeys(attempted, 1)), context
    assert sum(attempted.values()) > len(attempted), "the guard had no race to settle"
    minutes = sorted(attempted)
    assert all((b - a).total_seconds() == 60 for a, b in pairwise(minutes)), context
    assert codes == [0, 0], context
