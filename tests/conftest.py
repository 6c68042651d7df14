"""Shared fixtures: one application per database backend, a real SMTP server, clients per role.

The suite runs on SQLite; when ``PORTAL_TEST_POSTGRES_URL`` points at a PostgreSQL server
(for example ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) every test that uses
the application runs again on a fresh PostgreSQL database created for this run.
"""

from __future__ import annotations

import contextvars
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from alembic import command
from flask import Flask, got_request_exception
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, event, make_url, text

from portal.app import create_app
from portal.config import Config
from portal.core.cli import alembic_config
from portal.extensions import db as portal_db
from portal.extensions import limiter
from portal.models import metadata

# Property tests check results, not speed: on a shared CI machine generation and examples can
# be slow, which must not fail a run.
settings.register_profile("portal", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("portal")

POSTGRES_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]
# Rows the migrations insert as reference data survive the per-test cleanup.
REFERENCE_TABLES = {"municipalities", "pool_interest_areas", "alembic_version"}
TEST_PASSWORD = "correct horse battery staple"


# --- mail -----------------------------------------------------------------------------


@dataclass
class Mailbox:
    """Messages received by the test SMTP server."""

    messages: list[EmailMessage] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, raw: bytes) -> None:
        with self._lock:
            self.messages.append(message_from_bytes(raw, policy=policy.default))  # type: ignore[arg-type]

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def wait_for(self, address: str, count: int = 1, timeout: float = 5.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(
            f"expected {count} message(s) to {address}, got {len(self.to(address))}"
        )


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "message has no text part"
    return part.get_content()


def body_html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "message has no HTML part"
    return part.get_content()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 at a free port."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            mailbox.add(envelope.original_content or envelope.content)
            return "250 Message accepted for delivery"

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Mailbox, int]) -> Mailbox:
    box, _port = smtp_server
    box.clear()
    return box


# --- database and application -----------------------------------------------------------


@contextmanager
def _postgres_database() -> Iterator[str]:
    name = f"osallistu_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin_url = make_url(POSTGRES_URL)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@contextmanager
def temporary_database(backend: str, tmp_dir: Any) -> Iterator[str]:
    """An empty database of ``backend`` that is removed afterwards."""
    if backend == "postgresql":
        with _postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_dir}/osallistu-{secrets.token_hex(4)}.sqlite3"


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


class IsolatedClient(FlaskClient):
    """A test client whose requests never reuse the test's application context.

    Flask reuses an already pushed context of the same app, which would share ``g`` (the
    signed-in user, CSRF state) and the database session between requests of one test.
    Running each request in an empty ``contextvars.Context`` gives it its own, as in
    production.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_test_config(database_url: str, smtp_port: int, **overrides: Any) -> Config:
    values: dict[str, Any] = {
        "environment": "testing",
        "secret_key": "test-secret-key-" + "x" * 32,
        "database_url": database_url,
        "mail_backend": "smtp",
        "mail_server": "127.0.0.1",
        "mail_port": smtp_port,
        "base_url": "http://localhost",
        "login_rate_limit": "1000 per minute",
        "log_level": "WARNING",
        "tasks_immediate": True,
    }
    values.update(overrides)
    return Config(**values)


@pytest.fixture(scope="session")
def app(
    backend: str, smtp_server: tuple[Mailbox, int], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    _box, port = smtp_server
    with temporary_database(backend, tmp_path_factory.mktemp(backend)) as url:
        application = create_app(make_test_config(url, port))
        application.test_client_class = IsolatedClient
        with application.app_context():
            command.upgrade(alembic_config(url), "head")
        yield application
        with application.app_context():
            application.extensions["portal.db"].engine.dispose()


def _clear_tables(application: Flask) -> None:
    engine = application.extensions["portal.db"].engine
    tables = [t for t in reversed(metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    """The portal's session inside an application context; every row is gone after the test.

    Any unhandled exception in a request during the test (a 500) fails the test.
    """
    limiter.reset()
    server_errors: list[str] = []

    def record(sender: Flask, exception: BaseException, **extra: Any) -> None:
        server_errors.append(repr(exception))

    got_request_exception.connect(record, app)
    try:
        with app.app_context():
            yield portal_db
            portal_db.session.rollback()
            portal_db.session.remove()
    finally:
        got_request_exception.disconnect(record, app)
        _clear_tables(app)
    assert server_errors == [], f"requests failed with 500: {server_errors}"


@pytest.fixture
def client(app: Flask, db: Any) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask, db: Any) -> Any:
    return app.test_cli_runner()


# --- people -----------------------------------------------------------------------------


@pytest.fixture
def create_user(db: Any) -> Callable[..., Any]:
    """Make a verified user with the given roles (and commit)."""
    from portal.accounts.services import create_user as create
    from portal.core.permissions import Role

    counter = iter(range(1, 100_000))

    def make(
        *roles: Role | str,
        email: str | None = None,
        name: str | None = None,
        locale: str = "fi",
        org_unit: Any = None,
        password: str = TEST_PASSWORD,
    ) -> Any:
        n = next(counter)
        user = create(
            email=email or f"user{n}@example.fi",
            name=name or f"Test Person {n}",
            password=password,
            roles={Role(r) for r in roles} or {Role.RESIDENT},
            locale=locale,
            verified=True,
            org_unit=org_unit,
        )
        db.session.commit()
        return user

    return make


def sign_in(client: FlaskClient, user: Any) -> FlaskClient:
    """Put ``user`` in the client's session the way Flask-Login does after a real sign-in."""
    from flask_login.utils import _create_identifier

    app = client.application
    with app.test_request_context(environ_base=dict(client.environ_base)):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
        session["_id"] = identifier
        session["_session_version"] = user.session_version
    return client


@pytest.fixture
def login_as(app: Flask, db: Any, create_user: Callable[..., Any]) -> Callable[..., FlaskClient]:
    """``login_as("coordinator")`` returns a new client signed in as a fresh user with that role."""

    def login(*roles: str, user: Any = None, **kwargs: Any) -> FlaskClient:
        person = user or create_user(*roles, **kwargs)
        test_client = app.test_client()
        sign_in(test_client, person)
        test_client.user = person  # type: ignore[attr-defined]
        return test_client

    return login


# --- measuring ----------------------------------------------------------------------------


@dataclass
class QueryCounter:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask, db: Any) -> Callable[[], Any]:
    """``with count_queries() as counter: ...`` counts SQL statements sent to the database."""
    engine = app.extensions["portal.db"].engine

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
                counter.statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


def csrf_token(client: FlaskClient, url: str) -> str:
    """Fetch ``url`` and return the CSRF token of its form, like a browser would submit it."""
    import re

    response = client.get(url)
    match = (
        re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', response.data)
        or re.search(rb'type="hidden" name="csrf_token" value="([^"]+)"', response.data)
        or re.search(rb'name="csrf_token" value="([^"]+)"', response.data)
    )
    assert match, f"no CSRF token on {url} (status {response.status_code})"
    return match.group(1).decode()
