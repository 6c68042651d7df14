"""Time expert matching, the workload view and the council list on a realistic county.

Run from the repository root: ``python bench/councils.py [DATABASE_URL]`` (default: a
temporary SQLite file; pass e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/bench``
for an existing, empty PostgreSQL database). Builds 300 experts with 6,000 assignments in
a year and 40 councils with 600 members and 400 meetings, then prints the best of five
runs of: the pure ranking (300 candidates), the ranking with its database queries, the
workload view and the council list with vacancies.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alembic import command

from portal.accounts.models import OrgUnit, OrgUnitKind, User, UserRole
from portal.app import create_app
from portal.config import Config
from portal.core.cli import alembic_config
from portal.councils import services as councils
from portal.councils.models import (
    Council,
    CouncilMembership,
    CouncilTerm,
    Meeting,
    MeetingInvitation,
)
from portal.experts import services as experts
from portal.experts.matching import Candidate, Need, rank_candidates
from portal.experts.models import ExpertAssignment, ExpertProfile, ExpertRequest
from portal.extensions import db

N_EXPERTS = 300
N_ASSIGNMENTS = 6_000
N_COUNCILS = 40
MEMBERS_PER_COUNCIL = 15
MEETINGS_PER_COUNCIL = 10
AREAS = ["mental_health", "substance_use", "child_welfare", "disability", "older_people"]


def best_of(runs: int, work: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def build(rng: random.Random) -> ExpertRequest:
    year_start = datetime(date.today().year, 1, 1, 8, tzinfo=UTC)
    unit = OrgUnit(kind=OrgUnitKind.UNIT, name_fi="Yksikkö")
    db.session.add(unit)
    db.session.flush()
    people = []
    for n in range(N_EXPERTS + N_COUNCILS * MEMBERS_PER_COUNCIL):
        person = User(email=f"p{n}@bench.invalid", name=f"Henkilö {n}")
        person.roles = [UserRole(role="expert")]
        people.append(person)
    db.session.add_all(people)
    db.session.flush()
    experts_ = people[:N_EXPERTS]
    for person in experts_:
        db.session.add(
            ExpertProfile(
                user_id=person.id,
                status="active",
                experience_areas=rng.sample(AREAS, 2),
                languages=["fi"] if rng.random() < 0.8 else ["fi", "sv"],
                service_area_ids=[],
                available_weekdays=[],
            )
        )
    requests = []
    for n in range(N_ASSIGNMENTS // 2):
        start = year_start + timedelta(hours=rng.randrange(0, 330 * 24))
        requests.append(
            ExpertRequest(
                org_unit_id=unit.id,
                title=f"Pyyntö {n}",
                task_type="staff_training",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                status="assigned",
            )
        )
    db.session.add_all(requests)
    db.session.flush()
    for n in range(N_ASSIGNMENTS):
        request = requests[n // 2]
        db.session.add(
            ExpertAssignment(
                request_id=request.id,
                expert_id=experts_[n % N_EXPERTS].id,
                status=rng.choice(["accepted", "completed", "completed", "declined"]),
                starts_at=request.starts_at,
                ends_at=request.ends_at,
                hours=Decimal("2"),
            )
        )
    today = date.today()
    members = iter(people[N_EXPERTS:])
    for c in range(N_COUNCILS):
        council = Council(name_fi=f"Raati {c}", kind="client_council", target_size=16)
        db.session.add(council)
        term = CouncilTerm(
            council=council,
            starts_on=today - timedelta(days=200),
            ends_on=today + timedelta(days=500),
        )
        db.session.add(term)
        memberships = [
            CouncilMembership(
                term=term,
                user=next(members),
                role="member",
                starts_on=term.starts_on,
                ends_on=term.ends_on,
            )
            for _ in range(MEMBERS_PER_COUNCIL)
        ]
        db.session.add_all(memberships)
        for m in range(MEETINGS_PER_COUNCIL):
            start = datetime.now(UTC) + timedelta(days=m * 30 - 150)
            meeting = Meeting(
                council=council,
                term=term,
                title=f"Kokous {m}",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
            )
            meeting.invitations = [
                MeetingInvitation(user_id=ms.user.id, role="member") for ms in memberships
            ]
            db.session.add(meeting)
    start = datetime.now(UTC) + timedelta(days=20)
    fresh = ExpertRequest(
        org_unit_id=unit.id,
        title="Uusi",
        task_type="staff_training",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        expertise_wanted=["mental_health"],
        language="fi",
    )
    db.session.add(fresh)
    db.session.commit()
    return fresh


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else ""
    tmp = None
    if not url:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/bench.sqlite3"
    app = create_app(Config(environment="testing", database_url=url, log_level="WARNING"))
    rng = random.Random(2026)
    with app.test_request_context():
        command.upgrade(alembic_config(url), "head")
        started = time.perf_counter()
        fresh = build(rng)
        print(f"database: {url.split(':')[0]}; built in {time.perf_counter() - started:.1f} s")
        print(
            f"data: {N_EXPERTS} experts, {N_ASSIGNMENTS} assignments this year, "
            f"{N_COUNCILS} councils, {N_COUNCILS * MEMBERS_PER_COUNCIL} members, "
            f"{N_COUNCILS * MEETINGS_PER_COUNCIL} meetings"
        )
        need = Need(
            starts_at=fresh.starts_at,
            ends_at=fresh.ends_at,
            areas=frozenset({"mental_health"}),
            language="fi",
            task_type="staff_training",
        )
        candidates = [
            Candidate(
                expert_id=n,
                areas=frozenset(rng.sample(AREAS, 2)),
                languages=frozenset({"fi"}),
                busy=tuple(
                    (fresh.starts_at + timedelta(days=d), fresh.ends_at + timedelta(days=d))
                    for d in range(-10, 10)
                ),
                assignments_this_year=rng.randrange(0, 40),
            )
            for n in range(N_EXPERTS)
        ]
        figures = {
            "rank_candidates (pure, 300 experts x 20 busy slots)": best_of(
                5, lambda: rank_candidates(need, candidates)
            ),
            "rank_experts (3 queries + ranking)": best_of(5, lambda: experts.rank_experts(fresh)),
            "workload (one grouped query, 6,000 rows)": best_of(
                5, lambda: experts.workload(date.today().year)
            ),
            "council_rows (40 councils, vacancies)": best_of(
                5, lambda: (db.session.expire_all(), councils.council_rows())
            ),
        }
        for name, ms in figures.items():
            print(f"{name:55} {ms:8.1f} ms")
        db.session.remove()
        app.extensions["portal.db"].engine.dispose()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
