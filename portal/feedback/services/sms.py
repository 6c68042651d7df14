"""SMS surveys after a visit: the question goes out, the reply becomes an answer.

The phone number is used to send and, as a keyed hash on the invitation, to find the
invitation a reply belongs to; the hash is cleared when the reply arrives and the answer
never holds the number.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.accounts.models import OrgUnit
from portal.core.encryption import blind_index
from portal.extensions import db
from portal.feedback.models import Answer, Channel, SmsInvitation
from portal.feedback.services._common import LANGUAGES, FeedbackError, now_utc, settings
from portal.feedback.services.intake import Submission, submit_answer
from portal.feedback.services.questionnaires import current_questionnaire
from portal.feedback.sms import HttpSmsGateway, SmsError, SmsGateway, normalise_phone, parse_reply

REPLY_DAYS = 7


def configured_gateway() -> SmsGateway:
    config = settings()
    if not config.feedback_sms_url:
        raise FeedbackError("sms_failed")
    return HttpSmsGateway(
        config.feedback_sms_url, config.feedback_sms_api_key, config.feedback_sms_sender
    )


def _phone_hash(phone: str) -> str:
    return blind_index("feedback-sms:" + phone, settings().secret_key)


def survey_text(language: str) -> str:
    """The outbound message in the client's language: the NPS question and how to reply."""
    question = next(q for q in current_questionnaire(Channel.SMS).questions if q.kind == "nps")
    with force_locale(language):
        return (
            question.text(language)
            + " "
            + _("Reply with a number 0–10 and, if you like, a few words. The reply is anonymous.")
        )


def send_sms_survey(
    *,
    unit: OrgUnit,
    phone: str,
    language: str,
    gateway: SmsGateway | None = None,
    now: datetime | None = None,
) -> SmsInvitation:
    """Send the SMS survey to ``phone`` (and commit); the number itself is not stored."""
    number = normalise_phone(phone)
    if number is None:
        raise FeedbackError("phone_invalid")
    if language not in LANGUAGES:
        raise FeedbackError("language_unsupported")
    invitation = SmsInvitation(
        org_unit_id=unit.id, language=language, phone_hash=_phone_hash(number), sent_at=now_utc(now)
    )
    db.session.add(invitation)
    db.session.flush()
    try:
        (gateway or configured_gateway()).send(to=number, text=survey_text(language))
    except SmsError:
        db.session.rollback()
        raise FeedbackError("sms_failed") from None
    db.session.commit()
    return invitation


def receive_sms_reply(*, sender: str, text: str, now: datetime | None = None) -> Answer | None:
    """Store a reply as an answer of the latest open invitation to ``sender``; ``None`` when
    no invitation waits or the reply has no score."""
    number = normalise_phone(sender)
    parsed = parse_reply(text)
    if number is None or parsed is None:
        return None
    moment = now_utc(now)
    invitation = db.session.scalars(
        select(SmsInvitation)
        .where(
            SmsInvitation.phone_hash == _phone_hash(number),
            SmsInvitation.answered_at.is_(None),
            SmsInvitation.sent_at >= moment - timedelta(days=REPLY_DAYS),
        )
        .order_by(SmsInvitation.id.desc())
    ).first()
    if invitation is None:
        return None
    unit = db.session.get(OrgUnit, invitation.org_unit_id)
    score, words = parsed
    invitation.answered_at = moment
    invitation.phone_hash = None  # the number is no longer needed for anything
    answer, _created = submit_answer(
        Submission(
            unit=unit,
            channel=Channel.SMS,
            language=invitation.language,
            score=score,
            open_text=words[:4000],
        ),
        submission_id=f"sms:{invitation.id}",
        now=moment,
    )
    return answer
