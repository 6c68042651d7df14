"""A person's own candidacies: their chances, and their data export and erasure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.panels.models import (
    DrawStatus,
    Panel,
    PanelCandidate,
    PanelMember,
)
from portal.panels.services._common import (
    current_draw,
)


@dataclass(frozen=True)
class OwnChance:
    panel: Panel
    probability: float | None
    selected: bool
    status: str


def own_chances(user: User) -> list[OwnChance]:
    """The user's own candidacies: their selection probability and whether they were drawn."""
    rows = db.session.execute(
        select(PanelCandidate, Panel)
        .join(Panel, Panel.id == PanelCandidate.panel_id)
        .where(PanelCandidate.user_id == user.id)
        .order_by(Panel.created_at.desc())
    ).all()
    result = []
    for candidate, panel in rows:
        draw = current_draw(panel)
        member = db.session.scalars(
            select(PanelMember).where(PanelMember.candidate_id == candidate.id)
        ).first()
        probability = None
        if draw is not None and draw.status == DrawStatus.DONE:
            probability = draw.probabilities.get(candidate.pseudonym)
        result.append(
            OwnChance(
                panel=panel,
                probability=probability,
                selected=member is not None,
                status=member.status if member is not None else "",
            )
        )
    return result


def export_personal_data(user: User) -> list[dict[str, Any]]:
    return [
        {
            "panel": chance.panel.question,
            "selection_probability": chance.probability,
            "selected": chance.selected,
            "member_status": chance.status,
        }
        for chance in own_chances(user)
    ]


def erase_personal_data(user: User) -> None:
    # The pseudonymous row stays so published draws and composition figures stay correct;
    # only the link to the person goes.
    for candidate in db.session.scalars(
        select(PanelCandidate).where(PanelCandidate.user_id == user.id)
    ):
        candidate.user_id = None
        candidate.external_ref = ""
    db.session.flush()
