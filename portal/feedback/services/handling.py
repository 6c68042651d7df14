"""A unit's handling of its feedback: who sees what, replies, tags, corrections, ideas."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, or_, select

from portal.accounts.models import OrgUnit, User
from portal.core.service_filters import where_equal
from portal.extensions import db
from portal.feedback.models import Answer, AnswerTag, DevelopmentIdea, FollowUpCase, Reply
from portal.feedback.services._common import FeedbackError, audit, now_utc
from portal.feedback.text import TONES
from portal.impact import services as impact
from portal.impact.models import ActivityKind, OutputKind

MAX_REPLY = 4000
MAX_TAG = 60
SOURCE_UNIT = "feedback_unit"
SOURCE_IDEA = "feedback_idea"


# --- who sees what ------------------------------------------------------------------------


def _children(units: Iterable[OrgUnit]) -> dict[int | None, list[int]]:
    tree: dict[int | None, list[int]] = {}
    for unit in units:
        tree.setdefault(unit.parent_id, []).append(unit.id)
    return tree


def _with_descendants(roots: Iterable[int], tree: dict[int | None, list[int]]) -> set[int]:
    found: set[int] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node in found:
            continue
        found.add(node)
        stack.extend(tree.get(node, []))
    return found


def scope_unit_ids(user: User) -> set[int]:
    """The units whose feedback ``user`` handles: their own unit and everything below it,
    and every unit (with what is below) whose manager address is theirs."""
    units = list(db.session.scalars(select(OrgUnit)))
    roots = {user.org_unit_id} if user.org_unit_id else set()
    if user.email:
        roots |= {u.id for u in units if (u.manager_email or "").lower() == user.email.lower()}
    return _with_descendants(roots, _children(units))


def visible_units(user: User) -> list[OrgUnit]:
    ids = scope_unit_ids(user)
    if not ids:
        return []
    return list(
        db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)).order_by(OrgUnit.name_fi))
    )


def unit_addresses(unit: OrgUnit) -> list[str]:
    """Who hears about a unit's cases: its manager address, else its staff."""
    if unit.manager_email:
        return [unit.manager_email]
    return [
        email
        for email in db.session.scalars(
            select(User.email).where(
                User.org_unit_id == unit.id, User.email.is_not(None), User.erased_at.is_(None)
            )
        )
        if email
    ]


def area_managers(unit: OrgUnit) -> list[str]:
    """Addresses of the manager(s) of ``unit``'s service area: its manager address, or
    else the staff attached to the service-area unit itself."""
    area = unit.service_area
    return unit_addresses(area) if area is not None else []


def can_handle(user: User, answer: Answer) -> bool:
    return answer.org_unit_id in scope_unit_ids(user)


# --- listing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerFilter:
    unit_id: int | None = None
    channel: str = ""
    tone: str = ""
    theme: str = ""
    tag: str = ""
    with_text: bool = False
    unhandled: bool = False
    start: date | None = None
    end: date | None = None


def _filtered(query: Select, unit_ids: set[int], filters: AnswerFilter) -> Select:
    query = query.where(Answer.org_unit_id.in_(unit_ids))
    query = where_equal(
        query, filters, Answer, (("unit_id", "org_unit_id"), ("channel", "channel"))
    )
    if filters.tone:
        query = query.where(
            or_(
                Answer.tone == filters.tone,
                (Answer.tone.is_(None)) & (Answer.tone_suggested == filters.tone),
            )
        )
    if filters.theme:
        pattern = f"%{filters.theme}%"
        query = query.where(
            or_(
                Answer.themes.like(pattern),
                Answer.themes.is_(None) & Answer.themes_suggested.like(pattern),
            )
        )
    if filters.tag:
        query = query.where(
            Answer.id.in_(select(AnswerTag.answer_id).where(AnswerTag.label == filters.tag))
        )
    if filters.with_text:
        query = query.where(Answer.open_text != "")
    if filters.unhandled:
        query = query.where(Answer.handled_at.is_(None))
    if filters.start:
        query = query.where(Answer.submitted_on >= filters.start)
    if filters.end:
        query = query.where(Answer.submitted_on <= filters.end)
    return query


def answers_for(
    user: User, filters: AnswerFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[Answer], int]:
    """Answers ``user`` may handle, newest first, and how many match in all."""
    ids = scope_unit_ids(user)
    if not ids:
        return [], 0
    total = db.session.scalar(_filtered(select(func.count(Answer.id)), ids, filters)) or 0
    rows = db.session.scalars(
        _filtered(select(Answer), ids, filters)
        .order_by(Answer.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


def answer_for(user: User, answer_id: int) -> Answer | None:
    """The answer if it exists; raises ``not_yours`` when it is another unit's."""
    answer = db.session.get(Answer, answer_id)
    if answer is None:
        return None
    if not can_handle(user, answer):
        raise FeedbackError("not_yours")
    return answer


# --- handling -----------------------------------------------------------------------------


def reply(
    *, actor: User, answer: Answer, text: str, is_public: bool, now: datetime | None = None
) -> Reply:
    text = text.strip()
    if not text:
        raise FeedbackError("reply_required")
    if len(text) > MAX_REPLY:
        raise FeedbackError("text_too_long", limit=MAX_REPLY)
    row = Reply(
        answer_id=answer.id,
        author_id=actor.id,
        text=text,
        is_public=is_public,
        created_at=now_utc(now),
    )
    db.session.add(row)
    answer.handled_at = answer.handled_at or now_utc(now)
    audit(actor, "replied", "feedback_answer", answer.id, public=is_public)
    db.session.commit()
    return row


def set_tags(*, actor: User, answer: Answer, labels: Iterable[str]) -> list[str]:
    wanted = sorted({label.strip().lower()[:MAX_TAG] for label in labels if label.strip()})
    answer.tags = [t for t in answer.tags if t.label in wanted]
    have = {t.label for t in answer.tags}
    answer.tags.extend(AnswerTag(label=label) for label in wanted if label not in have)
    db.session.commit()
    return wanted


def correct_analysis(
    *, actor: User, answer: Answer, tone: str, themes: Iterable[str], known_themes: Iterable[str]
) -> None:
    """Keep a person's tone and themes next to the model's suggestion (and commit)."""
    if tone not in TONES:
        raise FeedbackError("tone_unknown")
    known = set(known_themes)
    chosen = [code for code in themes if code in known]
    answer.tone = tone
    answer.themes = ",".join(dict.fromkeys(chosen))
    answer.corrected_by_id = actor.id
    audit(actor, "analysis_corrected", "feedback_answer", answer.id, tone=tone, themes=chosen)
    db.session.commit()


def unit_activity(unit: OrgUnit):
    """The impact activity standing for a unit's customer feedback (one per unit)."""
    return impact.register_activity(
        kind=ActivityKind.FEEDBACK,
        title=f"Asiakaspalaute: {unit.name_fi}",
        source_type=SOURCE_UNIT,
        source_id=unit.id,
        org_unit=unit,
    )


def make_development_idea(
    *,
    actor: User,
    answer: Answer | None,
    unit: OrgUnit,
    title: str,
    text: str,
    is_public: bool = True,
) -> DevelopmentIdea:
    """Turn feedback into a development idea: an impact output waiting for a response."""
    title = title.strip()
    if not title:
        raise FeedbackError("title_required")
    idea = DevelopmentIdea(
        answer_id=answer.id if answer else None,
        org_unit_id=unit.id,
        title=title[:200],
        text=text.strip(),
        created_by_id=actor.id,
    )
    db.session.add(idea)
    db.session.flush()
    output = impact.register_output(
        activity=unit_activity(unit),
        kind=OutputKind.FEEDBACK,
        title=idea.title,
        text=idea.text,
        is_public=is_public,
        source_type=SOURCE_IDEA,
        source_id=idea.id,
    )
    idea.output_id = output.id
    if answer is not None:
        answer.handled_at = answer.handled_at or now_utc()
    audit(actor, "idea_made", "feedback_idea", idea.id, output=output.id)
    db.session.commit()
    return idea


def ideas_for(user: User) -> list[DevelopmentIdea]:
    ids = scope_unit_ids(user)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(DevelopmentIdea)
            .where(DevelopmentIdea.org_unit_id.in_(ids))
            .order_by(DevelopmentIdea.id.desc())
        )
    )


def public_replies(*, limit: int = 30) -> list[tuple[Reply, Answer]]:
    """Recent public replies with their answers, for the "you said, we did" page."""
    return [
        (row[0], row[1])
        for row in db.session.execute(
            select(Reply, Answer)
            .join(Answer, Answer.id == Reply.answer_id)
            .where(Reply.is_public.is_(True))
            .order_by(Reply.id.desc())
            .limit(limit)
        )
    ]


# --- follow-up cases ----------------------------------------------------------------------


def cases_for(user: User, *, include_closed: bool = False) -> list[FollowUpCase]:
    ids = scope_unit_ids(user)
    if not ids:
        return []
    query = select(FollowUpCase).where(FollowUpCase.owner_unit_id.in_(ids))
    if not include_closed:
        query = query.where(FollowUpCase.closed_at.is_(None))
    return list(db.session.scalars(query.order_by(FollowUpCase.due_on, FollowUpCase.id)))


def case_for(user: User, case_id: int) -> FollowUpCase | None:
    case = db.session.get(FollowUpCase, case_id)
    if case is None:
        return None
    if case.owner_unit_id not in scope_unit_ids(user):
        raise FeedbackError("not_yours")
    return case


def close_case(
    *,
    actor: User,
    case: FollowUpCase,
    note: str,
    contacted_on: date | None,
    now: datetime | None = None,
) -> None:
    """Close a follow-up with a note; the contact details are deleted (and commit)."""
    if case.closed_at is not None:
        raise FeedbackError("case_closed")
    if not note.strip():
        raise FeedbackError("note_required")
    moment = now_utc(now)
    if contacted_on is not None and contacted_on > moment.date():
        raise FeedbackError("contacted_in_future")
    case.closed_at = moment
    case.closed_by_id = actor.id
    case.closed_note = note.strip()[:4000]
    case.contacted_on = contacted_on
    case.contact = None  # delete-orphan: the encrypted row is removed
    case.answer.handled_at = case.answer.handled_at or moment
    audit(actor, "case_closed", "feedback_case", case.id, contacted=contacted_on is not None)
    db.session.commit()
