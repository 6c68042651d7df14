"""Time the impact dashboard over five years of seeded activity, on SQLite or PostgreSQL.

Run from the repository root::

    python bench/impact.py                      # a temporary SQLite file
    python bench/impact.py postgresql+psycopg://postgres@127.0.0.1:5432/postgres

or set ``PORTAL_BENCH_DATABASE_URL``. For PostgreSQL a fresh database is created next to
the one named in the URL and dropped afterwards. The script seeds 2,000 activities,
50,000 participations by 8,000 residents and 5,000 outputs (most with responses) over
2021 to 2025, then prints the best of a few runs of each report query and of whole pages
rendered by the application. The target is under a second for each.
"""

from __future__ import annotations

import os
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alembic import command
from sqlalchemy import create_engine, insert, make_url, select, text

from portal.accounts.models import OrgUnit, OrgUnitKind, User, UserRole
from portal.app import create_app
from portal.config import Config
from portal.core.cli import alembic_config
from portal.core.models import Municipality
from portal.extensions import db
from portal.impact.metrics import Period
from portal.impact.models import Activity, Output, Participation, Response
from portal.impact.reports import ReportFilter, build_report

N_ACTIVITIES = 2_000
N_PARTICIPATIONS = 50_000
N_OUTPUTS = 5_000
N_PEOPLE = 8_000
START = date(2021, 1, 1)
END = date(2025, 12, 31)
DAYS = (END - START).days + 1
KINDS = (
    "council",
    "panel",
    "deliberation",
    "initiative",
    "expert_assignment",
    "workshop",
    "feedback",
)
DECISIONS = ("accepted", "partly_accepted", "not_accepted", "under_consideration")
REPEATS = 3


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A fresh, empty database for the run; removed afterwards."""
    if not url or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench-impact.sqlite3"
        return
    name = f"osallistu_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def seed(rng: random.Random) -> dict[str, Any]:
    """Insert five years of activity with bulk inserts; returns ids used by the timings."""
    county = OrgUnit(kind=OrgUnitKind.COUNTY, name_fi="Pirkanmaan hyvinvointialue")
    db.session.add(county)
    units: list[OrgUnit] = []
    for a in range(4):
        area = OrgUnit(kind=OrgUnitKind.SERVICE_AREA, name_fi=f"Palvelualue {a + 1}", parent=county)
        db.session.add(area)
        for u in range(3):
            units.append(
                OrgUnit(kind=OrgUnitKind.UNIT, name_fi=f"Yksikkö {a + 1}.{u + 1}", parent=area)
            )
    db.session.add_all(units)
    decider = User(email="paattaja@bench.invalid", name="Päättäjä", locale="fi")
    decider.roles = [UserRole(role="decision_maker")]
    db.session.add(decider)
    db.session.flush()
    municipalities = list(db.session.execute(select(Municipality.id, Municipality.population)))
    ids = [m for m, _ in municipalities]
    weights = [p for _, p in municipalities]
    now = datetime.now(UTC)

    people = [
        {
            "email": None,
            "name": f"Asukas {n}",
            "locale": "fi",
            "birth_year": rng.randint(1935, 2009) if rng.random() < 0.95 else None,
            "gender": rng.choice(("woman", "woman", "man")) if rng.random() < 0.95 else None,
            "municipality_id": rng.choices(ids, weights)[0] if rng.random() < 0.97 else None,
            "language": rng.choices(("fi", "sv", "other", None), (90, 2, 6, 2))[0],
            "is_active": True,
            "failed_logins": 0,
            "created_at": now,
        }
        for n in range(N_PEOPLE)
    ]
    db.session.execute(insert(User), people)
    person_ids = list(db.session.scalars(select(User.id).where(User.email.is_(None))))

    activities = []
    for n in range(N_ACTIVITIES):
        unit = rng.choice(units)
        starts = START + timedelta(days=rng.randrange(DAYS))
        activities.append(
            {
                "kind": rng.choice(KINDS),
                "title": f"Toiminta {n}",
                "org_unit_id": unit.id,
                "service_area_id": unit.parent_id,
                "starts_on": starts,
                "ends_on": min(starts + timedelta(days=90), END),
                "status": "closed",
                "source_type": "bench",
                "source_id": n,
                "created_at": now,
            }
        )
    db.session.execute(insert(Activity), activities)
    activity_rows = list(
        db.session.execute(select(Activity.id, Activity.starts_on, Activity.ends_on))
    )

    # Regulars take part often, most people once or twice: a realistic long tail.
    regulars = person_ids[: N_PEOPLE // 10]
    participations = []
    for n in range(N_PARTICIPATIONS):
        activity_id, starts, ends = rng.choice(activity_rows)
        person = rng.choice(regulars) if rng.random() < 0.4 else rng.choice(person_ids)
        day = starts + timedelta(days=rng.randrange((ends - starts).days + 1))
        absent = rng.random() < 0.08
        participations.append(
            {
                "activity_id": activity_id,
                "user_id": person,
                "role": "participant",
                "occurred_on": day,
                "attendance": "absent" if absent else "present",
                "hours": Decimal(0) if absent else Decimal(rng.randint(4, 16)) / 4,
                "event_type": "meeting",
                "event_id": n,
                "created_at": now,
            }
        )
    for chunk in range(0, len(participations), 10_000):
        db.session.execute(insert(Participation), participations[chunk : chunk + 10_000])

    outputs = []
    for n in range(N_OUTPUTS):
        activity_id, starts, ends = rng.choice(activity_rows)
        produced = min(ends + timedelta(days=rng.randrange(30)), END)
        outputs.append(
            {
                "activity_id": activity_id,
                "kind": "recommendation",
                "title": f"Suositus {n}",
                "text": "Ehdotamme, että palvelua kehitetään asukkaiden toiveiden mukaan.",
                "is_public": rng.random() < 0.8,
                "source_type": "bench",
                "source_id": n,
                "created_at": _noon(produced),
            }
        )
    db.session.execute(insert(Output), outputs)
    output_rows = list(db.session.execute(select(Output.id, Output.created_at)))
    responses = []
    for output_id, created in output_rows:
        if rng.random() < 0.1:
            continue  # still waiting
        decided = created.date() + timedelta(days=rng.randint(3, 150))
        decision = rng.choices(DECISIONS, (45, 25, 20, 10))[0]
        status, implemented = "not_started", None
        if decision in ("accepted", "partly_accepted") and rng.random() < 0.6:
            status = "done"
            implemented = decided + timedelta(days=rng.randint(10, 300))
        responses.append(
            {
                "output_id": output_id,
                "decision": decision,
                "reason": "Perustelu." if decision != "accepted" else "",
                "decision_reference": f"§ {output_id}",
                "decision_link": "",
                "responsible_person": "",
                "decided_on": decided,
                "implementation_status": status,
                "implemented_on": implemented,
                "updated_at": now,
            }
        )
    db.session.execute(insert(Response), responses)
    db.session.commit()
    return {"unit": units[0].id, "area": units[0].parent_id, "decider": decider.id}


def best_of(action: Callable[[], Any]) -> tuple[float, float, float]:
    """(first run, best of the rest, CPU time of this process in the best run) in seconds.

    The CPU time tells how much of a slow wall-clock figure was other load on the machine
    (for PostgreSQL it leaves out the server's own work).
    """
    runs = []
    for _ in range(REPEATS + 1):
        started, cpu = time.perf_counter(), time.process_time()
        action()
        runs.append((time.perf_counter() - started, time.process_time() - cpu))
    best = min(runs[1:])
    return runs[0][0], best[0], best[1]


def main() -> None:
    url = (sys.argv[1] if len(sys.argv) > 1 else None) or os.environ.get(
        "PORTAL_BENCH_DATABASE_URL"
    )
    with database(url) as database_url:
        app = create_app(
            Config(environment="testing", database_url=database_url, log_level="WARNING")
        )
        backend = make_url(database_url).get_backend_name()
        with app.app_context():
            command.upgrade(alembic_config(database_url), "head")
            started = time.perf_counter()
            ids = seed(random.Random(2026))
            print(f"database:        {backend}")
            print(
                f"seeded:          {N_ACTIVITIES:,} activities, {N_PARTICIPATIONS:,} "
                f"participations, {N_PEOPLE:,} people, {N_OUTPUTS:,} outputs "
                f"in {time.perf_counter() - started:.1f} s"
            )
            if backend == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            five_years = Period(START, END)
            cases = {
                "5 years, by month": ReportFilter(period=five_years),
                "5 years, by quarter": ReportFilter(period=five_years, granularity="quarter"),
                "1 year": ReportFilter(period=Period(date(2025, 1, 1), END)),
                "5 years, one unit": ReportFilter(period=five_years, unit_id=ids["unit"]),
                "5 years, one area": ReportFilter(period=five_years, service_area_id=ids["area"]),
                "5 years, one kind": ReportFilter(period=five_years, kind="panel"),
            }
            print(f"{'report query':<32}{'first':>9}{'best':>9}{'cpu':>9}")
            slowest = 0.0
            for name, criteria in cases.items():
                first, best, cpu = best_of(
                    lambda criteria=criteria: build_report(
                        criteria, today=date(2026, 1, 15), overdue_after_days=60
                    )
                )
                slowest = max(slowest, first)
                print(f"{name:<32}{first:>8.3f}s{best:>8.3f}s{cpu:>8.3f}s")

        from flask_login.utils import _create_identifier

        client = app.test_client()
        with app.test_request_context(environ_base=dict(client.environ_base)):
            identifier = _create_identifier()
        with client.session_transaction() as session:
            session["_user_id"] = str(ids["decider"])
            session["_fresh"] = True
            session["_id"] = identifier
        pages = {
            "dashboard page, 5 years": "/impact/?start=2021-01-01&end=2025-12-31",
            "dashboard page, 1 year": "/impact/?start=2025-01-01&end=2025-12-31",
            "board report page, 5 years": "/impact/report/print?start=2021-01-01&end=2025-12-31",
            "CSV export, 5 years": "/impact/report.csv?start=2021-01-01&end=2025-12-31",
            "PDF report, 1 year": "/impact/report.pdf?start=2025-01-01&end=2025-12-31",
            "outputs awaiting a response": "/impact/outputs",
            "you said, we did (public)": "/impact/you-said-we-did?q=palvelua",
        }
        # Templates are compiled once per worker process; do that before timing pages.
        client.get("/impact/?start=2025-12-01&end=2025-12-31")
        client.get("/impact/report/print?start=2025-12-01&end=2025-12-31")
        print(f"{'whole page (HTTP)':<32}{'first':>9}{'best':>9}{'cpu':>9}")
        for name, path in pages.items():

            def fetch(path: str = path) -> None:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)

            first, best, cpu = best_of(fetch)
            slowest = max(slowest, first)
            print(f"{name:<32}{first:>8.3f}s{best:>8.3f}s{cpu:>8.3f}s")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"slowest first run: {slowest:.3f} s "
            f"({'within' if slowest < 1 else 'OVER'} the 1 s target; load average {load:.1f})"
        )
        with app.app_context():
            app.extensions["portal.db"].engine.dispose()


if __name__ == "__main__":
    main()
