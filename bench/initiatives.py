"""Initiative support at scale: ``python bench/initiatives.py [DATABASE_URL] [supports]``.

Builds a database (a temporary SQLite file by default; for PostgreSQL give a server URL such
as ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres`` and a temporary database is
created and dropped), loads 200 published initiatives and ``supports`` confirmed supports
(default 50 000, most of them on one initiative), then prints timings of counting, of the
email-confirmed support round trip and of the public pages. Bounded to about a minute.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alembic import command
from sqlalchemy import create_engine, insert, make_url, text

from portal.app import create_app
from portal.config import Config
from portal.core.cli import alembic_config
from portal.core.db import utcnow
from portal.core.encryption import blind_index, encrypt_text
from portal.core.tokens import issue_token
from portal.extensions import db

INITIATIVES = 200


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str]:
    if not url or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory() as folder:
            yield url or f"sqlite:///{folder}/bench.sqlite3"
        return
    name = f"osallistu_bench_{secrets.token_hex(3)}"
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


def timed(label: str, repeat: int, work: Callable[[], object]) -> None:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    print(f"{label:<46} median {statistics.median(samples):8.2f} ms   p95 {p95:8.2f} ms")


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORTAL_BENCH_DATABASE_URL")
    supports = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
    with database(url) as database_url:
        config = Config(
            environment="testing",
            database_url=database_url,
            mail_backend="log",
            log_level="WARNING",
            csrf_enabled=False,
        )
        app = create_app(config)
        with app.app_context():
            command.upgrade(alembic_config(database_url), "head")
            run(app, supports)
            db.session.remove()
            db.engine.dispose()


def run(app: object, supports: int) -> None:
    from portal.accounts.services import create_user
    from portal.core.permissions import Role
    from portal.initiatives import services
    from portal.initiatives.models import Initiative, Support

    author = create_user(email="bench@example.fi", name="Bench", roles={Role.RESIDENT})
    coordinator = create_user(email="coord@example.fi", name="Coord", roles={Role.COORDINATOR})
    db.session.commit()
    started = time.perf_counter()
    with app.test_request_context():  # type: ignore[attr-defined]
        for number in range(INITIATIVES):
            initiative = services.create_initiative(
                actor=author,
                title=f"Aloite {number} palvelujen kehittämisestä",
                proposal="Ehdotus " * 20,
            )
            services.send_for_check(actor=author, initiative=initiative)
            services.publish_initiative(actor=coordinator, initiative=initiative)
    ids = [i.id for i in db.session.query(Initiative).order_by(Initiative.id)]
    big = ids[0]
    encrypted = encrypt_text("bench@example.fi")  # one token for all rows: timing only
    now = utcnow()
    rows = [
        {
            "initiative_id": big if n % 5 else ids[n % INITIATIVES],
            "name": f"Tukija {n}",
            "email": encrypted,
            "email_index": blind_index(f"bench-{n}", "bench"),
            "verification_method": "email",
            "notify_decision": n % 3 == 0,
            "locale": "fi",
            "created_at": now,
            "confirmed_at": now,
        }
        for n in range(supports)
    ]
    table = Support.__table__
    plain = table.c.email.type  # skip re-encrypting every row
    table.c.email.type = table.c.email.type.impl
    try:
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(table), rows[start : start + 5000])
        db.session.commit()
    finally:
        table.c.email.type = plain
    print(
        f"loaded {INITIATIVES} initiatives and {supports} supports "
        f"in {time.perf_counter() - started:.1f} s ({db.engine.dialect.name})"
    )
    big_initiative = db.session.get(Initiative, big)
    print(f"supports on the largest initiative: {services.support_count(big_initiative)}")
    timed("count supports of one initiative", 50, lambda: services.support_count(big_initiative))
    timed("count supports of a 20-initiative page", 50, lambda: services.support_counts(ids[:20]))

    mails: list[str] = []

    def support_round_trip() -> None:
        address = f"new-{len(mails)}-{secrets.token_hex(3)}@example.fi"
        mails.append(address)
        with app.test_request_context():  # type: ignore[attr-defined]
            services.request_support(
                initiative=big_initiative,
                name="Uusi Tukija",
                email=address,
                municipality=None,
                notify_decision=False,
                locale="fi",
            )
            support = (
                db.session.query(Support).filter_by(email_index=services.email_index(address)).one()
            )
            secret = issue_token(
                purpose=services.CONFIRM_SUPPORT,
                lifetime=timedelta(hours=1),
                subject=str(support.id),
            )
            services.confirm_support(secret=secret)

    timed("request + confirm one support", 100, support_round_trip)
    client = app.test_client()  # type: ignore[attr-defined]
    timed("GET /initiatives/ (list page)", 30, lambda: client.get("/initiatives/"))
    timed(
        f"GET /initiatives/{big} (page with count)", 30, lambda: client.get(f"/initiatives/{big}")
    )
    timed(
        "GET annual report (200 initiatives)",
        10,
        lambda: client.get(f"/initiatives/annual-report?year={now.year}"),
    )


if __name__ == "__main__":
    main()
