"""Questionnaires as data: the national seed per channel and versioned edits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.core.text_input import has_control_characters
from portal.extensions import db
from portal.feedback.models import Answer, Question, QuestionKind, Questionnaire
from portal.feedback.questionnaire_seed import COUNTY, SEED_QUESTIONNAIRES, SeedQuestion
from portal.feedback.services._common import FeedbackError, audit

MIN_STATEMENTS = 0
MAX_STATEMENTS = 9


def _append_questions(questionnaire: Questionnaire, questions: Sequence[SeedQuestion]) -> None:
    """Fill an empty questionnaire with ``questions``, numbered from 1."""
    for position, seed in enumerate(questions, start=1):
        questionnaire.questions.append(
            Question(
                position=position,
                kind=seed.kind,
                code=seed.code,
                text_fi=seed.fi,
                text_sv=seed.sv,
                text_en=seed.en,
                plain_fi=seed.plain_fi,
                plain_sv=seed.plain_sv,
                source=seed.source,
            )
        )


def _create(
    code: str,
    channel: str,
    titles: Sequence[str],
    questions: Sequence[SeedQuestion],
    *,
    kind: str,
    source: str,
    version: int = 1,
) -> Questionnaire:
    questionnaire = Questionnaire(
        code=code,
        version=version,
        kind=kind,
        channel=channel,
        title_fi=titles[0],
        title_sv=titles[1],
        title_en=titles[2],
        source=source,
        is_current=True,
    )
    _append_questions(questionnaire, questions)
    db.session.add(questionnaire)
    db.session.flush()
    return questionnaire


def current_questionnaire(channel: str) -> Questionnaire:
    """The questionnaire now in use for ``channel``; the national seed on first use."""
    # One query with the questions joined: every answer posted goes through here.
    found = (
        db.session.scalars(
            select(Questionnaire)
            .options(joinedload(Questionnaire.questions))
            .where(Questionnaire.channel == channel, Questionnaire.is_current.is_(True))
            .order_by(Questionnaire.version.desc())
        )
        .unique()
        .first()
    )
    if found is not None:
        return found
    if channel not in SEED_QUESTIONNAIRES:
        raise FeedbackError("unknown_channel")
    code, titles, questions = SEED_QUESTIONNAIRES[channel]
    kind = "participation" if channel == "survey" else "customer"
    source = questions[1].source if len(questions) > 1 else questions[0].source
    return _create(code, channel, titles, questions, kind=kind, source=source)


def ensure_seed_questionnaires() -> list[Questionnaire]:
    return [current_questionnaire(channel) for channel in SEED_QUESTIONNAIRES]


def all_questionnaires() -> list[Questionnaire]:
    return list(
        db.session.scalars(
            select(Questionnaire).order_by(Questionnaire.channel, Questionnaire.version.desc())
        )
    )


def answer_count(questionnaire: Questionnaire) -> int:
    return (
        db.session.scalar(
            select(func.count(Answer.id)).where(Answer.questionnaire_id == questionnaire.id)
        )
        or 0
    )


@dataclass(frozen=True, slots=True)
class QuestionText(SeedQuestion):
    """An edited question: a seed question written by the county, whose Swedish and
    English texts may be left empty (they fall back to Finnish)."""

    sv: str = ""
    en: str = ""
    source: str = COUNTY


def save_questionnaire(
    *,
    actor: object,
    questionnaire: Questionnaire,
    titles: Sequence[str],
    questions: Sequence[QuestionText],
) -> Questionnaire:
    """Save an edit: in place while unanswered, otherwise as a new version (and commit)."""
    kinds = [q.kind for q in questions]
    if kinds.count(QuestionKind.NPS) != 1:
        raise FeedbackError("one_nps_question")
    if sum(kind == QuestionKind.STATEMENT for kind in kinds) > MAX_STATEMENTS:
        raise FeedbackError("too_many_statements")
    if any(not q.fi.strip() for q in questions) or not titles[0].strip():
        raise FeedbackError("finnish_text_required")
    texts = [
        *titles,
        *(text for q in questions for text in (q.fi, q.sv, q.en, q.plain_fi, q.plain_sv)),
    ]
    if any(has_control_characters(text) for text in texts):
        raise FeedbackError("control_characters")
    codes = [q.code for q in questions]
    if len(set(codes)) != len(codes):
        raise FeedbackError("question_code_repeated")
    seeds = [
        replace(
            q,
            fi=q.fi.strip(),
            sv=q.sv.strip(),
            en=q.en.strip(),
            plain_fi=q.plain_fi.strip(),
            plain_sv=q.plain_sv.strip(),
        )
        for q in questions
    ]
    if answer_count(questionnaire) == 0:
        questionnaire.title_fi, questionnaire.title_sv, questionnaire.title_en = (
            t.strip() for t in titles
        )
        questionnaire.questions.clear()
        db.session.flush()
        _append_questions(questionnaire, seeds)
        result = questionnaire
    else:
        questionnaire.is_current = False
        latest = (
            db.session.scalar(
                select(func.max(Questionnaire.version)).where(
                    Questionnaire.code == questionnaire.code
                )
            )
            or questionnaire.version
        )
        result = _create(
            questionnaire.code,
            questionnaire.channel,
            [t.strip() for t in titles],
            seeds,
            kind=questionnaire.kind,
            source=questionnaire.source,
            version=latest + 1,
        )
    audit(actor, "questionnaire_saved", "feedback_questionnaire", result.id, version=result.version)
    db.session.commit()
    return result
