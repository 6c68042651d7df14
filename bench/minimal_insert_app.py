"""The baseline of the intake benchmark: a minimal Flask endpoint doing one insert.

``BENCH_DATABASE_URL`` names the database; the table is created on start.
"""

from __future__ import annotations

import os

from flask import Flask, request
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from portal.core.db import create_portal_engine

metadata = MetaData()
answers = Table(
    "minimal_answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("score", Integer),
    Column("open_text", String(4000)),
)
# The portal's engine settings (WAL and busy timeout on SQLite, the pool on PostgreSQL).
engine = create_portal_engine(os.environ["BENCH_DATABASE_URL"])
metadata.create_all(engine)
app = Flask(__name__)


@app.get("/healthz")
def healthz() -> str:
    return "ok"


@app.post("/answer")
def answer() -> tuple[str, int]:
    with engine.begin() as connection:
        connection.execute(
            insert(answers).values(
                score=int(request.form.get("score", "0")),
                open_text=request.form.get("open_text", ""),
            )
        )
    return "", 204
