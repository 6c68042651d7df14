"""Helpers for tests that run real ``flask worker`` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from portal.config import PROJECT_ROOT
from portal.core import tasks


@contextmanager
def own_queue_configuration() -> Iterator[None]:
    """Let a test bind the shared queue to its own app; the suite's binding comes back after."""
    queue = tasks.queue
    saved = (
        tasks._app,
        queue.name,
        queue.storage,
        queue._immediate,
        queue.storage_class,
        dict(queue.storage_kwargs),
    )
    try:
        yield
    finally:
        own = queue.storage
        (
            tasks._app,
            queue.name,
            queue.storage,
            queue._immediate,
            queue.storage_class,
            queue.storage_kwargs,
        ) = saved
        if own is not queue.storage and hasattr(own, "close"):
            own.close()


def portal_env(settings: dict[str, str]) -> dict[str, str]:
    """The environment of a worker subprocess: no inherited ``PORTAL_*`` except ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(settings)
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_worker(
    env: dict[str, str], log_path: Path, *, app: str = "wsgi", args: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    log = log_path.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", app, "worker", *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_worker(process: subprocess.Popen[bytes], timeout: float = 20.0) -> int:
    """SIGTERM (a graceful stop), then SIGKILL if it does not exit in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
            return -9
    return int(process.returncode)


def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
