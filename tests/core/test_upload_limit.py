"""A body over the upload limit gets the translated 413 page over a real connection.

The test client never shows the problem: a real server that answers before reading the
body closes a socket with unread data, and the client sees a connection reset instead of
the page. So these tests talk to a live server through a socket.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

LIMIT = 10 * 1024 * 1024


def _post_and_read(port: int, body_size: int, path: str = "/login") -> bytes:
    """POST ``body_size`` bytes of multipart data while reading the answer, as browsers do."""
    boundary = "x" * 24
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    filler = body_size - len(head) - len(tail)
    request = (
        f"POST {path} HTTP/1.1\r\nHost: localhost\r\nAccept-Language: fi\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {body_size}\r\nConnection: close\r\n\r\n"
    ).encode()
    connection = socket.create_connection(("127.0.0.1", port), timeout=30)

    def send() -> None:
        try:
            connection.sendall(request + head)
            chunk = b"a" * 65536
            left = filler
            while left > 0:
                connection.sendall(chunk[: min(left, len(chunk))])
                left -= len(chunk)
            connection.sendall(tail)
        except OSError:
            pass  # the server may stop reading once it has answered

    sender = threading.Thread(target=send)
    sender.start()
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    finally:
        sender.join(timeout=30)
        connection.close()
    return received


def _assert_413_page(answer: bytes) -> None:
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"Tiedosto on liian suuri" in answer  # the Finnish page, not a bare 413


@pytest.fixture
def werkzeug_server(app: Flask, db: Any) -> Iterator[int]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=10)


def test_werkzeug_server_answers_an_oversized_upload_with_the_page(werkzeug_server: int) -> None:
    _assert_413_page(_post_and_read(werkzeug_server, LIMIT + 1024 * 1024))


def test_werkzeug_server_still_accepts_an_upload_under_the_limit(werkzeug_server: int) -> None:
    answer = _post_and_read(werkzeug_server, 64 * 1024)
    assert not answer.startswith(b"HTTP/1.1 413")
    assert answer.startswith(b"HTTP/1.1 ")


def test_gunicorn_answers_an_oversized_upload_with_the_page(app: Flask, tmp_path: Any) -> None:
    from tests.conftest import _free_port

    port = _free_port()
    config = app.config["PORTAL"]
    env = {
        "PYTHONPATH": ".",
        "PORTAL_ENV": "development",
        "PORTAL_DATABASE_URL": config.database_url,
        "PORTAL_SECRET_KEY": config.secret_key,
        "PATH": "/usr/bin:/bin",
    }
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "-w", "1", "--timeout", "120"),
            *("-b", f"127.0.0.1:{port}", "wsgi:app"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        _assert_413_page(_post_and_read(port, LIMIT + 1024 * 1024))
    finally:
        server.terminate()
        server.wait(timeout=20)
