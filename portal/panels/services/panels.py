"""Setting a panel up: its question, size, stratified features and quotas."""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict, Unpack

from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.impact.models import Activity
from portal.panels.features import proposed_quotas, user_features
from portal.panels.models import (
    Panel,
    PanelStatus,
)
from portal.panels.services._common import (
    SOURCE_TYPE,
    PanelError,
    _sync_activity,
    active_candidates,
    audit,
    has_draw,
)


def activity_pays_fee(activity_id: int) -> bool:
    """Whether attended sessions of the panel behind an activity are paid a fee.

    For the fees domain: participations with ``event_type=EventType.PANEL_SESSION`` are payable
    only when this is true.
    """
    return bool(
        db.session.scalar(
            select(Panel.pays_fee)
            .join(
                Activity,
                (Activity.source_id == Panel.id) & (Activity.source_type == SOURCE_TYPE),
            )
            .where(Activity.id == activity_id)
        )
    )


class PanelFields(TypedDict):
    """What a coordinator enters about a panel: the fields of :func:`create_panel` and
    :func:`update_panel`, declared once so the two cannot drift apart."""

    question: str
    description: str
    size: int
    starts_on: date | None
    ends_on: date | None
    features: list[str]
    municipality_groups: dict[str, list[str]]
    pays_fee: bool


def _stored_fields(fields: PanelFields) -> dict[str, Any]:
    """The fields in their declared order, the lists and mappings copied so that the panel
    never shares them with the caller."""
    stored: dict[str, Any] = {name: fields[name] for name in PanelFields.__annotations__}
    stored["features"] = list(fields["features"])
    stored["municipality_groups"] = dict(fields["municipality_groups"])
    return stored


def create_panel(*, actor: User, **fields: Unpack[PanelFields]) -> Panel:
    """Create a draft panel with quotas proposed from the county population."""
    stored = _stored_fields(fields)
    panel = Panel(
        **stored,
        created_by_id=actor.id,
        quotas=proposed_quotas(stored["features"], stored["municipality_groups"], stored["size"]),
    )
    db.session.add(panel)
    db.session.flush()
    _sync_activity(panel)
    audit(actor, "create", "panel", panel.id, size=panel.size, features=list(panel.features))
    db.session.commit()
    return panel


def update_panel(*, actor: User, panel: Panel, **fields: Unpack[PanelFields]) -> bool:
    """Change a panel; returns True when the quotas were proposed anew.

    Size and features are fixed once the panel has been drawn. Changing them before
    proposes the quotas again, since the old ones would no longer fit.
    """
    stored = _stored_fields(fields)
    structural = (
        stored["size"] != panel.size
        or stored["features"] != list(panel.features)
        or stored["municipality_groups"] != dict(panel.municipality_groups)
    )
    if structural and has_draw(panel):
        raise PanelError("already_drawn")
    changed = [name for name, value in stored.items() if getattr(panel, name) != value]
    for name, value in stored.items():
        setattr(panel, name, value)
    if structural:
        panel.quotas = proposed_quotas(panel.features, panel.municipality_groups, panel.size)
        _refresh_candidate_features(panel)
    _sync_activity(panel)
    audit(actor, "update", "panel", panel.id, fields=changed)
    db.session.commit()
    return structural


def _refresh_candidate_features(panel: Panel) -> None:
    """Recompute the feature values of candidates with an account after a feature change."""
    today = panel.starts_on or date.today()
    for candidate in active_candidates(panel):
        if candidate.user is not None:
            candidate.features = user_features(
                candidate.user, panel.features, panel.municipality_groups, today
            )


def publish_panel(*, actor: User, panel: Panel) -> Panel:
    """Make a draft panel public (recruiting); its page and report become visible."""
    if panel.status != PanelStatus.DRAFT:
        raise PanelError("not_draft")
    return _change_status(actor, panel, PanelStatus.RECRUITING, "publish")


def close_panel(*, actor: User, panel: Panel) -> Panel:
    """Mark that the panel has finished its work."""
    return _change_status(actor, panel, PanelStatus.CLOSED, "close")


def _change_status(actor: User, panel: Panel, status: PanelStatus, action: str) -> Panel:
    panel.status = status
    _sync_activity(panel)
    audit(actor, action, "panel", panel.id, status=panel.status)
    db.session.commit()
    return panel


def update_quotas(*, actor: User, panel: Panel, bounds: list[tuple[int, int]]) -> Panel:
    """Set the min/max of every quota row (in the order of ``panel.quotas``)."""
    if has_draw(panel):
        raise PanelError("already_drawn")
    if len(bounds) != len(panel.quotas):
        raise PanelError("quota_rows")
    rows = []
    for quota, (low, high) in zip(panel.quotas, bounds, strict=True):
        if low < 0 or high < low or high > panel.size:
            raise PanelError("quota_bounds")
        rows.append({**quota, "min": int(low), "max": int(high)})
    panel.quotas = rows
    audit(
        actor,
        "quotas",
        "panel",
        panel.id,
        quotas=[[q["feature"], q["value"], q["min"], q["max"]] for q in rows],
    )
    db.session.commit()
    return panel


def reset_quotas(*, actor: User, panel: Panel) -> Panel:
    """Propose the quotas again from the county population."""
    if has_draw(panel):
        raise PanelError("already_drawn")
    panel.quotas = proposed_quotas(list(panel.features), panel.municipality_groups, panel.size)
    audit(actor, "quotas_proposed", "panel", panel.id, rows=len(panel.quotas))
    db.session.commit()
    return panel


def recruiting_panels() -> list[Panel]:
    """Public panels still gathering candidates, the soonest to start first."""
    return db.all(
        select(Panel)
        .where(Panel.status == PanelStatus.RECRUITING)
        .order_by(Panel.starts_on.asc().nulls_last(), Panel.id.desc())
    )
