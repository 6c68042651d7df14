"""Storing answers from every channel: validation, anonymisation, idempotency.

An open answer is anonymised here, before it reaches the database. Contact details of a
"contact me" request go to their own encrypted row and open a follow-up case. The same
submission id (issued with the form) never stores two answers, so a double click or a
resent form is harmless.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Connection, Insert, Select, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.core.text_input import has_control_characters
from portal.extensions import db
from portal.feedback.anonymise import anonymise
from portal.feedback.models import (
    CELL_KEY,
    Answer,
    ContactRequest,
    Entry,
    FollowUpCase,
    KioskDevice,
    Question,
    QuestionKind,
    Questionnaire,
    StatementAnswer,
)
from portal.feedback.services._common import (
    FOLLOW_UP_DAYS,
    LANGUAGES,
    FeedbackError,
    month_key,
    now_utc,
    service_area_id,
    settings,
)
from portal.feedback.services.figures import count_answer, store_counted_answer
from portal.feedback.services.questionnaires import current_questionnaire

MAX_OPEN_TEXT = 4000
MAX_CONTACT = 200
FORM_TOKEN_SALT = "feedback-form"  # noqa: S105 - a signing namespace, not a secret
FORM_TOKEN_MAX_AGE = 24 * 3600


@dataclass(frozen=True)
class Submission:
    """What a respondent (or staff typing a paper form) gave, before validation."""

    unit: OrgUnit | UnitRef
    channel: str
    language: str
    score: int | None
    statements: Mapping[str, int] = field(default_factory=dict)  # question code -> 0-5
    open_text: str = ""
    wants_contact: bool = False
    contact_name: str = ""
    contact: str = ""
    entry: str = Entry.RESPONDENT
    submitted_on: date | None = None
    activity_id: int | None = None


# --- form tokens --------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return _serializer_for(settings().secret_key)


@functools.lru_cache(maxsize=4)
def _serializer_for(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=FORM_TOKEN_SALT)


def issue_form_token(unit_id: int, channel: str) -> str:
    """A signed token carrying a fresh submission id, put in the form as a hidden field."""
    return _serializer().dumps({"s": secrets.token_hex(16), "u": unit_id, "c": channel})


def submission_id_from_token(token: str, *, unit_id: int, channel: str) -> str:
    """The submission id of a form token issued for this unit and channel."""
    try:
        payload = _serializer().loads(token or "", max_age=FORM_TOKEN_MAX_AGE)
    except BadSignature:
        raise FeedbackError("form_expired") from None
    if payload.get("u") != unit_id or payload.get("c") != channel:
        raise FeedbackError("form_expired")
    return f"{channel}:{payload['s']}"


# --- kiosk devices ------------------------------------------------------------------------


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_kiosk_device(*, unit: OrgUnit, name: str) -> tuple[KioskDevice, str]:
    """A new device bound to ``unit``; returns the device and its secret (shown once)."""
    if not name.strip():
        raise FeedbackError("device_name_required")
    secret = secrets.token_urlsafe(24)
    device = KioskDevice(
        org_unit_id=unit.id, name=name.strip()[:120], token_hash=_token_hash(secret)
    )
    db.session.add(device)
    db.session.commit()
    return device, secret


def kiosk_device(secret: str) -> KioskDevice | None:
    """The active device of a token, or ``None``."""
    device = db.session.scalars(
        select(KioskDevice).where(KioskDevice.token_hash == _token_hash(secret))
    ).first()
    return device if device is not None and device.revoked_at is None else None


def revoke_kiosk_device(device: KioskDevice, *, now: datetime | None = None) -> None:
    device.revoked_at = now_utc(now)
    db.session.commit()


def kiosk_devices() -> list[KioskDevice]:
    return list(db.session.scalars(select(KioskDevice).order_by(KioskDevice.id)))


# --- answers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRef:
    """The unit an answer is routed to, as storing the answer needs it."""

    id: int
    service_area_id: int | None

    @classmethod
    def of(cls, unit: OrgUnit | UnitRef) -> UnitRef:
        return unit if isinstance(unit, UnitRef) else cls(unit.id, service_area_id(unit))


@dataclass(frozen=True)
class QuestionnaireShape:
    """What validating and counting an answer needs of its questionnaire."""

    id: int
    #: Question code -> question id, for the statements (the bilingual one included).
    statement_ids: Mapping[str, int]
    has_contact: bool

    @classmethod
    def of(cls, questionnaire: Questionnaire) -> QuestionnaireShape:
        return cls._from_rows(
            questionnaire.id, [(q.id, q.code, q.kind) for q in questionnaire.questions]
        )

    @classmethod
    def _from_rows(
        cls, questionnaire_id: int, questions: Iterable[tuple[int, str, str]]
    ) -> QuestionnaireShape:
        questions = list(questions)
        return cls(
            id=questionnaire_id,
            statement_ids={code: qid for qid, code, kind in questions if kind in _STATEMENTS},
            has_contact=any(kind == QuestionKind.CONTACT for _qid, _code, kind in questions),
        )


_STATEMENTS = (QuestionKind.STATEMENT, QuestionKind.BILINGUAL)


@functools.cache
def _target_query() -> Select:
    """The unit with two ancestors, and the questions of the channel's questionnaire."""
    units, questionnaires, questions = (
        OrgUnit.__table__,
        Questionnaire.__table__,
        Question.__table__,
    )
    parent, grand = units.alias("parent"), units.alias("grand")
    current = (
        select(questionnaires.c.id)
        .where(
            questionnaires.c.channel == bindparam("channel"),
            questionnaires.c.is_current.is_(True),
        )
        .order_by(questionnaires.c.version.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            units.c.kind,
            parent.c.id,
            parent.c.kind,
            grand.c.id,
            grand.c.kind,
            questions.c.questionnaire_id,
            questions.c.id,
            questions.c.code,
            questions.c.kind,
        )
        .select_from(
            units.outerjoin(parent, parent.c.id == units.c.parent_id)
            .outerjoin(grand, grand.c.id == parent.c.parent_id)
            .outerjoin(questions, questions.c.questionnaire_id == current)
        )
        .where(units.c.id == bindparam("unit_id"))
    )


@contextmanager
def posting_connection() -> Iterator[Connection | None]:
    """The connection a posted answer is looked up and stored on (``None``: the session's).

    On PostgreSQL it runs in autocommit: the lookup and the one statement that stores the
    answer are each a transaction of their own, so a posted answer costs two round trips
    to the server where a transaction around them would add a BEGIN and a COMMIT. SQLite
    runs in-process, without round trips: there it is the session's.
    """
    engine = db.session.get_bind()
    if engine.dialect.name != "postgresql":
        yield None
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection


def posting_target(
    unit_id: int, channel: str, *, connection: Connection | None = None
) -> tuple[UnitRef, QuestionnaireShape] | None:
    """Where an answer posted for ``unit_id`` goes and what its questionnaire asks.

    None when there is no such unit (or it is the county). Every posted answer asks this,
    so it is one plain query: the unit with two ancestors (its service area is among them
    in the county's tree) beside the questions of the channel's current questionnaire.
    """
    rows = (
        (connection or db.session.connection())
        .execute(_target_query(), {"unit_id": unit_id, "channel": channel})
        .all()
    )
    if not rows or rows[0][0] == OrgUnitKind.COUNTY:
        return None
    first = rows[0]
    kinds = ((unit_id, first[0]), (first[1], first[2]), (first[3], first[4]))
    area = next((node for node, kind in kinds if kind == OrgUnitKind.SERVICE_AREA), None)
    if area is None and first[3] is not None and first[4] != OrgUnitKind.COUNTY:
        unit = UnitRef.of(db.session.get_one(OrgUnit, unit_id))  # a deeper tree: walk it
    else:
        unit = UnitRef(unit_id, area)
    if first[5] is None:  # no questionnaire yet: the national seed, on first use
        shape = QuestionnaireShape.of(current_questionnaire(channel))
        db.session.commit()  # visible to the posting connection, which is not the session's
        return unit, shape
    return unit, QuestionnaireShape._from_rows(first[5], [row[6:] for row in rows])


def _validate(submission: Submission, shape: QuestionnaireShape) -> dict[int, int]:
    if submission.language not in LANGUAGES:
        raise FeedbackError("language_unsupported")
    if submission.score is None:
        raise FeedbackError("score_required")
    if not 0 <= submission.score <= 10:
        raise FeedbackError("score_out_of_range")
    if len(submission.open_text) > MAX_OPEN_TEXT:
        raise FeedbackError("text_too_long", limit=MAX_OPEN_TEXT)
    if has_control_characters(submission.open_text, multiline=True) or any(
        has_control_characters(text) for text in (submission.contact, submission.contact_name)
    ):
        raise FeedbackError("control_characters")
    if submission.wants_contact:
        if not submission.contact.strip():
            raise FeedbackError("contact_required")
        if len(submission.contact) > MAX_CONTACT or len(submission.contact_name) > MAX_CONTACT:
            raise FeedbackError("contact_too_long")
    values: dict[int, int] = {}
    for code, value in submission.statements.items():
        if code not in shape.statement_ids:
            raise FeedbackError("unknown_statement", code=code)
        if value is None:
            continue
        if not 0 <= int(value) <= 5:
            raise FeedbackError("statement_out_of_range")
        values[shape.statement_ids[code]] = int(value)
    return values


def store_answer(
    submission: Submission,
    *,
    shape: QuestionnaireShape,
    submission_id: str,
    now: datetime | None = None,
    connection: Connection | None = None,
) -> tuple[int, bool]:
    """Store one answer (and commit); returns ``(answer id, created)``.

    A submission id seen before returns the stored answer's id and ``created=False``.
    Written as plain statements: every channel's answers arrive through here. On
    PostgreSQL an answer without a contact request is one statement (on ``connection``,
    see :func:`posting_connection`); a contact request opens its follow-up case in the
    session's transaction.
    """
    values = _validate(submission, shape)
    unit = UnitRef.of(submission.unit)
    moment = now_utc(now)
    day = submission.submitted_on or moment.date()
    text = submission.open_text.strip()
    row = {
        "submission_id": submission_id,
        "questionnaire_id": shape.id,
        "org_unit_id": unit.id,
        "service_area_id": unit.service_area_id,
        "activity_id": submission.activity_id,
        "channel": submission.channel,
        "entry": submission.entry,
        "language": submission.language,
        "submitted_on": day,
        "period_month": month_key(day),
        "score": submission.score,
        "open_text": anonymise(text, submission.language).text if text else "",
        "themes_suggested": "",
        "created_at": moment,
    }
    codes = {qid: code for code, qid in shape.statement_ids.items()}
    if connection is None or submission.wants_contact:
        connection = db.session.connection()
    if connection.dialect.name == "postgresql" and not submission.wants_contact:
        answer_id = store_counted_answer(
            connection, row, {codes[q]: (q, v) for q, v in values.items()}
        )
        db.session.commit()  # ends the session's transaction when the caller passed none
        if answer_id is not None:
            return answer_id, True
        # Stored nothing: the insert skips only a submission id that is stored already.
        return db.session.scalars(_stored_answer(submission_id)).one(), False
    # A submission seen before is found by its unique id when the insert is refused, so
    # the common case (a new answer) costs no lookup.
    try:
        answer_id = connection.execute(_answer_insert(), row).inserted_primary_key[0]
        if values:
            connection.execute(
                _statement_insert(),
                [{"answer_id": answer_id, "question_id": q, "value": v} for q, v in values.items()],
            )
        count_answer(
            connection,
            {name: row[name] for name in (*CELL_KEY, "service_area_id")},
            submission.score,
            {codes[qid]: value for qid, value in values.items()},
        )
        if submission.wants_contact:
            open_follow_up(
                answer_id=answer_id,
                unit_id=unit.id,
                name=submission.contact_name.strip(),
                contact=submission.contact.strip(),
                language=submission.language,
                now=moment,
            )
        db.session.commit()
    except IntegrityError:  # the same form arrived twice at the same moment
        db.session.rollback()
        stored = db.session.scalar(_stored_answer(submission_id))
        if stored is None:
            raise
        return stored, False
    return answer_id, True


def _stored_answer(submission_id: str) -> Select:
    return select(Answer.id).where(Answer.submission_id == submission_id)


@functools.cache
def _answer_insert() -> Insert:
    return insert(Answer.__table__)


@functools.cache
def _statement_insert() -> Insert:
    return insert(StatementAnswer.__table__)


def submit_answer(
    submission: Submission,
    *,
    submission_id: str,
    questionnaire: Questionnaire | None = None,
    now: datetime | None = None,
) -> tuple[Answer, bool]:
    """:func:`store_answer` for callers that hold the questionnaire and want the answer."""
    questionnaire = questionnaire or current_questionnaire(submission.channel)
    answer_id, created = store_answer(
        submission,
        shape=QuestionnaireShape.of(questionnaire),
        submission_id=submission_id,
        now=now,
    )
    return db.session.get_one(Answer, answer_id), created


def open_follow_up(
    *,
    answer_id: int,
    unit_id: int,
    name: str,
    contact: str,
    language: str,
    now: datetime | None = None,
) -> FollowUpCase:
    """A follow-up case owned by the answer's unit, due in 7 days; contact kept encrypted."""
    moment = now_utc(now)
    case = FollowUpCase(
        answer_id=answer_id,
        owner_unit_id=unit_id,
        opened_at=moment,
        due_on=moment.date() + timedelta(days=FOLLOW_UP_DAYS),
    )
    case.contact = ContactRequest(name=name, contact=contact, language=language)
    db.session.add(case)
    db.session.flush()
    return case
