"""Pre-counted report cells: kept current per answer, rebuilt after bulk loads.

Reports read :class:`FigureCell` and :class:`StatementCell` rows (at most one per unit,
channel, language, questionnaire and month) instead of every answer, which keeps each
report query well under a second at a million answers on SQLite too.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Insert, case, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.extensions import db
from portal.feedback.models import (
    CELL_KEY,
    Answer,
    FigureCell,
    Question,
    StatementAnswer,
    StatementCell,
)
from portal.feedback.nps import PASSIVE_MIN, PROMOTER_MIN

KEY = CELL_KEY


@functools.cache
def _cell_upsert(model: type, dialect: str) -> Insert:
    """``INSERT ... ON CONFLICT`` adding the inserted counts to an existing cell."""
    table = model.__table__  # type: ignore[attr-defined]
    counts = BANDS if model is FigureCell else VALUES
    key = [*KEY, *(["question_code"] if "question_code" in table.c else [])]
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    return statement.on_conflict_do_update(
        index_elements=key,
        set_={name: table.c[name] + statement.excluded[name] for name in counts},
    )


BANDS = ("promoters", "passives", "detractors")
VALUES = tuple(f"v{value}" for value in range(6))  # 0 is "can't say"


def count_answer(
    connection: Connection,
    key: Mapping[str, Any],
    score: int | None,
    statements: Mapping[str, int],
) -> None:
    """Add one answer to its cells (in the caller's transaction).

    ``key`` holds the :data:`KEY` columns and ``service_area_id``; ``statements`` maps
    question codes to the answer's values (0 for "can't say").
    """
    dialect = connection.dialect.name
    if score is not None:
        band = (
            "promoters"
            if score >= PROMOTER_MIN
            else "passives"
            if score >= PASSIVE_MIN
            else "detractors"
        )
        connection.execute(
            _cell_upsert(FigureCell, dialect), {**key, **dict.fromkeys(BANDS, 0), band: 1}
        )
    if statements:
        zeros = dict.fromkeys(VALUES, 0)
        connection.execute(
            _cell_upsert(StatementCell, dialect),
            [
                {**key, **zeros, "question_code": code, f"v{value}": 1}
                for code, value in statements.items()
            ],
        )


def rebuild_figures() -> None:
    """Recompute every cell from the answers with two ``INSERT ... SELECT`` statements."""
    db.session.execute(delete(StatementCell))
    db.session.execute(delete(FigureCell))
    group = [getattr(Answer, name) for name in KEY]
    db.session.execute(
        insert(FigureCell).from_select(
            [*KEY, "service_area_id", "promoters", "passives", "detractors"],
            select(
                *group,
                func.max(Answer.service_area_id),
                func.sum(case((Answer.score >= PROMOTER_MIN, 1), else_=0)),
                func.sum(
                    case(
                        ((Answer.score >= PASSIVE_MIN) & (Answer.score < PROMOTER_MIN), 1), else_=0
                    )
                ),
                func.sum(case((Answer.score < PASSIVE_MIN, 1), else_=0)),
            )
            .where(Answer.score.is_not(None))
            .group_by(*group),
        )
    )
    db.session.execute(
        insert(StatementCell).from_select(
            [*KEY, "question_code", "service_area_id", "v0", "v1", "v2", "v3", "v4", "v5"],
            select(
                *group,
                Question.code,
                func.max(Answer.service_area_id),
                *(func.sum(case((StatementAnswer.value == v, 1), else_=0)) for v in range(6)),
            )
            .join(Answer, Answer.id == StatementAnswer.answer_id)
            .join(Question, Question.id == StatementAnswer.question_id)
            .group_by(*group, Question.code),
        )
    )
    db.session.commit()
