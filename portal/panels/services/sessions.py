"""The panel's workspace: sessions and their attendance, and background material."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import User
from portal.core.db import utcnow
from portal.extensions import db
from portal.impact.models import Attendance, EventType, Participation
from portal.impact.services import (
    record_participation,
)
from portal.panels.models import (
    Panel,
    PanelMaterial,
    PanelSession,
)
from portal.panels.services._common import (
    PanelError,
    _sync_activity,
    audit,
    panel_activity,
    panel_members,
)


def add_session(
    *,
    actor: User,
    panel: Panel,
    title: str,
    held_on: date,
    hours: Decimal,
    location: str,
) -> PanelSession:
    """Plan a meeting of the panel."""
    session = PanelSession(
        panel_id=panel.id, title=title, held_on=held_on, hours=hours, location=location
    )
    db.session.add(session)
    db.session.flush()
    audit(actor, "session_added", "panel_session", session.id, panel_id=panel.id)
    db.session.commit()
    return session


def session_attendance(session: PanelSession) -> dict[int, str]:
    """user id -> attendance recorded for the session."""
    rows = db.session.execute(
        select(Participation.user_id, Participation.attendance).where(
            Participation.event_type == EventType.PANEL_SESSION,
            Participation.event_id == session.id,
        )
    )
    return {user_id: attendance for user_id, attendance in rows}


def record_attendance(
    *, actor: User, panel: Panel, session: PanelSession, attendance: dict[int, str]
) -> int:
    """Record who attended (member id -> present/remote/absent) as participations.

    Participations of attended sessions are what the fees domain pays when the panel pays a
    fee; members without a portal account cannot be recorded and are skipped.
    """
    if session.panel_id != panel.id:
        raise PanelError("not_member")
    activity = panel_activity(panel) or _sync_activity(panel)
    members = {m.id: m for m in panel_members(panel, include_dropped=True)}
    recorded = 0
    for member_id, state in attendance.items():
        member = members.get(member_id)
        if member is None or member.candidate.user is None:
            continue
        if state not in (Attendance.PRESENT, Attendance.REMOTE, Attendance.ABSENT):
            raise PanelError("attendance")
        record_participation(
            activity=activity,
            user=member.candidate.user,
            occurred_on=session.held_on,
            hours=session.hours,
            attendance=state,
            role="panelist",
            event_type=EventType.PANEL_SESSION,
            event_id=session.id,
        )
        recorded += 1
    session.attendance_recorded_at = utcnow()
    audit(
        actor,
        "attendance",
        "panel_session",
        session.id,
        panel_id=panel.id,
        recorded=recorded,
        pays_fee=panel.pays_fee,
    )
    db.session.commit()
    return recorded


def add_material(*, actor: User, panel: Panel, title: str, url: str, text: str) -> PanelMaterial:
    """Add a link or a short text to the panel's materials."""
    if not url and not text:
        raise PanelError("material_empty")
    material = PanelMaterial(panel_id=panel.id, title=title, url=url, text=text)
    db.session.add(material)
    db.session.commit()
    return material
