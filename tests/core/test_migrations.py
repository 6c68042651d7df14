"""The migrations and the models agree, and every revision goes up and down."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from portal.core.cli import alembic_config
from portal.core.db import create_portal_engine
from portal.models import metadata
from tests.conftest import temporary_database


def _diff(url: str) -> list[Any]:
    engine = create_portal_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, metadata)
    engine.dispose()
    return diff


def test_models_match_migrations(app: Any, backend: str, tmp_path: Any) -> None:
    with temporary_database(backend, tmp_path) as url:
        command.upgrade(alembic_config(url), "head")
        assert _diff(url) == []


def test_every_revision_goes_down_and_up(app: Any, backend: str, tmp_path: Any) -> None:
    with temporary_database(backend, tmp_path) as url:
        cfg = alembic_config(url)
        revisions = list(ScriptDirectory.from_config(cfg).walk_revisions("base", "heads"))
        assert revisions, "no migrations found"
        command.upgrade(cfg, "head")
        command.downgrade(cfg, "base")
        engine = create_portal_engine(url)
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
        engine.dispose()
        assert tables == set()
        command.upgrade(cfg, "head")
        engine = create_portal_engine(url)
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM municipalities")).scalar_one()
        engine.dispose()
        assert count == 23


def test_single_head(app: Any) -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
