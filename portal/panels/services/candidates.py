"""Candidates: people added by address, from the resident pool or from an uploaded list."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from portal.accounts.models import User
from portal.core.db import utcnow
from portal.extensions import db
from portal.panels.features import feature_values, user_features
from portal.panels.models import (
    Panel,
    PanelCandidate,
    PanelStatus,
)
from portal.panels.selection import (
    Feasibility,
    check_feasibility,
)
from portal.panels.selection_io import (
    CsvFormatError,
    parse_people,
)
from portal.panels.services._common import (
    PanelError,
    _snapshot_candidates,
    _sync_activity,
    active_candidates,
    audit,
    categories_of,
    has_draw,
    panel_activity,
)
from portal.pool.services import invitation_respondents


def _new_pseudonyms(panel: Panel, count: int) -> list[str]:
    taken = set(
        db.session.scalars(
            select(PanelCandidate.pseudonym).where(PanelCandidate.panel_id == panel.id)
        )
    )
    result: list[str] = []
    while len(result) < count:
        # Random, not sequential: a published id must not hint at who signed up when.
        pseudonym = f"c{secrets.token_hex(4)}"
        if pseudonym not in taken:
            taken.add(pseudonym)
            result.append(pseudonym)
    return result


def _ensure_open(panel: Panel) -> None:
    if panel.status in (PanelStatus.DRAWN, PanelStatus.CLOSED) or has_draw(panel):
        raise PanelError("already_drawn")


def _add_users(panel: Panel, users: list[User], source: str) -> int:
    present = set(
        db.session.scalars(
            select(PanelCandidate.user_id).where(
                PanelCandidate.panel_id == panel.id, PanelCandidate.user_id.is_not(None)
            )
        )
    )
    fresh = [u for u in users if u.id not in present and u.erased_at is None]
    today = panel.starts_on or date.today()
    for user, pseudonym in zip(fresh, _new_pseudonyms(panel, len(fresh)), strict=True):
        db.session.add(
            PanelCandidate(
                panel_id=panel.id,
                user_id=user.id,
                pseudonym=pseudonym,
                source=source,
                features=user_features(user, panel.features, panel.municipality_groups, today),
            )
        )
    db.session.flush()
    return len(fresh)


def _add_users_and_commit(actor: User, panel: Panel, users: list[User], source: str) -> int:
    added = _add_users(panel, users, source)
    audit(actor, "candidates_added", "panel", panel.id, added=added, source=source)
    db.session.commit()
    return added


def add_candidates_by_email(*, actor: User, panel: Panel, emails: list[str]) -> tuple[int, int]:
    """Add registered people as candidates; returns (added, addresses not found)."""
    _ensure_open(panel)
    wanted = {e.strip().lower() for e in emails if e.strip()}
    users = db.all(select(User).where(User.email.in_(wanted)).order_by(User.id))
    added = _add_users_and_commit(actor, panel, users, "manual")
    return added, len(wanted) - len(users)


def import_pool_respondents(*, actor: User, panel: Panel) -> int:
    """Add the pool members who answered yes to this panel's invitation."""
    _ensure_open(panel)
    activity = panel_activity(panel) or _sync_activity(panel)
    users = list(invitation_respondents(activity_id=activity.id, answer="yes"))
    return _add_users_and_commit(actor, panel, users, "pool")


def upload_candidates(*, actor: User, panel: Panel, text: str) -> int:
    """Add candidates from a people list (``id`` plus one column per stratified feature)."""
    _ensure_open(panel)
    try:
        people = parse_people(text.lstrip("\ufeff"), list(panel.features))
    except CsvFormatError as error:
        raise PanelError("csv_format", problems=list(error.problems)) from error
    allowed = {f: set(feature_values(f, panel.municipality_groups)) for f in panel.features}
    bad = [
        (person.id, feature, value)
        for person in people
        for feature, value in person.features.items()
        if value not in allowed[feature]
    ]
    if bad:
        raise PanelError("csv_values", rows=bad[:10], count=len(bad))
    known = set(
        db.session.scalars(
            select(PanelCandidate.external_ref).where(
                PanelCandidate.panel_id == panel.id, PanelCandidate.external_ref != ""
            )
        )
    )
    fresh = [p for p in people if p.id not in known]
    for person, pseudonym in zip(fresh, _new_pseudonyms(panel, len(fresh)), strict=True):
        db.session.add(
            PanelCandidate(
                panel_id=panel.id,
                pseudonym=pseudonym,
                external_ref=person.id[:80],
                source="upload",
                features=dict(person.features),
            )
        )
    audit(actor, "candidates_added", "panel", panel.id, added=len(fresh), source="upload")
    db.session.commit()
    return len(fresh)


def withdraw_candidate(*, actor: User, panel: Panel, candidate: PanelCandidate) -> None:
    """Take a candidate off the list before the draw (they are kept, marked withdrawn)."""
    _ensure_open(panel)
    candidate.withdrawn_at = utcnow()
    audit(actor, "candidate_withdrawn", "panel_candidate", candidate.id, panel_id=panel.id)
    db.session.commit()


@dataclass(frozen=True)
class QuotaCheck:
    """Feasibility of the quotas for the current candidates, with uncovered values."""

    feasibility: Feasibility | None
    uncovered: list[tuple[str, str, int]]  # feature, value, candidates with no quota row
    candidates: int


def check_quotas(panel: Panel, candidates: list[PanelCandidate] | None = None) -> QuotaCheck:
    """Whether a panel can be drawn from the current candidates, and if not, why."""
    candidates = active_candidates(panel) if candidates is None else candidates
    covered = {(q["feature"], q["value"]) for q in panel.quotas}
    counts: Counter[tuple[str, str]] = Counter()
    for candidate in candidates:
        for feature in panel.features:
            value = candidate.features.get(feature, "")
            if (feature, value) not in covered:
                counts[(feature, value)] += 1
    uncovered = [(f, v, n) for (f, v), n in sorted(counts.items())]
    if uncovered or not candidates:
        return QuotaCheck(None, uncovered, len(candidates))
    report = check_feasibility(
        _snapshot_candidates(panel, candidates), categories_of(panel.quotas), panel.size
    )
    return QuotaCheck(report, [], len(candidates))
