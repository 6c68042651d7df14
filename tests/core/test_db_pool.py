"""Pooled PostgreSQL connections: an idle connection lost on the server is replaced unseen."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from portal.core import db as core_db
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs PORTAL_TEST_POSTGRES_URL")


def _backend_pid(engine: object) -> int:
    with engine.connect() as connection:  # type: ignore[attr-defined]
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_idle_connection_killed_on_the_server_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = core_db.create_portal_engine(POSTGRES_URL)
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        first = _backend_pid(engine)
        assert _backend_pid(engine) == first  # in steady use the same connection is reused
        with admin.connect() as connection:
            killed = connection.execute(
                text("SELECT pg_terminate_backend(:pid)"), {"pid": first}
            ).scalar_one()
        assert killed
        # The connection now counts as idle: the ping finds it dead and the pool reconnects.
        monkeypatch.setattr(core_db, "PING_AFTER_IDLE_SECONDS", 0.0)
        replacement = _backend_pid(engine)
        assert replacement != first
    finally:
        engine.dispose()
        admin.dispose()


def test_busy_connection_is_not_pinged(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = core_db.create_portal_engine(POSTGRES_URL)
    pings = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(
        engine.dialect, "do_ping", lambda connection: pings.append(1) or real_ping(connection)
    )
    try:
        for _ in range(3):
            _backend_pid(engine)
        assert pings == []
        monkeypatch.setattr(core_db, "PING_AFTER_IDLE_SECONDS", 0.0)
        _backend_pid(engine)
        assert pings == [1]
    finally:
        engine.dispose()
