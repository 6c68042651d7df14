"""Database plumbing: declarative base, column types, engine and request-scoped session."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, current_app
from flask.globals import _cv_app, _cv_request
from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    ForeignKey,
    MetaData,
    create_engine,
    event,
    select,
)
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    scoped_session,
    sessionmaker,
)
from sqlalchemy.types import TypeDecorator

from portal.core.times import hours_between

# Stable constraint names, so Alembic can alter and drop them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp; SQLite drops the offset, so it is restored on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC timestamp")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _Hundredths(TypeDecorator[Decimal]):
    """A decimal to the hundredth, stored as a whole number of hundredths."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> int | None:
        if value is None:
            return None
        return int((Decimal(value) * 100).to_integral_value())

    def process_result_value(self, value: int | None, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


class Money(_Hundredths):
    """Euros as ``Decimal``, stored as whole cents so that no database ever sees a float."""

    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> int | None:
        if value is not None:
            if not isinstance(value, Decimal):
                raise TypeError("money must be a Decimal")
            cents = value * 100
            if cents != cents.to_integral_value():
                raise ValueError(f"{value} has fractions of a cent; round it first")
        return super().process_bind_param(value, dialect)


class Hours(_Hundredths):
    """Hours to the hundredth, stored as an integer to stay exact on SQLite."""

    cache_ok = True


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class IdMixin:
    id: Mapped[int] = mapped_column(primary_key=True)


def owned_rows(back_populates: str, *, order_by: str | bool = False, lazy: str = "selectin") -> Any:
    """The one-to-many list of rows a parent owns: saved and deleted with the parent."""
    return relationship(
        back_populates=back_populates, cascade="all, delete-orphan", lazy=lazy, order_by=order_by
    )


def owner_key(owner_table: str, **column: Any) -> Any:
    """The key to the row of ``owner_table`` this row belongs to, deleted along with it.

    The database cascades the delete itself (``ON DELETE CASCADE``), so rows go with their
    owner even when the owner is deleted by a bulk statement that bypasses the ORM.
    ``column`` holds further ``mapped_column`` options (``index=True``, ``unique=True``).
    """
    return mapped_column(ForeignKey(f"{owner_table}.id", ondelete="CASCADE"), **column)


def reference_key(table: str, **column: Any) -> Any:
    """The key to a row of ``table`` that this row outlives: set to NULL when it is deleted.

    The row keeps its own history when the row it points to is deleted (a seat group, an
    output): only the link is lost. ``column`` holds further ``mapped_column`` options.
    """
    return mapped_column(ForeignKey(f"{table}.id", ondelete="SET NULL"), **column)


class TimeSpanMixin:
    """For rows with ``starts_at`` and ``ends_at`` columns (meetings, expert assignments)."""

    starts_at: Any
    ends_at: Any

    @property
    def duration_hours(self) -> Decimal:
        """The length in hours, to the hundredth."""
        return hours_between(self.starts_at, self.ends_at)


class _AppBoundSession(Session):
    """A session that uses the engine of the application it runs in."""

    def get_bind(self, mapper: Any = None, clause: Any = None, **kwargs: Any) -> Any:
        return current_app.extensions["portal.db"].engine


def _context_identity() -> int:
    # Each request gets its own session even when it reuses an outer application context
    # (as in tests); CLI commands and jobs get one per application context.
    request_context = _cv_request.get(None)
    return id(request_context if request_context is not None else _cv_app.get(None))


class Database:
    """The engine and one session per application context (request, CLI command, job)."""

    def __init__(self) -> None:
        self.session: scoped_session[Session] = scoped_session(
            sessionmaker(class_=_AppBoundSession, expire_on_commit=False),
            scopefunc=_context_identity,
        )

    def init_app(self, app: Flask, url: str) -> None:
        state = _EngineState(create_portal_engine(url))
        app.extensions["portal.db"] = state
        app.teardown_request(self._remove_session)
        app.teardown_appcontext(self._remove_session)

    def _remove_session(self, exc: BaseException | None) -> None:
        self.session.remove()

    @property
    def engine(self) -> Engine:
        return current_app.extensions["portal.db"].engine

    def get_or_404(self, model: type[Any], ident: Any) -> Any:
        from flask import abort

        obj = self.session.get(model, ident)
        if obj is None:
            abort(404)
        return obj

    def all(self, statement: Any) -> list[Any]:
        """Every object ``statement`` selects, as a list."""
        return list(self.session.scalars(statement))

    def first_or_404(self, statement: Any) -> Any:
        from flask import abort

        obj = self.session.scalars(statement).first()
        if obj is None:
            abort(404)
        return obj

    def is_reachable(self) -> bool:
        try:
            self.session.execute(select(1))
        except Exception:
            self.session.rollback()
            return False
        return True


class _EngineState:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine


def create_portal_engine(url: str) -> Engine:
    """Create an engine with the settings the portal relies on for each database."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=10)
    _ping_idle_connections(engine)
    return engine


#: A pooled server connection unused for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 10.0


def _ping_idle_connections(engine: Engine) -> None:
    """Ping a pooled connection before use only when it has been idle for a while.

    ``pool_pre_ping`` would cost a round trip on every request. Connections that are lost in
    practice are the ones left idle (server restarts, idle timeouts in between); one in
    steady use has just proven itself. A failed ping raises ``DisconnectionError``, so the
    pool throws the connection away and hands out a fresh one, as ``pool_pre_ping`` does.
    """

    @event.listens_for(engine, "checkin")
    def _remember_checkin(dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get("checked_in_at")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(str(error)) from error
        if not alive:
            raise DisconnectionError("the database did not answer the ping")


def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers work while a writer commits.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
