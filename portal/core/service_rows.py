"""Rows that are kept one per key: found, or added when there is none yet."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select

from portal.extensions import db

Row = TypeVar("Row")


def row_for_key(model: type[Row], **key: Any) -> Row:
    """The row of ``model`` with the column values ``key``; a new one (added) if none."""
    row = db.session.scalars(select(model).filter_by(**key)).first()
    if row is None:
        row = model(**key)
        db.session.add(row)
    return row
