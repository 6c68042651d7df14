"""Feedback report timings at scale: ``python bench/feedback.py [--answers N] [--database URL]``.

Builds a fresh database (a SQLite file by default, or a new database created on the
PostgreSQL server of the URL given, dropped afterwards), inserts N
answers (default 1,000,000) over five years across 60 units in 6 service areas and the
channels, with two statements per answer, then times each report query and the unit
comparison. Each timing is the best of three runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alembic import command
from sqlalchemy import insert, select

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.app import create_app
from portal.config import Config
from portal.core.cli import alembic_config
from portal.extensions import db
from portal.feedback import services
from portal.feedback.models import Answer, Question, StatementAnswer

CHANNELS = ("web", "kiosk", "sms", "paper")
BATCH = 50_000


def build(n: int, seed: int = 14) -> None:
    rng = np.random.default_rng(seed)
    county = OrgUnit(kind=OrgUnitKind.COUNTY, name_fi="County")
    db.session.add(county)
    units = []
    for a in range(6):
        area = OrgUnit(kind=OrgUnitKind.SERVICE_AREA, name_fi=f"Area {a}", parent=county)
        db.session.add(area)
        for u in range(10):
            units.append(OrgUnit(kind=OrgUnitKind.UNIT, name_fi=f"Unit {a}-{u}", parent=area))
    db.session.add_all(units)
    db.session.flush()
    questionnaires = {c: services.current_questionnaire(c) for c in CHANNELS}
    db.session.commit()
    statement_ids = [q.id for q in questionnaires["web"].questions if q.kind == "statement"][:2]
    unit_ids = np.array([u.id for u in units])
    area_ids = np.array([u.parent_id for u in units])
    start = date.today() - timedelta(days=5 * 365)
    next_id = 1
    for offset in range(0, n, BATCH):
        size = min(BATCH, n - offset)
        pick = rng.integers(0, len(units), size)
        days = rng.integers(0, 5 * 365, size)
        channel = rng.integers(0, len(CHANNELS), size)
        scores = np.clip(rng.normal(8, 2.2, size).round(), 0, 10).astype(int)
        language = np.where(rng.random(size) < 0.08, "sv", "fi")
        rows = []
        for i in range(size):
            day = start + timedelta(days=int(days[i]))
            rows.append(
                {
                    "id": next_id + i,
                    "submission_id": f"b{next_id + i}",
                    "questionnaire_id": questionnaires[CHANNELS[channel[i]]].id,
                    "org_unit_id": int(unit_ids[pick[i]]),
                    "service_area_id": int(area_ids[pick[i]]),
                    "channel": CHANNELS[channel[i]],
                    "entry": "respondent",
                    "language": str(language[i]),
                    "submitted_on": day,
                    "period_month": day.year * 100 + day.month,
                    "score": int(scores[i]),
                    "open_text": "",
                    "themes_suggested": "",
                }
            )
        db.session.execute(insert(Answer), rows)
        values = rng.integers(0, 6, (size, 2))
        db.session.execute(
            insert(StatementAnswer),
            [
                {
                    "answer_id": next_id + i,
                    "question_id": statement_ids[j],
                    "value": int(values[i, j]),
                }
                for i in range(size)
                for j in range(2)
            ],
        )
        db.session.commit()
        next_id += size


def timed(label: str, fn) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    print(f"  {label:<38} {best * 1000:8.1f} ms")
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--database", default="", help="a PostgreSQL server URL")
    args = parser.parse_args()
    from bench.feedback_intake import database

    with database(args.database, Path(tempfile.mkdtemp()), "reports") as url:
        run(url, args.answers)


def run(url: str, answers: int) -> None:
    app = create_app(
        Config(
            environment="testing",
            database_url=url,
            secret_key="b" * 40,
            tasks_immediate=True,
            log_level="WARNING",
        )
    )
    with app.app_context():
        command.upgrade(alembic_config(url), "head")
        started = time.perf_counter()
        build(answers)
        services.rebuild_figures()
        print(
            f"{db.engine.dialect.name}: {answers:,} answers built in "
            f"{time.perf_counter() - started:.0f} s"
        )
        everything = services.ReportFilter()
        recent = services.ReportFilter(start_month=(date.today().year - 1) * 100 + 1)
        worst = 0.0
        for dimension in services.DIMENSIONS:
            worst = max(
                worst,
                timed(f"NPS by {dimension}", lambda d=dimension: services.nps_rows(d, everything)),
            )
        worst = max(worst, timed("overall NPS, last year", lambda: services.overall_nps(recent)))
        worst = max(worst, timed("statements", lambda: services.statement_rows(everything)))
        worst = max(
            worst,
            timed(
                "unit comparison (sorted by NPS)",
                lambda: services.unit_comparison(everything, sort="nps", descending=True),
            ),
        )
        worst = max(
            worst,
            timed(
                "area comparison", lambda: services.unit_comparison(everything, dimension="area")
            ),
        )
        print(f"  slowest: {worst * 1000:.0f} ms ({'under' if worst < 1 else 'OVER'} 1 s)")
        assert db.session.scalar(select(Question.id).limit(1)) is not None


if __name__ == "__main__":
    main()
