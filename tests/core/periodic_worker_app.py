"""The portal app plus one test-only periodic task, for ``flask --app`` in worker tests.

Every enqueueing of the task by a consumer's scheduler, every execution attempt and every
run that passed the once-per-period guard is recorded with its period and process id, in
Redis lists named by ``PERIODIC_TEST_KEY``. Either consumer's workers may execute a copy
that the other consumer's scheduler enqueued, so "both consumers raced" is read from the
enqueued list.
"""

from __future__ import annotations

import os

import redis
from huey.signals import SIGNAL_ENQUEUED, SIGNAL_EXECUTING

from portal.app import create_app
from portal.core.tasks import Periodic, crontab, current_period, queue, register_periodic

TASK_NAME = "tests.stamp_period"
RECORD_KEY = os.environ["PERIODIC_TEST_KEY"]
records = redis.Redis.from_url(os.environ["PORTAL_REDIS_URL"])

app = create_app()


def stamp_period() -> None:
    period = current_period()
    assert period is not None
    records.rpush(f"{RECORD_KEY}:runs", f"{period.isoformat()}|{os.getpid()}")


register_periodic(Periodic(TASK_NAME, crontab(), stamp_period))


@queue.signal(SIGNAL_EXECUTING)
def record_attempt(signal: str, task: object) -> None:
    if getattr(task, "name", None) == TASK_NAME:
        period = getattr(task, "kwargs", {}).get("period")
        records.rpush(f"{RECORD_KEY}:attempts", f"{period}|{os.getpid()}")


@queue.signal(SIGNAL_ENQUEUED)
def record_enqueued(signal: str, task: object) -> None:
    if getattr(task, "name", None) == TASK_NAME:
        period = getattr(task, "kwargs", {}).get("period")
        records.rpush(f"{RECORD_KEY}:enqueued", f"{period}|{os.getpid()}")
