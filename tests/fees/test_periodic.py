"""Monthly claim generation: a periodic task of the fees domain, the same service as the CLI."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from portal.core.domains import periodic_tasks
from portal.core.models import PeriodicTaskRun
from portal.core.tasks import queue
from portal.fees.models import FeeClaim
from portal.fees.plugin import GENERATE_CLAIMS_MONTHLY

NAME = GENERATE_CLAIMS_MONTHLY.name


def _due(moment: datetime) -> list[Any]:
    """The fees task as the consumer's scheduler would enqueue it at ``moment``."""
    return [task for task in queue.read_periodic(moment) if task.name == NAME]


def test_the_fees_domain_declares_it_and_it_falls_due_on_the_first_of_each_month(
    app: Any,
) -> None:
    assert GENERATE_CLAIMS_MONTHLY in periodic_tasks(app)
    rng = random.Random(20260101)
    moments = [
        datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 3 * 365 * 24 * 60))
        for _ in range(400)
    ]
    # Every scheduled moment of three years, and the minutes around them.
    for year in (2025, 2026, 2027):
        for month in range(1, 13):
            first = datetime(year, month, 1, 3, 0, tzinfo=UTC)
            moments += [first - timedelta(minutes=1), first, first + timedelta(minutes=1)]
    for moment in moments:
        expected = moment.day == 1 and moment.hour == 3 and moment.minute == 0
        assert bool(_due(moment)) is expected, moment


def test_the_monthly_run_creates_the_claims_the_cli_would_once_per_period(
    db: Any, schedules: Any, activity: Any, participate: Any, payroll_payee: Any, runner: Any
) -> None:
    rng = random.Random(4)
    councils = [activity(title=f"Neuvosto {n}") for n in range(3)]
    groups = set()
    for _ in range(12):
        council = rng.choice(councils)
        day = date(2026, rng.randrange(1, 4), rng.randrange(1, 29))
        participate(council, payroll_payee, day, str(rng.choice([1, 2, 3])))
        groups.add((council.id, day.replace(day=1)))

    due = _due(datetime(2026, 4, 1, 3, 0, tzinfo=UTC))
    assert len(due) == 1
    queue.execute(due[0])
    db.session.expire_all()
    claims = db.session.scalars(select(FeeClaim)).all()
    assert {(claim.activity_id, claim.month) for claim in claims} == groups
    assert all(claim.payee_id == payroll_payee.id for claim in claims)

    # A second consumer enqueuing the same period does nothing, and the CLI finds nothing left.
    queue.execute(_due(datetime(2026, 4, 1, 3, 0, tzinfo=UTC))[0])
    runs = db.session.scalars(select(PeriodicTaskRun).where(PeriodicTaskRun.name == NAME)).all()
    assert len(runs) == 1
    result = runner.invoke(args=["fees", "generate-claims"])
    assert result.exit_code == 0
    assert result.output.startswith("0 claims created, 0 items added")
    assert len(db.session.scalars(select(FeeClaim)).all()) == len(groups)
