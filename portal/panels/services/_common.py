"""What the panel services share: the error, the impact-chain activity, common queries."""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select

from portal.accounts.models import User
from portal.core.audit import DomainAudit
from portal.core.errors import DomainError
from portal.core.mail import mail_person
from portal.core.urls import external_url
from portal.extensions import db
from portal.impact.models import Activity, ActivityKind, ActivityStatus
from portal.impact.services import (
    register_activity,
)
from portal.panels.models import (
    DrawKind,
    DrawStatus,
    MemberStatus,
    Panel,
    PanelCandidate,
    PanelDraw,
    PanelMember,
    PanelStatus,
)
from portal.panels.selection import (
    Candidate,
    Category,
)

audit = DomainAudit("panels")
"""Add a ``panels.<action>`` audit entry to the current transaction (no personal data)."""

log = logging.getLogger(__name__)


SOURCE_TYPE = "panel"

METHODS = ("leximin", "legacy")


class PanelError(DomainError):
    """A panel rule was broken; ``code`` names it for a translated message."""


def _sync_activity(panel: Panel) -> Activity:
    status = {
        PanelStatus.DRAFT: ActivityStatus.PLANNED,
        PanelStatus.CLOSED: ActivityStatus.CLOSED,
    }.get(PanelStatus(panel.status), ActivityStatus.OPEN)
    return register_activity(
        kind=ActivityKind.PANEL,
        title=panel.question,
        source_type=SOURCE_TYPE,
        source_id=panel.id,
        starts_on=panel.starts_on,
        ends_on=panel.ends_on,
        status=status,
    )


def _audit_draw(
    actor: User | None, action: str, draw: PanelDraw, candidates: list[Any], **details: Any
) -> None:
    """Audit a step of a draw with what it drew from: the method, seed and candidates."""
    audit(
        actor,
        action,
        "panel_draw",
        draw.id,
        panel_id=draw.panel_id,
        method=draw.method,
        seed=draw.seed,
        candidates=len(candidates),
        **details,
    )


def panel_activity(panel: Panel) -> Activity | None:
    return db.session.scalars(
        select(Activity).where(Activity.source_type == SOURCE_TYPE, Activity.source_id == panel.id)
    ).first()


def has_draw(panel: Panel) -> bool:
    """Whether the panel has a finished draw (its size, features and quotas are then fixed)."""
    return (
        db.session.scalar(
            select(PanelDraw.id).where(
                PanelDraw.panel_id == panel.id, PanelDraw.status == DrawStatus.DONE
            )
        )
        is not None
    )


def categories_of(quotas: list[dict[str, Any]]) -> list[Category]:
    return [Category(q["feature"], q["value"], int(q["min"]), int(q["max"])) for q in quotas]


def active_candidates(panel: Panel) -> list[PanelCandidate]:
    return db.all(
        select(PanelCandidate)
        .where(
            PanelCandidate.panel_id == panel.id,
            PanelCandidate.withdrawn_at.is_(None),
        )
        .order_by(PanelCandidate.id)
    )


def _snapshot_candidates(panel: Panel, candidates: list[PanelCandidate]) -> list[Candidate]:
    return [
        Candidate(c.pseudonym, {f: c.features.get(f, "") for f in panel.features})
        for c in candidates
    ]


def _candidates_by_pseudonym(panel: Panel, pseudonyms: Any) -> dict[str, PanelCandidate]:
    return {
        c.pseudonym: c
        for c in db.session.scalars(
            select(PanelCandidate).where(
                PanelCandidate.panel_id == panel.id,
                PanelCandidate.pseudonym.in_(list(pseudonyms)),
            )
        )
    }


def panel_members(panel: Panel, *, include_dropped: bool = False) -> list[PanelMember]:
    query = select(PanelMember).where(PanelMember.panel_id == panel.id)
    if not include_dropped:
        query = query.where(PanelMember.status == MemberStatus.ACTIVE)
    members = db.all(query.order_by(PanelMember.id))
    return sorted(members, key=lambda m: (m.status, m.candidate.pseudonym))


def current_draw(panel: Panel) -> PanelDraw | None:
    """The panel's full draw to show: the one under way, else the newest finished one, else
    the newest failed or infeasible one (so a failed attempt never hides a finished draw)."""
    rank = case(
        (PanelDraw.status.in_([DrawStatus.QUEUED, DrawStatus.RUNNING]), 0),
        (PanelDraw.status == DrawStatus.DONE, 1),
        else_=2,
    )
    return db.session.scalars(
        select(PanelDraw)
        .where(PanelDraw.panel_id == panel.id, PanelDraw.kind == DrawKind.DRAW)
        .order_by(rank, PanelDraw.id.desc())
        .limit(1)
    ).first()


def _notify_selected(panel: Panel, candidates: list[PanelCandidate]) -> None:
    """Tell the drawn people with an email address (the mail goes after the commit)."""
    for candidate in candidates:
        user = candidate.user
        if user is None or not user.email or user.erased_at is not None:
            continue
        mail_person(
            user,
            subject=_l("You have been drawn to a resident panel"),
            template="panels/emails/selected",
            name=user.display_name,
            question=panel.question,
            starts_on=panel.starts_on,
            panel_url=external_url("panels.show_panel", panel_id=panel.id),
            my_url=external_url("panels.my_chances"),
        )
