"""Time the resident pool's coordinator list, search and CSV export at 50,000 members.

Run from the repository root::

    python bench/pool.py                      # SQLite (a temporary file)
    python bench/pool.py postgresql+psycopg://postgres@127.0.0.1:5432/postgres

or set ``PORTAL_BENCH_DATABASE_URL``. For PostgreSQL a temporary database is created on
the given server and dropped at the end. Seeds 50,000 members (seeded random, realistic
shares of municipalities, ages and languages), 20,000 participations and 30,000 invitation
rows, then prints the median of a few runs of each query, through the same services the
views use. The target is under 300 ms each.
"""

from __future__ import annotations

import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alembic import command
from sqlalchemy import create_engine, insert, make_url, select, text

from portal.accounts.models import User, UserRole
from portal.app import create_app
from portal.config import Config
from portal.core.cli import alembic_config
from portal.core.models import Municipality
from portal.core.paging import paginate
from portal.extensions import db
from portal.impact.models import Activity, Participation
from portal.pool import services
from portal.pool.demo import FIRST
from portal.pool.demo import LAST as DEMO_LAST
from portal.pool.models import (
    InterestArea,
    InvitationRecipient,
    PoolInvitation,
    PoolMember,
    member_interests,
)

MEMBERS = 50_000
PARTICIPATIONS = 20_000
INVITED = 30_000
RUNS = 7
# The demo's names, with more surnames so that 50,000 members are not all namesakes.
LAST = [*DEMO_LAST, "Kallio", "Ojala", "Rantanen", "Heinonen", "Aaltonen", "Mattila"]


def _database(url: str) -> tuple[str, Callable[[], None]]:
    if url.startswith("postgresql"):
        name = f"osallistu_bench_{secrets.token_hex(3)}"
        admin = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))

        def drop() -> None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        return make_url(url).set(database=name).render_as_string(hide_password=False), drop
    folder = tempfile.mkdtemp()
    return f"sqlite:///{folder}/pool-bench.sqlite3", lambda: None


def seed(rng: random.Random) -> None:
    now = datetime.now(UTC)
    places = list(db.session.scalars(select(Municipality)))
    weights = [m.population for m in places]
    areas = [a.id for a in db.session.scalars(select(InterestArea))]
    users, members, roles, interests = [], [], [], []
    for n in range(1, MEMBERS + 1):
        language = rng.choices(["fi", "sv", "other"], weights=[88, 2, 10])[0]
        other_place = rng.random() < 0.02
        users.append(
            {
                "id": n,
                "email": f"member{n}@example.fi",
                "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "locale": "sv" if language == "sv" else "fi",
                "birth_year": rng.randint(1935, 2010),
                "gender": rng.choices(["woman", "man", "other", "undisclosed"], [55, 41, 2, 2])[0],
                "municipality_id": None if other_place else rng.choices(places, weights)[0].id,
                "language": language,
                "is_active": True,
                "created_at": now,
                "failed_logins": 0,
            }
        )
        roles.append({"user_id": n, "role": "resident", "granted_at": now})
        joined = now - timedelta(days=rng.randrange(1500), seconds=rng.randrange(86400))
        members.append(
            {
                "id": n,
                "user_id": n,
                "status": rng.choices(["active", "paused", "pending", "left"], [90, 4, 3, 3])[0],
                "source": "web",
                "consent_version": "2026-11",
                "consent_at": joined,
                "contact_channel": rng.choices(["email", "sms", "letter"], [90, 7, 3])[0],
                "municipality_other": other_place,
                "joined_at": joined,
                "confirmed_at": joined,
                "last_active_at": joined,
                "last_invited_at": now - timedelta(days=rng.randrange(400))
                if rng.random() < 0.5
                else None,
            }
        )
        for area in rng.sample(areas, k=rng.randint(1, 3)):
            interests.append({"member_id": n, "area_id": area})
    for table, rows in ((User, users), (UserRole, roles), (PoolMember, members)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(table), rows[start : start + 5000])
    for start in range(0, len(interests), 10000):
        db.session.execute(insert(member_interests), interests[start : start + 10000])
    db.session.execute(
        insert(Activity),
        [
            {
                "id": i,
                "kind": "workshop",
                "title": f"Työpaja {i}",
                "status": "open",
                "source_type": "bench",
                "source_id": i,
                "created_at": now,
            }
            for i in range(1, 201)
        ],
    )
    db.session.execute(
        insert(Participation),
        [
            {
                "activity_id": rng.randint(1, 200),
                "user_id": rng.randint(1, MEMBERS),
                "role": "participant",
                "occurred_on": date.today() - timedelta(days=rng.randrange(1000)),
                "attendance": "present",
                "hours": 2,
                "event_type": "session",
                "event_id": i,
                "created_at": now,
            }
            for i in range(PARTICIPATIONS)
        ],
    )
    db.session.execute(
        insert(PoolInvitation),
        [
            {
                "id": i,
                "activity_id": i,
                "created_at": now,
                "message": "",
                "criteria": {},
                "eligible_count": 0,
                "fatigued_count": 0,
            }
            for i in range(1, 31)
        ],
    )
    db.session.execute(
        insert(InvitationRecipient),
        [
            {
                "invitation_id": 1 + i // 1000,
                "member_id": rng.randint(1, MEMBERS) if False else 1 + (i * 7919) % MEMBERS,
                "channel": "email",
                "sent_at": now - timedelta(days=rng.randrange(300)),
            }
            for i in range(INVITED)
        ],
    )
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        for table in ("users", "user_roles", "pool_members"):
            sql = "SELECT setval(pg_get_serial_sequence(:t, 'id'), (SELECT max(id) FROM %s))"
            db.session.execute(text(sql % table), {"t": table})
        db.session.commit()
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def timed(label: str, action: Callable[[], Any]) -> float:
    results = []
    for _ in range(RUNS):
        db.session.expire_all()
        started = time.perf_counter()
        outcome = action()
        results.append((time.perf_counter() - started) * 1000)
    median = statistics.median(results)
    status = "ok" if median < 300 else "SLOW"
    print(f"  {label:58} {median:8.1f} ms  (best {min(results):.1f})  {status}  [{outcome}]")
    return median


def list_page(criteria: services.MemberFilter, page: int = 1) -> str:
    result = paginate(services.members_query(criteria), page=page, per_page=50)
    services.participation_counts([m.user_id for m in result.items])
    return f"{result.total} matching, {len(result.items)} shown"


def export(criteria: services.MemberFilter, actor: User) -> str:
    content = services.export_members_csv(actor=actor, criteria=criteria)
    return f"{content.count(chr(10)) - 1} rows, {len(content) // 1024} kB"


def main() -> None:
    url = (
        sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORTAL_BENCH_DATABASE_URL", "sqlite")
    )
    database_url, drop = _database(url if url != "sqlite" else "sqlite")
    app = create_app(Config(environment="testing", database_url=database_url, log_level="WARNING"))
    try:
        with app.test_request_context():
            command.upgrade(alembic_config(database_url), "head")
            started = time.perf_counter()
            seed(random.Random(2026))
            seconds = time.perf_counter() - started
            print(f"{db.engine.dialect.name}: seeded {MEMBERS:,} members in {seconds:.1f} s")
            actor = db.session.scalars(select(User).limit(1)).one()
            tampere = db.session.scalars(
                select(Municipality).where(Municipality.slug == "tampere")
            ).one()
            nokia = db.session.scalars(
                select(Municipality).where(Municipality.slug == "nokia")
            ).one()
            area = db.session.scalars(
                select(InterestArea).where(InterestArea.slug == "elderly")
            ).one()
            Filter = services.MemberFilter
            print("coordinator list (one page of 50 with total count and participation counts)")
            timed("no filter, first page", lambda: list_page(Filter()))
            timed("no filter, page 500", lambda: list_page(Filter(), page=500))
            timed(
                "Tampere, 25-34, women",
                lambda: list_page(
                    Filter(municipality_id=tampere.id, age_band="25-34", gender="woman")
                ),
            )
            timed(
                "Swedish speakers interested in elderly care",
                lambda: list_page(Filter(language="sv", interest_id=area.id)),
            )
            timed(
                "active, not invited in 180 days",
                lambda: list_page(
                    Filter(status="active", not_invited_since=date.today() - timedelta(days=180))
                ),
            )
            timed(
                "at least 1 participation, Nokia",
                lambda: list_page(Filter(min_participations=1, municipality_id=nokia.id)),
            )
            print("search on name and email")
            timed("search 'virtanen'", lambda: list_page(Filter(search="virtanen")))
            timed("search 'member4242@'", lambda: list_page(Filter(search="member4242@")))
            timed("search 'zzz' (no match)", lambda: list_page(Filter(search="zzz")))
            print("CSV export of the filtered list")
            timed(
                "export Nokia, 25-34, women",
                lambda: export(
                    Filter(municipality_id=nokia.id, age_band="25-34", gender="woman"), actor
                ),
            )
            timed("export Swedish speakers", lambda: export(Filter(language="sv"), actor))
            timed(
                "export Tampere, 65-74",
                lambda: export(Filter(municipality_id=tampere.id, age_band="65-74"), actor),
            )
            timed("export everyone (about 48,500 rows)", lambda: export(Filter(), actor))
            print("other")
            timed(
                "representativeness composition",
                lambda: len(services.pool_composition(locale="fi")),
            )
    finally:
        with app.app_context():
            db.engine.dispose()
        drop()


if __name__ == "__main__":
    main()
