"""Reading initiatives: lists, support counts and progress, similar titles, choices."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select

from portal.accounts.models import OrgUnit, OrgUnitKind, User
from portal.core.models import Municipality
from portal.extensions import db
from portal.initiatives import rules
from portal.initiatives.models import (
    PUBLIC_STATES,
    Initiative,
    Initiator,
    Support,
)
from portal.initiatives.services._common import S
from portal.initiatives.services.settings import rule_for_year
from portal.initiatives.similarity import similar_titles


def support_count(initiative: Initiative) -> int:
    return int(
        db.session.scalar(
            select(func.count(Support.id)).where(
                Support.initiative_id == initiative.id, Support.confirmed_at.is_not(None)
            )
        )
        or 0
    )


def support_counts(ids: Iterable[int]) -> dict[int, int]:
    """Confirmed supports of several initiatives in one query."""
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Support.initiative_id, func.count(Support.id))
        .where(Support.initiative_id.in_(ids), Support.confirmed_at.is_not(None))
        .group_by(Support.initiative_id)
    )
    counts = dict.fromkeys(ids, 0)
    counts.update({int(ident): int(count) for ident, count in rows})
    return counts


def progress_of(initiative: Initiative, *, count: int | None = None) -> rules.Progress:
    """Supports against the threshold: frozen at submission, otherwise this year's rule."""
    supports = support_count(initiative) if count is None else count
    if initiative.threshold_at_submission is not None:
        return rules.Progress(
            supports=initiative.support_count_at_submission or 0,
            threshold=initiative.threshold_at_submission,
        )
    return rules.Progress(supports=supports, threshold=rule_for_year(date.today().year).threshold)


def public_initiatives(*, state: str | None = None, search: str = "") -> Select[Any]:
    query = select(Initiative).where(Initiative.state.in_([str(s) for s in PUBLIC_STATES]))
    if state in {str(s) for s in PUBLIC_STATES}:
        query = query.where(Initiative.state == state)
    if search:
        query = query.where(func.lower(Initiative.title).like(f"%{search.lower()}%"))
    return query.order_by(Initiative.published_at.desc(), Initiative.id.desc())


def initiatives_of(user: User) -> list[Initiative]:
    return list(
        db.session.scalars(
            select(Initiative)
            .join(Initiator, Initiator.initiative_id == Initiative.id)
            .where(Initiator.user_id == user.id)
            .order_by(Initiative.created_at.desc())
        ).unique()
    )


def is_initiator(user: Any, initiative: Initiative) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.id in initiative.initiator_user_ids()
    )


def similar_initiatives(
    title: str, *, exclude_id: int | None = None, limit: int = 5
) -> list[Initiative]:
    """Public (or in-check) initiatives whose titles resemble ``title``, most similar first."""
    visible = [str(s) for s in (*PUBLIC_STATES, S.CHECKING)]
    candidates = db.session.execute(
        select(Initiative.id, Initiative.title).where(
            Initiative.state.in_(visible), Initiative.id != (exclude_id or 0)
        )
    ).all()
    found = similar_titles(title, [(row.id, row.title) for row in candidates], limit=limit)
    if not found:
        return []
    by_id = {
        i.id: i
        for i in db.session.scalars(
            select(Initiative).where(Initiative.id.in_([ident for ident, _ in found]))
        )
    }
    return [by_id[ident] for ident, _ in found if by_id[ident].state in PUBLIC_STATES]


def service_areas() -> list[OrgUnit]:
    return db.all(
        select(OrgUnit).where(OrgUnit.kind == OrgUnitKind.SERVICE_AREA).order_by(OrgUnit.name_fi)
    )


def municipalities() -> list[Municipality]:
    return db.all(select(Municipality).order_by(Municipality.name_fi))
