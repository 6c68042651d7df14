"""Narrowing a listing's query by the filters a person picked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select


def where_equal(
    query: Select, criteria: Any, model: Any, fields: Iterable[tuple[str, str]]
) -> Select:
    """Keep the rows whose column equals each criterion that is set.

    ``fields`` pairs a criterion's attribute name with the column it picks a value of; an
    empty criterion (``None``, ``""``, ``0``) does not narrow the query.
    """
    for name, column in fields:
        value = getattr(criteria, name)
        if value:
            query = query.where(getattr(model, column) == value)
    return query
