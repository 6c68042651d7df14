"""The command-line reminders run once per invitation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from portal.core.db import utcnow
from portal.pool.models import PoolInvitation
from portal.pool.services import create_invitation


def test_remind_command_reminds_once(
    db: Any, runner: Any, create_user: Any, make_member: Any, activity: Any, mailbox: Any
) -> None:
    coordinator = create_user("coordinator")
    make_member(email="late@example.fi", locale="sv", language="sv")
    invitation = create_invitation(actor=coordinator, activity=activity)
    assert "reminders sent: 0" in runner.invoke(args=["pool", "remind"]).output  # too early
    db.session.execute(
        update(PoolInvitation)
        .where(PoolInvitation.id == invitation.id)
        .values(created_at=utcnow() - timedelta(days=8))
    )
    db.session.commit()
    assert "reminders sent: 1" in runner.invoke(args=["pool", "remind"]).output
    assert "reminders sent: 0" in runner.invoke(args=["pool", "remind"]).output
    reminder = mailbox.wait_for("late@example.fi", count=2)[1]
    assert reminder["Subject"].startswith("Påminnelse")  # the member's own language
