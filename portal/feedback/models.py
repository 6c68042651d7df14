"""Customer feedback: questionnaires as data, anonymous answers, follow-up and reports.

An answer never names the person who gave it: open text is anonymised before it is stored,
a "contact me" request keeps its contact details in a separate, encrypted row that is
deleted when the follow-up closes, and an SMS survey keeps only a keyed hash of the phone
number on the invitation, never on the answer.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, IdMixin, owner_key, reference_key, utcnow
from portal.core.encryption import EncryptedText


class Channel(enum.StrEnum):
    WEB = "web"
    KIOSK = "kiosk"
    SMS = "sms"
    PAPER = "paper"
    IMPORT = "import"
    SURVEY = "survey"  # participation-experience survey sent by mail


class QuestionnaireKind(enum.StrEnum):
    CUSTOMER = "customer"
    PARTICIPATION = "participation"


class QuestionKind(enum.StrEnum):
    NPS = "nps"
    STATEMENT = "statement"  # 1-5 with "can't say"
    BILINGUAL = "bilingual"  # "I got care and service in my own language", 1-5
    OPEN = "open"
    CONTACT = "contact"  # optional "contact me" request


class Entry(enum.StrEnum):
    """Who typed the answer in: the respondent, staff from a paper form, or an import."""

    RESPONDENT = "respondent"
    STAFF = "staff"
    IMPORT = "import"


NATIONAL_SOURCE = "national_customer_feedback_model"
COUNTY_SOURCE = "county"


class Questionnaire(IdMixin, Base):
    """One version of a questionnaire; answered versions are never edited in place."""

    __tablename__ = "feedback_questionnaires"

    code: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[int] = mapped_column(default=1)
    kind: Mapped[str] = mapped_column(String(20), default=QuestionnaireKind.CUSTOMER)
    channel: Mapped[str] = mapped_column(String(20))
    title_fi: Mapped[str] = mapped_column(String(200))
    title_sv: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(60), default=COUNTY_SOURCE)
    is_current: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    questions: Mapped[list[Question]] = relationship(
        back_populates="questionnaire",
        order_by="Question.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    __table_args__ = (UniqueConstraint("code", "version"),)

    def title(self, locale: str) -> str:
        return {"sv": self.title_sv, "en": self.title_en}.get(locale) or self.title_fi

    def has_plain_language(self, locale: str) -> bool:
        """Whether any question has a plain-language version in ``locale``."""
        return any(
            question.text(locale, plain=True) != question.text(locale)
            for question in self.questions
        )


class Question(IdMixin, Base):
    __tablename__ = "feedback_questions"

    questionnaire_id: Mapped[int] = owner_key("feedback_questionnaires", index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    #: Stable across versions, so reports compare the same statement over time.
    code: Mapped[str] = mapped_column(String(60))
    text_fi: Mapped[str] = mapped_column(Text)
    text_sv: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    #: Plain-language versions (selkokieli, lättläst); empty where none is provided.
    plain_fi: Mapped[str] = mapped_column(Text, default="", server_default="")
    plain_sv: Mapped[str] = mapped_column(Text, default="", server_default="")
    source: Mapped[str] = mapped_column(String(60), default=COUNTY_SOURCE)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="questions")

    __table_args__ = (UniqueConstraint("questionnaire_id", "position"),)

    def text(self, locale: str, plain: bool = False) -> str:
        if plain:
            simple = {"fi": self.plain_fi, "sv": self.plain_sv}.get(locale)
            if simple:
                return simple
        return {"sv": self.text_sv, "en": self.text_en}.get(locale) or self.text_fi


class Answer(IdMixin, Base):
    """One anonymous answer, routed to a unit (and denormalised to its service area)."""

    __tablename__ = "feedback_answers"

    #: Issued with the form; a second submission of the same form stores nothing new.
    submission_id: Mapped[str] = mapped_column(String(64), unique=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("feedback_questionnaires.id"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    service_area_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    activity_id: Mapped[int | None] = reference_key("activities", index=True)
    channel: Mapped[str] = mapped_column(String(20))
    entry: Mapped[str] = mapped_column(String(20), default=Entry.RESPONDENT)
    language: Mapped[str] = mapped_column(String(5))
    submitted_on: Mapped[date]
    #: ``year * 100 + month`` of ``submitted_on``: trends group by it without date functions.
    period_month: Mapped[int]
    score: Mapped[int | None]
    open_text: Mapped[str] = mapped_column(Text, default="")
    tone_suggested: Mapped[str | None] = mapped_column(String(10))
    themes_suggested: Mapped[str] = mapped_column(String(300), default="")
    tone: Mapped[str | None] = mapped_column(String(10))  # a person's correction
    themes: Mapped[str | None] = mapped_column(String(300))  # a person's correction
    corrected_by_id: Mapped[int | None] = reference_key("users")
    handled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship(lazy="joined")
    statements: Mapped[list[StatementAnswer]] = relationship(
        back_populates="answer", cascade="all, delete-orphan", lazy="selectin"
    )
    replies: Mapped[list[Reply]] = relationship(
        back_populates="answer", cascade="all, delete-orphan", order_by="Reply.id"
    )
    tags: Mapped[list[AnswerTag]] = relationship(
        cascade="all, delete-orphan", order_by="AnswerTag.label", lazy="selectin"
    )

    __table_args__ = (
        Index("ix_feedback_answers_unit_month", "org_unit_id", "period_month"),
        Index("ix_feedback_answers_area_month", "service_area_id", "period_month"),
        Index("ix_feedback_answers_month", "period_month"),
        Index("ix_feedback_answers_tone_suggested", "tone_suggested"),
    )

    @property
    def effective_tone(self) -> str | None:
        return self.tone or self.tone_suggested

    @property
    def effective_themes(self) -> list[str]:
        raw = self.themes if self.themes is not None else self.themes_suggested
        return [code for code in raw.split(",") if code]


class StatementAnswer(IdMixin, Base):
    """A 1-5 answer to a statement; 0 is "can't say"."""

    __tablename__ = "feedback_statement_answers"

    answer_id: Mapped[int] = owner_key("feedback_answers", index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("feedback_questions.id"), index=True)
    value: Mapped[int]

    answer: Mapped[Answer] = relationship(back_populates="statements")


class AnswerTag(IdMixin, Base):
    __tablename__ = "feedback_answer_tags"

    answer_id: Mapped[int] = owner_key("feedback_answers", index=True)
    label: Mapped[str] = mapped_column(String(60))

    __table_args__ = (UniqueConstraint("answer_id", "label"),)


class Reply(IdMixin, Base):
    """A unit's reply: public ("you said, we did") or an internal note."""

    __tablename__ = "feedback_replies"

    answer_id: Mapped[int] = owner_key("feedback_answers", index=True)
    author_id: Mapped[int | None] = reference_key("users")
    text: Mapped[str] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    answer: Mapped[Answer] = relationship(back_populates="replies")


class FollowUpCase(IdMixin, Base):
    """A "contact me" request to be handled by the owner unit within 7 days."""

    __tablename__ = "feedback_follow_ups"

    answer_id: Mapped[int] = owner_key("feedback_answers", unique=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date] = mapped_column(index=True)
    reminded_at: Mapped[datetime | None]
    overdue_reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    contacted_on: Mapped[date | None]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = reference_key("users")
    closed_note: Mapped[str] = mapped_column(Text, default="")

    answer: Mapped[Answer] = relationship(lazy="joined")
    contact: Mapped[ContactRequest | None] = relationship(
        back_populates="case", cascade="all, delete-orphan", uselist=False
    )


class ContactRequest(IdMixin, Base):
    """The contact details of a follow-up, encrypted, deleted when the case closes."""

    __tablename__ = "feedback_contact_requests"

    case_id: Mapped[int] = owner_key("feedback_follow_ups", unique=True)
    name: Mapped[str] = mapped_column(EncryptedText())
    contact: Mapped[str] = mapped_column(EncryptedText())  # phone number or email address
    language: Mapped[str] = mapped_column(String(5))

    case: Mapped[FollowUpCase] = relationship(back_populates="contact")


class DevelopmentIdea(IdMixin, Base):
    """Feedback a unit turned into a development idea; it is an impact output."""

    __tablename__ = "feedback_development_ideas"

    answer_id: Mapped[int | None] = reference_key("feedback_answers", index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    output_id: Mapped[int | None] = reference_key("outputs")
    created_by_id: Mapped[int | None] = reference_key("users")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedbackTheme(IdMixin, Base):
    """A theme of the coordinator-edited taxonomy; rules are lemma rules, one per line."""

    __tablename__ = "feedback_themes"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_fi: Mapped[str] = mapped_column(String(120))
    name_sv: Mapped[str] = mapped_column(String(120), default="")
    name_en: Mapped[str] = mapped_column(String(120), default="")
    rules_fi: Mapped[str] = mapped_column(Text, default="")
    rules_sv: Mapped[str] = mapped_column(Text, default="")
    rules_en: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    from_suggestion: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def name(self, locale: str) -> str:
        return {"sv": self.name_sv, "en": self.name_en}.get(locale) or self.name_fi


class KioskDevice(IdMixin, Base):
    """A feedback tablet bound to a unit; only the hash of its token is kept."""

    __tablename__ = "feedback_kiosk_devices"

    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class SmsInvitation(IdMixin, Base):
    """An outbound SMS survey; the phone number is kept only as a keyed hash until replied."""

    __tablename__ = "feedback_sms_invitations"

    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    language: Mapped[str] = mapped_column(String(5))
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]


class SurveyInvitation(IdMixin, Base):
    """A participation-experience survey link sent to one participant of an activity."""

    __tablename__ = "feedback_survey_invitations"

    activity_id: Mapped[int] = owner_key("activities", index=True)
    user_id: Mapped[int | None] = reference_key("users")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(5))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("activity_id", "user_id"),)


class MonthlyFeedbackReport(IdMixin, Base):
    """A monthly feedback report sent to a unit's manager; one row per unit and month."""

    __tablename__ = "feedback_monthly_reports"

    org_unit_id: Mapped[int] = owner_key("org_units")
    month: Mapped[date]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("org_unit_id", "month"),)


CELL_KEY = ("org_unit_id", "channel", "language", "questionnaire_id", "period_month")
"""What tells pre-counted report cells apart (the statement cells add the question)."""


class CellKeyMixin:
    """The unit, channel, language, questionnaire and month a report cell counts."""

    org_unit_id: Mapped[int] = owner_key("org_units")
    service_area_id: Mapped[int | None]
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5))
    questionnaire_id: Mapped[int] = owner_key("feedback_questionnaires")
    period_month: Mapped[int]


class FigureCell(CellKeyMixin, IdMixin, Base):
    """NPS band counts of one unit, channel, language, questionnaire and month.

    Kept up to date as answers arrive (one upsert per answer), so reports sum a few
    thousand cells instead of scanning every answer; :func:`rebuild_figures` recomputes
    them from the answers after bulk loads.
    """

    __tablename__ = "feedback_figure_cells"

    promoters: Mapped[int] = mapped_column(default=0)
    passives: Mapped[int] = mapped_column(default=0)
    detractors: Mapped[int] = mapped_column(default=0)

    __table_args__ = (UniqueConstraint(*CELL_KEY, name="uq_feedback_figure_cells_key"),)


class StatementCell(CellKeyMixin, IdMixin, Base):
    """Counts of each answer value (0 = can't say, 1-5) of one statement in one cell."""

    __tablename__ = "feedback_statement_cells"

    question_code: Mapped[str] = mapped_column(String(60))
    v0: Mapped[int] = mapped_column(default=0)
    v1: Mapped[int] = mapped_column(default=0)
    v2: Mapped[int] = mapped_column(default=0)
    v3: Mapped[int] = mapped_column(default=0)
    v4: Mapped[int] = mapped_column(default=0)
    v5: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        UniqueConstraint(*CELL_KEY, "question_code", name="uq_feedback_statement_cells_key"),
    )
