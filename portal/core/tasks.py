"""The portal's one task queue (huey) and how services start background work.

Services never run slow work (mail, panel draws, recomputes) inside a request: they call
``enqueue_after_commit(some_task, ids...)`` so the task is queued only when their
transaction commits, and dropped when it rolls back. A task is declared with ``@task()``;
its body runs in a fresh application context, hence with its own database session, and
takes only simple arguments (ids, strings) because it may run in another process.

Storage is chosen in ``init_tasks``: Redis when ``PORTAL_REDIS_URL`` is set, otherwise a
SQLite file (``PORTAL_TASK_QUEUE_PATH``). With ``PORTAL_TASKS_IMMEDIATE`` tasks run
synchronously where they are enqueued (tests, debugging). ``flask --app wsgi worker`` runs
the consumer.

Periodic work is declared as a ``Periodic`` and registered with ``register_periodic``.
Every consumer's scheduler enqueues periodic tasks, so several consumers on several hosts
would each run them; a guard row per (name, period start) lets exactly one of them run.

Stalled work: huey removes a message from the queue before running it, so a worker that is
killed (SIGKILL, out of memory, power loss) loses the task it was running. Work that must
not be lost keeps its state in the database (as the mail outbox does) and the owning domain
registers a recovery callback with ``on_worker_start(callback)``; the callback runs in an
application context in each worker thread of a consumer as it starts (so it must be
idempotent) and re-enqueues the domain's own jobs still marked as running or waiting.
A ``Periodic`` sweep is the other option, for work that may stall while consumers run.
"""

from __future__ import annotations

import contextvars
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey, crontab
from huey.api import TaskWrapper
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import delete, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.config import INSTANCE_DIR, Config
from portal.core.db import utcnow
from portal.core.models import PeriodicTaskRun
from portal.extensions import db

log = logging.getLogger(__name__)
AFTER_COMMIT_KEY = "portal.tasks.after_commit"
EXTENSION_KEY = "portal.tasks"
# Guard rows older than this are purged; no consumer is ever that late for a period.
PERIODIC_RUNS_KEPT = timedelta(days=2)


class PortalHuey(Huey):
    """Huey that hands each periodic task the minute its scheduler saw it due.

    The minute travels with the task, so consumers that enqueue the same period agree on
    it even when the queue is busy and the task runs a minute or two later.
    """

    def read_periodic(self, timestamp: datetime | None = None) -> list[Any]:
        if timestamp is None:
            timestamp = self._get_timestamp()
        period = timestamp.replace(second=0, microsecond=0).isoformat()
        tasks = super().read_periodic(timestamp)
        for periodic_task in tasks:
            periodic_task.kwargs = {"period": period}
        return tasks


# Results are not kept: nothing waits on a task's return value, and a result store that
# is never read only grows. Until ``init_tasks`` runs, messages stay in memory.
queue = PortalHuey("osallistu", results=False, utc=True, storage_class=MemoryStorage)
_app: Flask | None = None


def init_tasks(app: Flask, config: Config) -> None:
    """Bind the queue to ``app`` and choose its storage from ``config``."""
    global _app
    _app = app
    app.extensions[EXTENSION_KEY] = queue
    queue.name = config.task_queue_name
    if config.redis_url:
        queue.storage_class = RedisStorage
        queue.storage_kwargs = {"url": config.redis_url}
    else:
        path = task_queue_path(config)
        path.parent.mkdir(parents=True, exist_ok=True)
        queue.storage_class = SqliteStorage
        queue.storage_kwargs = {"filename": str(path)}
    previous = queue.storage
    # The setter swaps to in-memory storage when immediate mode goes on; recreating the
    # storage afterwards also picks up a new queue name or URL when immediate stays off.
    queue.immediate = config.tasks_immediate
    queue.storage = queue.create_storage()
    if previous is not queue.storage and hasattr(previous, "close"):
        previous.close()

    from portal.core.periodic import CORE_PERIODIC_TASKS

    for periodic in CORE_PERIODIC_TASKS:
        register_periodic(periodic)


def task_queue_path(config: Config) -> Path:
    """Where the SQLite queue lives: the setting, else next to the SQLite database."""
    if config.task_queue_path:
        return Path(config.task_queue_path)
    prefix = "sqlite:///"
    if config.database_url.startswith(prefix) and config.database_url != prefix:
        database_file = Path(config.database_url[len(prefix) :].split("?", 1)[0])
        if str(database_file) not in ("", ":memory:"):
            return database_file.parent / "tasks.sqlite3"
    return INSTANCE_DIR / "tasks.sqlite3"


def _target_app() -> Flask:
    # In immediate mode a task runs inside the app that enqueued it (tests build several);
    # in a worker there is no current app and the one given to ``init_tasks`` is used.
    if has_app_context() and EXTENSION_KEY in current_app.extensions:
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _app is None:
        raise RuntimeError("init_tasks() has not been called")
    return _app


def run_in_fresh_context(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` in a new application context of the portal app, with its own session.

    An empty ``contextvars.Context`` hides any outer request or application context (a
    task enqueued in immediate mode runs inside the enqueuing commit), so the database
    session, ``g`` and the locale are the task's own.
    """
    app = _target_app()

    def call() -> Any:
        with app.app_context():
            return fn(*args, **kwargs)

    return contextvars.Context().run(call)


def task(
    *, retries: int = 0, retry_delay: float = 0, name: str | None = None
) -> Callable[[Callable[..., Any]], TaskWrapper]:
    """Declare a background task; calling the result enqueues it.

    ``my_task(42)`` enqueues, ``my_task.schedule((42,), delay=60)`` enqueues for later and
    ``my_task.call_local(42)`` runs the body here. The body runs in a fresh application
    context (see ``run_in_fresh_context``). Arguments must be simple: ids and strings.
    """

    def decorator(fn: Callable[..., Any]) -> TaskWrapper:
        @functools.wraps(fn)
        def body(*args: Any, **kwargs: Any) -> Any:
            return run_in_fresh_context(fn, *args, **kwargs)

        return queue.task(retries=retries, retry_delay=retry_delay, name=name)(body)

    return decorator


def enqueue_after_commit(
    task_fn: TaskWrapper, *args: Any, delay: float | None = None, **kwargs: Any
) -> None:
    """Enqueue ``task_fn(*args, **kwargs)`` when the current transaction commits.

    Nothing is enqueued when the transaction rolls back, so a worker never sees ids of rows
    that do not exist. ``delay`` (seconds) schedules the task for later.
    """
    session = db.session()
    # ``after_commit`` only fires for a transaction; begin one even when nothing changed.
    session.connection()
    session.info.setdefault(AFTER_COMMIT_KEY, []).append((task_fn, args, kwargs, delay))


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    for task_fn, args, kwargs, delay in session.info.pop(AFTER_COMMIT_KEY, []):
        try:
            if delay is None:
                task_fn(*args, **kwargs)
            else:
                task_fn.schedule(args, kwargs, delay=delay)
        except Exception:  # the change is committed; a queue outage must not turn into a 500
            log.exception("enqueueing %s failed", getattr(task_fn, "name", task_fn))


@event.listens_for(Session, "after_rollback")
def _drop_uncommitted(session: Session) -> None:
    session.info.pop(AFTER_COMMIT_KEY, None)


# --- periodic tasks ---------------------------------------------------------------------


@dataclass(frozen=True)
class Periodic:
    """Work run on a schedule: ``schedule`` is a ``huey.crontab(...)``; ``run`` takes nothing.

    ``run`` is called in a fresh application context, at most once per scheduled minute
    across all consumers.
    """

    name: str
    schedule: Callable[[datetime], bool]
    run: Callable[[], object]


_periodic_tasks: dict[str, tuple[Periodic, TaskWrapper]] = {}
_current_period: contextvars.ContextVar[datetime | None] = contextvars.ContextVar(
    "portal_current_period", default=None
)


def current_period() -> datetime | None:
    """The start (UTC minute) of the period a running ``Periodic.run`` was scheduled for."""
    return _current_period.get()


def register_periodic(periodic: Periodic) -> TaskWrapper:
    """Register ``periodic`` on the queue; registering the same name again replaces it."""
    existing = _periodic_tasks.get(periodic.name)
    if existing is not None:
        if existing[0] == periodic:
            return existing[1]
        queue._registry.unregister(existing[1].task_class)

    def run_once(period: str | None = None) -> None:
        if period is not None:
            start = _period_start(period)
            if not _claim_period(periodic.name, start):
                log.debug("periodic %s already ran for %s", periodic.name, period)
                return
            # ``run_once`` runs in its own contextvars context, so this does not leak.
            _current_period.set(start)
        periodic.run()

    def body(period: str | None = None) -> None:
        run_in_fresh_context(run_once, period)

    body.__module__ = __name__
    wrapper = queue.periodic_task(periodic.schedule, name=periodic.name)(body)
    _periodic_tasks[periodic.name] = (periodic, wrapper)
    return wrapper


def _period_start(period: str) -> datetime:
    start = datetime.fromisoformat(period)
    return start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)


def _claim_period(name: str, start: datetime) -> bool:
    """Insert the guard row for (name, period); False when another consumer already did.

    The guard is a unique row in the portal database rather than huey's ``put_if_empty``:
    it works the same with every huey storage, survives a flushed Redis, and old guards are
    easy to purge (``put_if_empty`` writes into huey's result hash, whose fields cannot
    expire on Redis before 7.4 nor on the SQLite storage, so they would pile up).
    """
    session = db.session
    try:
        session.add(PeriodicTaskRun(name=name, period_start=start))
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def purge_periodic_runs() -> int:
    """Delete guard rows older than any consumer could still be working on."""
    cutoff = utcnow() - PERIODIC_RUNS_KEPT
    result = db.session.execute(
        delete(PeriodicTaskRun).where(PeriodicTaskRun.period_start < cutoff)
    )
    db.session.commit()
    return int(result.rowcount or 0)


# --- consumer start-up ------------------------------------------------------------------


def on_worker_start(callback: Callable[[], object]) -> Callable[[], object]:
    """Run ``callback`` (in an application context) as each worker of a consumer starts.

    Domains use this to re-enqueue their own jobs left stalled by a killed worker. Usable
    as a decorator; a callback that raises is logged and does not stop the consumer.
    """
    name = f"{callback.__module__}.{getattr(callback, '__qualname__', repr(callback))}"

    def startup() -> None:
        try:
            run_in_fresh_context(callback)
        except Exception:
            log.exception("start-up callback %s failed", name)

    queue.on_startup(name)(startup)
    return callback


__all__ = [
    "Periodic",
    "crontab",
    "current_period",
    "enqueue_after_commit",
    "init_tasks",
    "on_worker_start",
    "queue",
    "register_periodic",
    "run_in_fresh_context",
    "task",
]
