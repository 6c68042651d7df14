"""Throughput of fee claims: ``python bench/fees.py [lines] [--db URL [--payees N]]``.

Without ``--db``: builds a deterministic set of meetings and assignments, computes their
claim lines against two fee schedules and totals them as one payment batch, then prints
lines per second; also times reference and virtual barcode generation.

With ``--db sqlite:////tmp/bench.sqlite3`` or ``--db postgresql+psycopg://postgres@host/postgres``
(a scratch database is created next to the given one and dropped afterwards): runs the
database path on ``N`` payees with 24 participations each over 2025-2026 — claim generation,
payment batches, the payroll CSV, the reports and the impact cost provider — and prints
timings. Also reads ``PORTAL_BENCH_DATABASE_URL``.
"""

from __future__ import annotations

import datetime
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.fees.calculation import (
    EventKind,
    FeeSchedule,
    MeetingFeeTier,
    TravelRates,
    WorkEvent,
    batch_totals,
    compute_claim_lines,
)
from portal.fees.references import create_rf_reference, virtual_barcode

D = Decimal
SCHEDULES = (
    FeeSchedule(
        valid_from=datetime.date(2025, 1, 1),
        valid_to=datetime.date(2025, 12, 31),
        meeting_fee_tiers=(MeetingFeeTier(D(2), D(40)), MeetingFeeTier(None, D(60))),
        hourly_fee=D(25),
        preparation_fee=D(20),
        chair_extra=D(15),
        travel_rates=(TravelRates(2025, D("0.59"), D(24), D(53)),),
    ),
    FeeSchedule(
        valid_from=datetime.date(2026, 1, 1),
        valid_to=None,
        meeting_fee_tiers=(MeetingFeeTier(D(2), D(45)), MeetingFeeTier(None, D(65))),
        hourly_fee=D("27.50"),
        preparation_fee=D(20),
        chair_extra=D(20),
        travel_rates=(TravelRates(2026, D("0.55"), D(25), D(54)),),
    ),
)


def make_claims(target_lines: int, seed: int = 2025) -> list[list[WorkEvent]]:
    """Claims of ten events each; on average an event gives about three lines."""
    rng = random.Random(seed)
    start = datetime.date(2025, 1, 1)
    claims: list[list[WorkEvent]] = []
    for _ in range(max(1, target_lines // 30)):
        claim = []
        for _ in range(10):
            kind = EventKind.MEETING if rng.random() < 0.7 else EventKind.ASSIGNMENT
            claim.append(
                WorkEvent(
                    work_date=start + datetime.timedelta(days=rng.randrange(730)),
                    kind=kind,
                    hours=D(rng.randint(1, 16)) / 4,
                    is_chair=kind is EventKind.MEETING and rng.random() < 0.1,
                    preparation=rng.random() < 0.5,
                    km=D(rng.randint(0, 1200)) / 10,
                    tickets=(D("3.20"),) if rng.random() < 0.2 else (),
                    hours_away=D(rng.randint(0, 48)) / 4,
                )
            )
        claims.append(claim)
    return claims


def main() -> None:
    """Run the benchmark and print the figures."""
    args = sys.argv[1:]
    database = os.environ.get("PORTAL_BENCH_DATABASE_URL", "")
    payees = 500
    if "--db" in args:
        database = args[args.index("--db") + 1]
    if "--payees" in args:
        payees = int(args[args.index("--payees") + 1])
    if database:
        run_database_bench(database, payees)
        return
    target = int(args[0]) if args and args[0].isdigit() else 100_000
    claims_events = make_claims(target)

    started = time.perf_counter()
    claims = [compute_claim_lines(events, SCHEDULES) for events in claims_events]
    computed = time.perf_counter()
    totals = batch_totals(claims)
    finished = time.perf_counter()

    lines = totals.line_count
    print(f"claims:               {totals.claim_count}")
    print(f"events:               {sum(len(events) for events in claims_events)}")
    print(f"claim lines:          {lines}")
    print(f"batch total:          {totals.total} EUR")
    compute_s, totals_s = computed - started, finished - computed
    print(f"compute lines:        {compute_s:.3f} s ({lines / compute_s:,.0f} lines/s)")
    print(f"batch totals:         {totals_s:.3f} s ({lines / totals_s:,.0f} lines/s)")

    invoices = max(1, target // 10)
    started = time.perf_counter()
    for invoice_id in range(1000, 1000 + invoices):
        virtual_barcode(
            iban="FI2112345600000785",
            reference=create_rf_reference(invoice_id),
            amount=D("123.45"),
            due_date=datetime.date(2026, 1, 31),
        )
    elapsed = time.perf_counter() - started
    print(f"RF reference+barcode: {invoices} in {elapsed:.3f} s ({invoices / elapsed:,.0f}/s)")


@contextmanager
def _scratch_database(url: str) -> Iterator[str]:
    """A fresh database beside ``url`` (a new file for SQLite), removed afterwards."""
    from sqlalchemy import create_engine, make_url, text

    if url.startswith("sqlite"):
        path = Path(tempfile.gettempdir()) / f"osallistu-bench-fees-{os.getpid()}.sqlite3"
        path.unlink(missing_ok=True)
        try:
            yield f"sqlite:///{path}"
        finally:
            path.unlink(missing_ok=True)
        return
    name = f"osallistu_bench_fees_{os.getpid()}"
    admin = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _timed(label: str, started: float, count: int | None = None, unit: str = "") -> float:
    elapsed = time.perf_counter() - started
    rate = f" ({count / elapsed:,.0f} {unit}/s)" if count else ""
    print(f"{label:<34}{elapsed:8.3f} s{rate}")
    return elapsed


def run_database_bench(url: str, payee_count: int) -> None:
    """Claims from participations to batches, exports and reports on a real database."""
    from alembic import command
    from sqlalchemy import func, select, update

    from portal.accounts.models import User
    from portal.app import create_app
    from portal.config import Config
    from portal.core.cli import alembic_config
    from portal.extensions import db
    from portal.fees import services
    from portal.fees.models import ClaimState, FeeClaim, FeeClaimLine
    from portal.impact.models import Activity, Participation

    rng = random.Random(2026)
    with _scratch_database(url) as scratch:
        app = create_app(Config(environment="testing", database_url=scratch, log_level="WARNING"))
        with app.app_context():
            command.upgrade(alembic_config(scratch), "head")
            admin = User(email="admin@bench.invalid", name="Admin")
            db.session.add(admin)
            db.session.commit()
            services.save_travel_rates(
                actor=admin,
                year=2025,
                km_rate=D("0.59"),
                part_day_allowance=D(24),
                full_day_allowance=D(53),
            )
            services.save_travel_rates(
                actor=admin,
                year=2026,
                km_rate=D("0.55"),
                part_day_allowance=D(25),
                full_day_allowance=D(54),
            )
            for schedule in SCHEDULES:
                services.save_fee_schedule(
                    actor=admin,
                    schedule=None,
                    valid_from=schedule.valid_from,
                    valid_to=schedule.valid_to,
                    tiers=[(t.up_to_hours, t.amount) for t in schedule.meeting_fee_tiers],
                    hourly_fee=schedule.hourly_fee,
                    preparation_fee=schedule.preparation_fee,
                    chair_extra=schedule.chair_extra,
                )
            activities = [
                Activity(
                    kind="council",
                    title=f"Neuvosto {n}",
                    source_type="bench",
                    source_id=n,
                    org_unit_id=None,
                )
                for n in range(20)
            ]
            db.session.add_all(activities)
            people = [User(name=f"Asiantuntija {n}") for n in range(payee_count)]
            db.session.add_all(people)
            db.session.flush()
            event_types = ("council_meeting", "panel_session", "expert_assignment")
            started = time.perf_counter()
            rows = []
            event_id = 0
            for person in people:
                for _ in range(24):
                    event_id += 1
                    rows.append(
                        Participation(
                            activity_id=rng.choice(activities).id,
                            user_id=person.id,
                            occurred_on=datetime.date(2025, 1, 1)
                            + datetime.timedelta(days=rng.randrange(730)),
                            hours=D(rng.randint(2, 16)) / 4,
                            role="chair" if rng.random() < 0.1 else "member",
                            event_type=rng.choice(event_types),
                            event_id=event_id,
                        )
                    )
            db.session.add_all(rows)
            db.session.commit()
            print(f"database:                         {db.engine.dialect.name}")
            print(f"payees / participations:          {payee_count} / {len(rows)}")
            _timed("insert participations", started, len(rows), "rows")

            started = time.perf_counter()
            result = services.generate_claims(actor=admin)
            lines = db.session.scalar(select(func.count(FeeClaimLine.id)))
            _timed("generate claims", started, len(rows), "participations")
            print(f"claims / lines:                   {result.claims_created} / {lines}")

            db.session.execute(update(FeeClaim).values(state=ClaimState.APPROVED))
            db.session.commit()
            groups = services.batch_candidates()
            started = time.perf_counter()
            batches = [
                services.create_payment_batch(actor=admin, month=month, cost_centre=centre)
                for month, centre, _count, _total in groups
            ]
            _timed("create payment batches", started, lines, "lines")
            print(f"batches:                          {len(batches)}")
            finance = User(name="Finance")
            db.session.add(finance)
            db.session.flush()
            from portal.accounts.models import UserRole

            db.session.add(UserRole(user_id=finance.id, role="finance_approver"))
            db.session.commit()
            largest = max(batches, key=lambda batch: batch.total)
            started = time.perf_counter()
            services.payroll_csv(actor=finance, batch=largest)
            _timed("payroll CSV of one batch", started)
            for grouping in services.REPORT_GROUPINGS:
                started = time.perf_counter()
                services.fee_report(year=2026, group_by=grouping)
                _timed(f"report by {grouping}, one year", started)
            started = time.perf_counter()
            cost = services.fee_cost_rows(datetime.date(2022, 1, 1), datetime.date(2026, 12, 31))
            _timed("cost provider, five years", started)
            print(f"cost rows:                        {len(cost)}")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
