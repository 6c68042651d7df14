"""Web-form intake rate against a minimal one-insert Flask endpoint, same gunicorn settings.

``python bench/feedback_intake.py [--postgres URL] [--rounds 5] [--duration 5]
[--connections 8]``

Both servers run with ``portal/gunicorn.conf.py`` (2 workers) on loopback against a fresh
database of the same kind, side by side, and ``wrk`` drives them in turn for the same time
in each round; the ratio's median and range over the rounds are printed. The feedback form
gets a different signed form token on every request (as browsers do; a repeated token
would store nothing, by design) and a short open answer, so every request anonymises and
stores one answer and updates its report cell. Prints both rates and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import servers  # noqa: E402 - after the path above

SECRET = "intake-benchmark-secret-" + "x" * 20
TOKENS = 60_000


@contextmanager
def database(postgres: str, folder: Path, name: str) -> Iterator[str]:
    if not postgres:
        yield f"sqlite:///{folder}/{name}.sqlite3"
        return
    from sqlalchemy import create_engine, make_url, text

    admin = create_engine(make_url(postgres), isolation_level="AUTOCOMMIT")
    database_name = f"feedback_intake_{name}_{os.getpid()}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database_name}"'))
    try:
        yield make_url(postgres).set(database=database_name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": database_name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database_name}"'))
        admin.dispose()


def prepare_portal(url: str) -> tuple[int, list[str]]:
    from alembic import command

    from portal.accounts.models import OrgUnit, OrgUnitKind
    from portal.app import create_app
    from portal.config import Config
    from portal.core.cli import alembic_config
    from portal.extensions import db
    from portal.feedback import services

    app = create_app(
        Config(environment="testing", database_url=url, secret_key=SECRET, log_level="WARNING")
    )
    with app.app_context():
        command.upgrade(alembic_config(url), "head")
        area = OrgUnit(kind=OrgUnitKind.SERVICE_AREA, name_fi="Alue")
        unit = OrgUnit(kind=OrgUnitKind.UNIT, name_fi="Yksikkö", parent=area)
        db.session.add_all([area, unit])
        db.session.commit()
        services.current_questionnaire("web")
        db.session.commit()
        tokens = [services.issue_form_token(unit.id, "web") for _ in range(TOKENS)]
        unit_id = unit.id
        db.engine.dispose()
    return unit_id, tokens


LUA = """
local bodies = {}
for line in io.lines("%(tokens)s") do bodies[#bodies + 1] = line end
local counter = 0
local started = 0
function setup(thread)
  started = started + 1
  thread:set("id", started)
end
function init(args)
  counter = id * %(stride)d
end
request = function()
  counter = counter + 1
  return wrk.format("POST", "%(path)s",
    {["Content-Type"] = "application/x-www-form-urlencoded"}, bodies[(counter %% #bodies) + 1])
end
"""


def drive(
    port: int, path: str, bodies: list[str], folder: Path, name: str, args: argparse.Namespace
) -> float:
    body_file = folder / f"{name}-bodies.txt"
    body_file.write_text("\n".join(bodies) + "\n")
    script = folder / f"{name}.lua"
    script.write_text(LUA % {"tokens": body_file, "stride": len(bodies) // 2, "path": path})
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=args.duration + 60,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        print(f"  {name}: {errors.group(1)} responses were not 2xx/3xx")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="")
    parser.add_argument("--duration", type=int, default=5, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    text = "Odotin+aulassa+puoli+tuntia+mutta+hoitaja+oli+ystävällinen"
    with (
        database(args.postgres, folder, "portal") as portal_url,
        database(args.postgres, folder, "minimal") as minimal_url,
    ):
        unit_id, tokens = prepare_portal(portal_url)
        bodies = [f"token={t}&lang=fi&score=8&open_text={text}" for t in tokens]
        per_round = len(bodies) // args.rounds
        portal_port, minimal_port = servers.free_port(), servers.free_port()
        # Both servers run side by side and are driven in turn, round after round, so a
        # change in the machine's load touches both figures of a round alike.
        with (
            servers.gunicorn(
                "wsgi:app",
                portal_port,
                {
                    "PYTHONPATH": str(ROOT),
                    "PORTAL_DATABASE_URL": portal_url,
                    "PORTAL_SECRET_KEY": SECRET,
                    "PORTAL_LOG_LEVEL": "WARNING",
                    "PORTAL_FEEDBACK_RATE_LIMIT": "100000000 per minute",
                    "PORTAL_ENVIRONMENT": "development",
                },
                folder / "portal.log",
            ),
            servers.gunicorn(
                "bench.minimal_insert_app:app",
                minimal_port,
                {"PYTHONPATH": str(ROOT), "BENCH_DATABASE_URL": minimal_url},
                folder / "minimal.log",
            ),
        ):
            rounds = []
            for number in range(args.rounds):
                # Fresh form tokens every round: a token sent before would store nothing.
                fresh = bodies[number * per_round : (number + 1) * per_round]
                portal_rate = drive(
                    portal_port, f"/feedback/unit/{unit_id}", fresh, folder, f"p{number}", args
                )
                minimal_rate = drive(
                    minimal_port,
                    "/answer",
                    [f"score=8&open_text={text}"] * 100,
                    folder,
                    f"m{number}",
                    args,
                )
                rounds.append((portal_rate, minimal_rate))
                print(
                    f"round {number + 1}: feedback form {portal_rate:.0f}/s, "
                    f"minimal insert {minimal_rate:.0f}/s, ratio {portal_rate / minimal_rate:.3f}",
                    flush=True,
                )
        from sqlalchemy import create_engine, func, select, table

        engine = create_engine(portal_url)
        with engine.connect() as connection:
            stored = connection.execute(
                select(func.count()).select_from(table("feedback_answers"))
            ).scalar_one()
        engine.dispose()
    ratios = sorted(portal / minimal for portal, minimal in rounds)
    kind = "postgresql" if args.postgres else "sqlite"
    print(
        json.dumps(
            {
                "database": kind,
                "rounds": args.rounds,
                "seconds_per_round": args.duration,
                "connections": args.connections,
                "feedback_form_per_s": [round(portal, 1) for portal, _ in rounds],
                "minimal_insert_per_s": [round(minimal, 1) for _, minimal in rounds],
                "ratio_median": round(statistics.median(ratios), 3),
                "ratio_range": [round(ratios[0], 3), round(ratios[-1], 3)],
                "answers_stored": stored,
                "load_average": os.getloadavg()[0],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
