"""Reminders and retention: by command and as daily periodic tasks, once per invitation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from portal.core.db import utcnow
from portal.core.domains import periodic_tasks
from portal.pool.models import PoolInvitation, PoolMember
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


def _pool_periodic(app: Any, name: str) -> Any:
    return next(periodic for periodic in periodic_tasks(app) if periodic.name == name)


def test_pool_periodic_tasks_run_once_a_day(app: Any) -> None:
    day = datetime(2026, 12, 2, tzinfo=UTC)
    minutes = [day + timedelta(minutes=n) for n in range(24 * 60)]
    for name in ("pool.retention", "pool.remind"):
        schedule = _pool_periodic(app, name).schedule
        assert sum(1 for minute in minutes if schedule(minute)) == 1, name


def test_periodic_reminders_remind_once(
    app: Any, db: Any, create_user: Any, make_member: Any, activity: Any, mailbox: Any
) -> None:
    coordinator = create_user("coordinator")
    make_member(email="periodic@example.fi")
    invitation = create_invitation(actor=coordinator, activity=activity)
    db.session.execute(
        update(PoolInvitation)
        .where(PoolInvitation.id == invitation.id)
        .values(created_at=utcnow() - timedelta(days=8))
    )
    db.session.commit()
    remind = _pool_periodic(app, "pool.remind").run
    assert remind() == 1
    assert remind() == 0
    messages = mailbox.wait_for("periodic@example.fi", count=2)
    assert len(messages) == 2 and messages[1]["Subject"].startswith("Muistutus kutsusta: ")


def test_periodic_retention_asks_inactive_members(
    app: Any, db: Any, make_member: Any, mailbox: Any
) -> None:
    member = make_member(email="quiet@example.fi")
    days = app.config["PORTAL"].pool_inactive_days
    db.session.execute(
        update(PoolMember)
        .where(PoolMember.id == member.id)
        .values(last_active_at=utcnow() - timedelta(days=days + 1))
    )
    db.session.commit()
    result = _pool_periodic(app, "pool.retention").run()
    assert result.asked == 1
    assert _pool_periodic(app, "pool.retention").run().asked == 0  # asked once
    assert mailbox.wait_for("quiet@example.fi", count=1)
