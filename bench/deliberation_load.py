"""Load-test the vote endpoint: gunicorn (2 workers) on loopback, hammered by ``wrk``.

For each database (SQLite, then PostgreSQL when a URL is given) the script creates a fresh
database, seeds an open conversation, starts gunicorn on a free port, makes N anonymous
participants up front (each GET gives a session cookie, a participant cookie and a CSRF
token, as a browser gets them), then lets ``wrk`` POST votes for a bounded time through a
Lua script that rotates through the participants and statements. Prints votes/s, wrk's
latency median and p99, the server-side median and p99 from the request log, and checks
that every acknowledged vote is in the database.

Next to it, the same gunicorn settings serve a minimal Flask + SQLAlchemy endpoint (one
upsert and one commit per request, no sessions, checks or history) on the same database and
the same wrk script; the ratio of the two rates says how much of the stack's speed the real
vote endpoint keeps. The two are loaded in alternating slices (``--rounds``) of the duration,
so a shared machine's changing load falls on both alike.

    python bench/deliberation_load.py
    python bench/deliberation_load.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    PORTAL_BENCH_POSTGRES_URL=... python bench/deliberation_load.py --duration 10 --connections 16
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import servers  # noqa: E402 - after the path above

SECRET = "bench-secret-key-" + "x" * 40
TARGET_MEDIAN_MS = 50.0
EXTRA_GUNICORN_ARGS: list[str] = []


@contextmanager
def database(kind: str, postgres_url: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    from sqlalchemy import create_engine, make_url, text

    name = f"osallistu_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin_url = make_url(postgres_url)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
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


def seed(url: str, statements: int) -> tuple[int, list[int]]:
    """Migrate, then create an open conversation with ``statements`` seed statements."""
    from alembic import command

    from portal.accounts.services import create_user
    from portal.app import create_app
    from portal.config import Config
    from portal.core.cli import alembic_config
    from portal.core.permissions import Role
    from portal.deliberation import services
    from portal.extensions import db

    app = create_app(Config(database_url=url, secret_key=SECRET, log_level="WARNING"))
    with app.app_context():
        command.upgrade(alembic_config(url), "head")
        coordinator = create_user(
            email="bench@example.fi",
            name="Bench",
            password=secrets.token_urlsafe(16),
            roles={Role.COORDINATOR},
            locale="fi",
            verified=True,
        )
        db.session.commit()
        conversation = services.create_conversation(
            actor=coordinator,
            fields=services.ConversationFields(topic_fi="Kuormitustesti"),
            seed_statements=[f"Väite numero {n} palveluista" for n in range(statements)],
        )
        services.change_status(actor=coordinator, conversation=conversation, status="open")
        ids = [s.id for s in services.statements_of(conversation)]
        app.extensions["portal.db"].engine.dispose()
        return conversation.id, ids


MINIMAL_VALUES = {"agree": -1, "disagree": 1, "pass": 0}


def minimal_app() -> Any:
    """The floor to compare with: Flask + SQLAlchemy, one upsert and one commit per vote.

    Served by gunicorn as ``deliberation_load:minimal_app()``. The participant is a hash of
    the request's cookies, so the same wrk script spreads its votes the same way.
    """
    import zlib

    from flask import Flask, redirect, request
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import scoped_session, sessionmaker

    engine = create_engine(os.environ["PORTAL_DATABASE_URL"], pool_pre_ping=False)
    sessions = scoped_session(sessionmaker(engine))
    upsert = text(
        "INSERT INTO bench_minimal_votes (participant_id, statement_id, value, updated_at) "
        "VALUES (:participant, :statement, :value, CURRENT_TIMESTAMP) "
        "ON CONFLICT (participant_id, statement_id) "
        "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
    )
    app = Flask("minimal_vote")

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    @app.post("/deliberation/<int:conversation_id>/statements/<int:statement_id>/vote")
    def vote(conversation_id: int, statement_id: int) -> Any:
        participant = zlib.crc32(request.headers.get("Cookie", "").encode())
        session = sessions()
        session.execute(
            upsert,
            {
                "participant": participant,
                "statement": statement_id,
                "value": MINIMAL_VALUES.get(request.form.get("vote", ""), 0),
            },
        )
        session.commit()
        return redirect(f"/deliberation/{conversation_id}#current-statement", 303)

    @app.teardown_appcontext
    def release(_error: Any) -> None:
        sessions.remove()

    return app


def create_minimal_table(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE IF NOT EXISTS bench_minimal_votes (participant_id BIGINT NOT NULL, "
                "statement_id INTEGER NOT NULL, value SMALLINT NOT NULL, "
                "updated_at TIMESTAMP NOT NULL, PRIMARY KEY (participant_id, statement_id))"
            )
        )
    engine.dispose()


@contextmanager
def gunicorn(
    url: str, port: int, log_path: Path, app_spec: str = "wsgi:app"
) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
        "PORTAL_DATABASE_URL": url,
        "PORTAL_SECRET_KEY": SECRET,
        "PORTAL_LOG_LEVEL": "INFO",
        "PORTAL_BIND": f"127.0.0.1:{port}",
        "PORTAL_WORKERS": "2",
    }
    with servers.gunicorn(app_spec, port, env, log_path, extra_args=EXTRA_GUNICORN_ARGS) as server:
        yield server


def make_participant(base: str, conversation_id: int) -> tuple[str, str]:
    """One browser's cookies and CSRF token, from a GET of the participation page."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/deliberation/{conversation_id}", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if token is None:
        raise RuntimeError("no CSRF token on the participation page")
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookies, token.group(1)


LUA = """
local participants = {participants}
local statements = {statements}
local values = {{"agree", "disagree", "pass"}}
local counter = 0
local started = 0
function setup(thread)
  started = started + 1
  thread:set("id", started)
end
function init(args)
  -- Each wrk thread starts elsewhere in the participant list and draws its own statements;
  -- the clock in the seed keeps the slices of an alternating run from repeating each other.
  local now = os.time()
  counter = id * 7919 + (now % 1000) * 131
  math.randomseed(id * 1000003 + now)
end
request = function()
  counter = counter + 1
  local p = participants[(counter % #participants) + 1]
  local s = statements[math.random(#statements)]
  local body = "csrf_token=" .. p[2] .. "&vote=" .. values[math.random(3)]
  return wrk.format("POST", "/deliberation/{conversation}/statements/" .. s .. "/vote",
    {{["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = p[1]}}, body)
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal here


def parse_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def hammer(
    base: str, script: Path, args: argparse.Namespace, seconds: int | None = None
) -> dict[str, Any]:
    """Run wrk for ``seconds`` (default ``args.duration``); its rate, latency median and p99."""
    seconds = seconds or args.duration
    output = subprocess.run(
        [
            "wrk",
            f"-t{min(2, args.connections)}",
            f"-c{args.connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latency = dict(re.findall(r"^\s+(50|99)(?:\.000)?%\s+(\S+)\s*$", output, re.MULTILINE))
    if "99" not in latency:
        print(output, file=sys.stderr)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rate": rate,
        "median_ms": round(parse_ms(latency["50"]), 2),
        "p99_ms": round(parse_ms(latency["99"]), 2),
        "non_2xx_3xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def alternate(targets: list[str], script: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Load each target for ``args.duration`` seconds in all, in ``args.rounds`` alternating
    slices, so that a change in the machine's load in between hits all of them alike.

    Per target: the mean rate over its slices, the median of the slices' latency medians,
    the largest p99 and the sum of non-2xx/3xx answers.
    """
    seconds = max(1, args.duration // args.rounds)
    slices: list[list[dict[str, Any]]] = [[] for _ in targets]
    for _round in range(args.rounds):
        for i, base in enumerate(targets):
            slices[i].append(hammer(base, script, args, seconds))
    return [
        {
            "rate": statistics.fmean(m["rate"] for m in measured),
            "median_ms": round(statistics.median(m["median_ms"] for m in measured), 2),
            "p99_ms": max(m["p99_ms"] for m in measured),
            "non_2xx_3xx": sum(m["non_2xx_3xx"] for m in measured),
        }
        for measured in slices
    ]


def run(kind: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    with database(kind, args.postgres, folder) as url:
        conversation_id, statement_ids = seed(url, args.statements)
        port = servers.free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = folder / f"gunicorn-{kind}.log"
        with gunicorn(url, port, log_path):
            with ThreadPoolExecutor(8) as pool:
                participants = list(
                    pool.map(
                        lambda _: make_participant(base, conversation_id),
                        range(args.participants),
                    )
                )
            script = folder / f"votes-{kind}.lua"
            script.write_text(
                LUA.format(
                    participants="{"
                    + ",".join(f"{{{lua_string(c)},{lua_string(t)}}}" for c, t in participants)
                    + "}",
                    statements="{" + ",".join(map(str, statement_ids)) + "}",
                    conversation=conversation_id,
                )
            )
            started_log = log_path.stat().st_size
            if args.no_minimal:
                measured, minimal = hammer(base, script, args), None
            else:
                # The minimal endpoint runs next to it, on the same database and script.
                create_minimal_table(url)
                minimal_port = servers.free_port()
                with gunicorn(
                    url,
                    minimal_port,
                    folder / "gunicorn-minimal.log",
                    "deliberation_load:minimal_app()",
                ):
                    measured, minimal = alternate(
                        [base, f"http://127.0.0.1:{minimal_port}"], script, args
                    )
        server_ms = []
        statuses: dict[int, int] = {}
        with log_path.open("rb") as log:
            log.seek(started_log)
            for line in log.read().decode(errors="replace").splitlines():
                start = line.find("{")
                if '"deliberation.vote"' not in line or start < 0:
                    continue
                event = json.loads(line[start:])
                statuses[event["status"]] = statuses.get(event["status"], 0) + 1
                if event["status"] == 303:
                    server_ms.append(float(event["ms"]))
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as connection:
            events = connection.execute(
                text("SELECT count(*) FROM deliberation_vote_events")
            ).scalar()
            current = connection.execute(text("SELECT count(*) FROM deliberation_votes")).scalar()
        engine.dispose()

    server_ms.sort()
    return {
        "database": kind,
        "participants": args.participants,
        "statements": args.statements,
        "connections": args.connections,
        "duration_s": args.duration,
        "votes_per_s": round(measured["rate"], 1),
        "wrk_median_ms": measured["median_ms"],
        "wrk_p99_ms": measured["p99_ms"],
        "server_median_ms": round(statistics.median(server_ms), 2) if server_ms else None,
        "server_p99_ms": round(server_ms[int(0.99 * (len(server_ms) - 1))], 2)
        if server_ms
        else None,
        "acknowledged": len(server_ms),
        "statuses": statuses,
        "non_2xx_3xx": measured["non_2xx_3xx"],
        "vote_events_in_db": events,
        "current_votes_in_db": current,
        "minimal_per_s": round(minimal["rate"], 1) if minimal else None,
        "minimal_wrk_median_ms": minimal["median_ms"] if minimal else None,
        "minimal_non_2xx_3xx": minimal["non_2xx_3xx"] if minimal else None,
        "ratio_to_minimal": round(measured["rate"] / minimal["rate"], 3) if minimal else None,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("PORTAL_BENCH_POSTGRES_URL", ""))
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--statements", type=int, default=100)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument(
        "--no-minimal", action="store_true", help="skip the minimal endpoint for comparison"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="alternate the vote and the minimal endpoint in this many slices of the duration",
    )
    parser.add_argument(
        "--gunicorn-arg", action="append", default=[], help="extra gunicorn argument (repeat)"
    )
    args = parser.parse_args()
    EXTRA_GUNICORN_ARGS.extend(args.gunicorn_arg)
    kinds = ["sqlite"] + (["postgresql"] if args.postgres else [])
    if args.only:
        kinds = [args.only]
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            result = run(kind, args, Path(tmp))
            ok = (
                result["server_median_ms"] is not None
                and result["server_median_ms"] < TARGET_MEDIAN_MS
                and result["vote_events_in_db"] == result["acknowledged"]
            )
            result["target_met"] = ok
            print(json.dumps(result))


if __name__ == "__main__":
    main()
