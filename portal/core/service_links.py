"""Turning the secret of an emailed link back into what it was issued for.

Every dead link (unknown, used, expired, or pointing at a row that is gone or belongs to
someone else) raises the domain's error with the one code ``invalid_link``, so the person
following it is told the same thing in each case.
"""

from __future__ import annotations

from typing import Any, TypeVar

from portal.core.errors import DomainError
from portal.core.models import OneTimeToken
from portal.core.tokens import TokenInvalid, consume_token, peek_token
from portal.extensions import db

Row = TypeVar("Row")


def link_token(
    secret: str, *, purpose: str, error: type[DomainError], use_up: bool = False
) -> OneTimeToken:
    """The live token behind a link; ``use_up`` makes the link unusable afterwards."""
    try:
        return (consume_token if use_up else peek_token)(secret, purpose=purpose)
    except TokenInvalid as exc:
        raise error("invalid_link") from exc


def row_for_link(
    secret: str, *, purpose: str, model: type[Row], owner: str, error: type[DomainError]
) -> Row:
    """The row whose id a link was issued for, without using the link up.

    ``owner`` names the row's user-id column, which must be the user the link was sent to.
    """
    token = link_token(secret, purpose=purpose, error=error)
    row: Any = db.session.get(model, int(token.subject or 0))
    if row is None or getattr(row, owner) != token.user_id:
        raise error("invalid_link")
    return row
