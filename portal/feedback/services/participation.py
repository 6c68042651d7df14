"""Participation-experience surveys: after an activity ends, its participants are asked.

Each participant gets one link by mail (through the outbox) in their own language. Only
the hash of the link's secret is stored, and the answer is linked to the activity, not
to the invitation: the portal knows who was asked and whether they answered, never
which answer was theirs.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.core.mail import queue_mail
from portal.core.urls import external_url
from portal.extensions import db
from portal.feedback.models import Channel, SurveyInvitation
from portal.feedback.services._common import FeedbackError, clean_language, now_utc
from portal.feedback.services.intake import Submission, submit_answer
from portal.impact import services as impact

SURVEY_DAYS_AFTER = 14


def _hash(secret: str, purpose: str = "invitation") -> str:
    return hashlib.sha256(f"{purpose}:{secret}".encode()).hexdigest()


def send_participation_surveys(*, activity: object, now: datetime | None = None) -> int:
    """Mail the survey to every participant not asked yet (and commit); returns how many."""
    moment = now_utc(now)
    asked = set(
        db.session.scalars(
            select(SurveyInvitation.user_id).where(SurveyInvitation.activity_id == activity.id)
        )
    )
    sent = 0
    # The periodic task runs once per day across consumers; the unique (activity, person)
    # constraint still refuses a second invitation should two runs overlap.
    for user in impact.participants_of(activity):
        if not user.email or user.id in asked:
            continue
        secret = secrets.token_urlsafe(24)
        language = clean_language(user.locale)
        invitation = SurveyInvitation(
            activity_id=activity.id,
            user_id=user.id,
            token_hash=_hash(secret),
            language=language,
            sent_at=moment,
        )
        db.session.add(invitation)
        queue_mail(
            to=user.email,
            subject=_l("How did taking part go?"),
            template="feedback/emails/participation_survey",
            locale=language,
            activity=activity,
            link=external_url("feedback.survey", token=secret, lang=language),
        )
        sent += 1
    db.session.commit()
    return sent


def send_surveys_for_ended_activities(*, today: date) -> int:
    """Surveys for activities that ended in the last two weeks (each person asked once)."""
    return sum(
        send_participation_surveys(activity=activity)
        for activity in impact.activities_ended_between(
            today - timedelta(days=SURVEY_DAYS_AFTER), today - timedelta(days=1)
        )
    )


def survey_invitation(secret: str) -> SurveyInvitation | None:
    return db.session.scalars(
        select(SurveyInvitation).where(SurveyInvitation.token_hash == _hash(secret))
    ).first()


def _answer_unit(activity_unit_id: int | None) -> OrgUnit:
    unit = db.session.get(OrgUnit, activity_unit_id) if activity_unit_id else None
    unit = (
        unit
        or db.session.scalars(
            select(OrgUnit).where(OrgUnit.kind == OrgUnitKind.COUNTY).order_by(OrgUnit.id)
        ).first()
    )
    if unit is None:
        raise FeedbackError("unit_required")
    return unit


def answer_survey(
    *,
    secret: str,
    score: int | None,
    statements: dict[str, int],
    open_text: str,
    language: str,
    now: datetime | None = None,
) -> None:
    """Store the participant's answer once (and commit)."""
    invitation = survey_invitation(secret)
    if invitation is None:
        raise FeedbackError("form_expired")
    if invitation.used_at is not None:
        raise FeedbackError("survey_used")
    invitation.used_at = now_utc(now)
    unit = _answer_unit(impact.activity_unit_id(invitation.activity_id))
    submit_answer(
        Submission(
            unit=unit,
            channel=Channel.SURVEY,
            language=language,
            score=score,
            statements=statements,
            open_text=open_text,
            activity_id=invitation.activity_id,
        ),
        submission_id="survey:" + _hash(secret, "answer")[:48],  # fits the 64-character column
        now=now,
    )
