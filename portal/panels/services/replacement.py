"""Members who drop out are replaced by a draw that keeps every quota; paper members get linked."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import User
from portal.core.db import utcnow
from portal.extensions import db
from portal.panels.messages import explanation_data
from portal.panels.models import (
    DrawKind,
    DrawStatus,
    MemberStatus,
    Panel,
    PanelCandidate,
    PanelDraw,
    PanelMember,
)
from portal.panels.selection import (
    draw_replacement,
)
from portal.panels.services._common import (
    PanelError,
    _candidates_by_pseudonym,
    _notify_selected,
    _snapshot_candidates,
    active_candidates,
    audit,
    categories_of,
    current_draw,
    panel_members,
)


def replace_member(*, actor: User, panel: Panel, member: PanelMember, seed: str) -> PanelDraw:
    """Mark a member as dropped out and draw a replacement who keeps every quota.

    Raises ``PanelError("replacement_infeasible", explanation=...)`` and changes nothing
    when no unselected candidate can take the seat within the quotas.
    """
    if member.panel_id != panel.id or member.status != MemberStatus.ACTIVE:
        raise PanelError("not_member")
    original = current_draw(panel)
    if original is None or original.status != DrawStatus.DONE:
        raise PanelError("not_drawn")
    members = panel_members(panel)
    previous = sorted(m.candidate.pseudonym for m in members)
    candidates = active_candidates(panel)
    on_panel = {m.candidate_id for m in panel_members(panel, include_dropped=True)}
    # Everyone who was ever on the panel stays in the snapshot; dropped members are excluded
    # from drawing by the selection, and people who left earlier must not be drawn back.
    snapshot_rows = [c for c in candidates if c.id not in on_panel or c.pseudonym in previous]
    categories = categories_of(panel.quotas)
    dropped = member.candidate.pseudonym
    replacement = draw_replacement(
        previous,
        [dropped],
        _snapshot_candidates(panel, snapshot_rows),
        categories,
        seed.strip(),
    )
    if not replacement.possible:
        raise PanelError("replacement_infeasible", explanation=explanation_data(replacement))
    draw = PanelDraw(
        panel_id=panel.id,
        kind=DrawKind.REPLACEMENT,
        status=DrawStatus.DONE,
        method="replacement",
        seed=seed.strip(),
        size=len(previous),
        snapshot=[
            {
                "id": c.pseudonym,
                "features": {f: c.features.get(f, "") for f in panel.features},
            }
            for c in sorted(snapshot_rows, key=lambda c: c.pseudonym)
        ],
        quotas=[dict(q) for q in panel.quotas],
        selected=list(replacement.panel),
        previous_panel=previous,
        dropped=[dropped],
        replacements=list(replacement.replacements),
        created_by_id=actor.id,
        finished_at=utcnow(),
    )
    db.session.add(draw)
    db.session.flush()
    member.status = MemberStatus.DROPPED
    member.dropped_at = utcnow()
    incoming = _candidates_by_pseudonym(panel, replacement.replacements)
    for pseudonym in replacement.replacements:
        db.session.add(
            PanelMember(panel_id=panel.id, candidate_id=incoming[pseudonym].id, draw_id=draw.id)
        )
    _notify_selected(panel, list(incoming.values()))
    audit(
        actor,
        "replace",
        "panel_draw",
        draw.id,
        panel_id=panel.id,
        seed=draw.seed,
        dropped_candidate_id=member.candidate_id,
        replacement_candidate_ids=sorted(c.id for c in incoming.values()),
    )
    db.session.commit()
    return draw


def link_member_account(*, actor: User, panel: Panel, member: PanelMember, email: str) -> User:
    """Link a member drawn from an uploaded list to their portal account.

    Attendance, fees and the member's own view of their chance need an account; people
    who signed up on paper get one from the coordinator and are linked here.
    """
    if member.panel_id != panel.id:
        raise PanelError("not_member")
    candidate = member.candidate
    if candidate.user_id is not None:
        raise PanelError("already_linked")
    user = db.session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise PanelError("no_account")
    taken = db.session.scalar(
        select(PanelCandidate.id).where(
            PanelCandidate.panel_id == panel.id, PanelCandidate.user_id == user.id
        )
    )
    if taken is not None:
        raise PanelError("already_candidate")
    candidate.user_id = user.id
    audit(
        actor, "member_linked", "panel_candidate", candidate.id, panel_id=panel.id, user_id=user.id
    )
    db.session.commit()
    return user
