"""Pre-counted report cells: kept current per answer, rebuilt after bulk loads.

Reports read :class:`FigureCell` and :class:`StatementCell` rows (at most one per unit,
channel, language, questionnaire and month) instead of every answer, which keeps each
report query well under a second at a million answers on SQLite too.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    ARRAY,
    Connection,
    Insert,
    Integer,
    Select,
    String,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    true,
)
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
    return _add_to_cells(model, (pg_insert if dialect == "postgresql" else sqlite_insert)(model))


def _add_to_cells(model: type, statement: Insert) -> Insert:
    table = model.__table__  # type: ignore[attr-defined]
    counts = BANDS if model is FigureCell else VALUES
    key = [*KEY, *(["question_code"] if "question_code" in table.c else [])]
    return statement.on_conflict_do_update(  # type: ignore[attr-defined]
        index_elements=key,
        set_={name: table.c[name] + statement.excluded[name] for name in counts},  # type: ignore[attr-defined]
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


def store_counted_answer(
    connection: Connection,
    row: Mapping[str, Any],
    statements: Mapping[str, tuple[int, int]],
) -> int | None:
    """PostgreSQL: insert an answer, its statement values and its counts in one statement.

    ``row`` holds the answer's columns; ``statements`` maps question codes to (question id,
    value). Returns the new answer's id, or ``None`` when the submission id is stored
    already (then nothing is written or counted). One statement is one round trip and,
    in autocommit, its own transaction: the intake of every web and kiosk answer.
    """
    parameters = {
        **row,
        "question_ids": [question_id for question_id, _value in statements.values()],
        "codes": list(statements),
        "values": [value for _question_id, value in statements.values()],
    }
    return connection.execute(_counted_answer_statement(tuple(row)), parameters).scalar()


@functools.cache
def _counted_answer_statement(columns: tuple[str, ...]) -> Select:
    answers = Answer.__table__
    answer = (
        pg_insert(answers)
        .values({name: bindparam(name, type_=answers.c[name].type) for name in columns})
        .on_conflict_do_nothing(index_elements=[answers.c.submission_id])
        .returning(answers.c.id, answers.c.score, answers.c.service_area_id, *_key(answers))
        .cte("answer")
    )
    given = (
        func.unnest(
            bindparam("question_ids", type_=ARRAY(Integer)),
            bindparam("codes", type_=ARRAY(String)),
            bindparam("values", type_=ARRAY(Integer)),
        )
        .table_valued("question_id", "code", "value")
        .render_derived()
    )
    each_statement = answer.join(given, true())  # one row of the answer per statement
    key = [*_key(answer), answer.c.service_area_id]
    score = answer.c.score
    bands = (
        case((score >= PROMOTER_MIN, 1), else_=0),
        case(((score >= PASSIVE_MIN) & (score < PROMOTER_MIN), 1), else_=0),
        case((score < PASSIVE_MIN, 1), else_=0),
    )
    values = [case((given.c.value == value, 1), else_=0) for value in range(len(VALUES))]
    writes = (
        insert(StatementAnswer).from_select(
            ["answer_id", "question_id", "value"],
            select(answer.c.id, given.c.question_id, given.c.value).select_from(each_statement),
        ),
        _add_to_cells(
            FigureCell,
            pg_insert(FigureCell).from_select(
                [*KEY, "service_area_id", *BANDS], select(*key, *bands).select_from(answer)
            ),
        ),
        _add_to_cells(
            StatementCell,
            pg_insert(StatementCell).from_select(
                [*KEY, "service_area_id", "question_code", *VALUES],
                select(*key, given.c.code, *values).select_from(each_statement),
            ),
        ),
    )
    names = ("statements", "figure", "cells")
    return select(answer.c.id).add_cte(
        *(write.cte(name) for write, name in zip(writes, names, strict=True))
    )


def _key(source: Any) -> list[Any]:
    return [source.c[name] for name in KEY]


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
