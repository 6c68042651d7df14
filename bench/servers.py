"""Starting the portal (or a baseline app) under gunicorn for the load benchmarks.

Both run with ``portal/gunicorn.conf.py`` on loopback, so the portal and the baseline it is
compared with get the same server settings.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(
    app_spec: str,
    port: int,
    env: Mapping[str, str],
    log_path: Path,
    *,
    extra_args: Sequence[str] = (),
) -> Iterator[subprocess.Popen[bytes]]:
    """Serve ``app_spec`` with 2 workers on ``port`` until the block ends (then SIGTERM)."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--no-control-socket",
        "-c",
        str(ROOT / "portal" / "gunicorn.conf.py"),
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        *extra_args,
        app_spec,
    ]
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=log
        )
        try:
            # Generous: on a shared, loaded machine two workers can take a minute to import.
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                raise RuntimeError(f"gunicorn did not start; see {log_path}")
            yield server
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
