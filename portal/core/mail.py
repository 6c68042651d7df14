"""Translated mail through a transactional outbox.

A service calls ``queue_mail``: the message is rendered now and written to ``mail_outbox``
in the service's own transaction, so it exists exactly when the change it reports does.
After the commit a ``deliver_mail`` task sends it. The task claims the row with one
conditional UPDATE (``pending`` -> ``sending``), so a message leaves at most once even when
several workers or the sweep pick it up. SMTP failures put the row back to ``pending``
with an exponential back-off (the task retries itself at that time) until
``mail_max_attempts``; a row left in ``sending`` by a killed worker may or may not have
left, so it is never resent automatically: the sweep marks it failed ("uncertain") for an
administrator to decide on at ``/admin/mail``.
"""

from __future__ import annotations

import base64
import json
import logging
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Message
from huey.exceptions import RetryTask
from sqlalchemy import delete, event, func, or_, select, update
from sqlalchemy.orm import Session

from portal.core.audit import record_audit
from portal.core.db import utcnow
from portal.core.models import OutgoingMessage
from portal.core.tasks import enqueue_after_commit, task
from portal.extensions import db, mail

log = logging.getLogger(__name__)
# Rendered messages added here (by code that renders outside ``queue_mail``) are written
# to the outbox when the transaction commits, like those from ``queue_mail``.
OUTBOX_KEY = "portal.outbox"
NEW_ROWS_KEY = "portal.outbox.new_rows"
UNCERTAIN = "uncertain: the worker stopped while sending; it may have been delivered"
# Due rows younger than this are probably still waiting in the queue; the sweep leaves them.
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 500

Msg = OutgoingMessage


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class OutgoingMail:
    to: str
    subject: str
    text: str
    html: str
    attachments: list[Attachment] = field(default_factory=list)


def render_mail(
    *, to: str, subject: Any, template: str, locale: str, **context: Any
) -> OutgoingMail:
    """Render ``<template>.txt`` and ``<template>.html`` and the subject in ``locale``."""
    with force_locale(locale):
        return OutgoingMail(
            to=to,
            subject=str(subject),
            text=render_template(f"{template}.txt", **context),
            html=render_template(f"{template}.html", **context),
        )


def queue_mail(
    *,
    to: str | None,
    subject: Any,
    template: str,
    locale: str,
    attachments: list[Attachment] | None = None,
    **context: Any,
) -> OutgoingMail | None:
    """Render a message now, store it in this transaction and send it after the commit."""
    if not to:
        return None
    message = render_mail(to=to, subject=subject, template=template, locale=locale, **context)
    message.attachments.extend(attachments or [])
    _store(message)
    return message


def _store(message: OutgoingMail) -> OutgoingMessage:
    row = OutgoingMessage(
        to_address=message.to,
        subject=message.subject[:300],
        text_body=message.text,
        html_body=message.html,
        attachments=_encode_attachments(message.attachments),
        status=Msg.PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    session = db.session()
    session.add(row)
    # Tracked here rather than found in ``session.new``: an autoflush may already have
    # written the row before the commit.
    session.info.setdefault(NEW_ROWS_KEY, []).append(row)
    return row


def _encode_attachments(attachments: list[Attachment]) -> str | None:
    if not attachments:
        return None
    return json.dumps(
        [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "data": base64.b64encode(a.data).decode("ascii"),
            }
            for a in attachments
        ]
    )


def _decode_attachments(raw: str | None) -> list[Attachment]:
    return [
        Attachment(item["filename"], item["content_type"], base64.b64decode(item["data"]))
        for item in json.loads(raw or "[]")
    ]


@event.listens_for(Session, "before_commit")
def _write_outbox(session: Session) -> None:
    # Messages rendered by other code into ``OUTBOX_KEY`` become rows of this transaction.
    for message in session.info.pop(OUTBOX_KEY, []):
        _store(message)
    new_rows = session.info.pop(NEW_ROWS_KEY, [])
    if not new_rows:
        return
    session.flush()
    for row in new_rows:
        enqueue_after_commit(deliver_mail, row.id)


@event.listens_for(Session, "after_rollback")
def _drop_outbox(session: Session) -> None:
    session.info.pop(OUTBOX_KEY, None)
    session.info.pop(NEW_ROWS_KEY, None)


# --- delivery ---------------------------------------------------------------------------


def _settings() -> Any:
    return current_app.config["PORTAL"]


@task()
def deliver_mail(message_id: int) -> None:
    """Send one outbox message if it is still due; at most once, whoever else tries."""
    now = utcnow()
    claimed = db.session.execute(
        update(OutgoingMessage)
        .where(
            OutgoingMessage.id == message_id,
            OutgoingMessage.status == Msg.PENDING,
            OutgoingMessage.next_attempt_at <= now,
        )
        .values(status=Msg.SENDING, attempts=OutgoingMessage.attempts + 1, claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        return  # sent, failed, erased, not yet due, or claimed by another worker
    row = db.session.get(OutgoingMessage, message_id)
    if row is None:
        return
    try:
        _send(row)
    except (smtplib.SMTPException, OSError) as error:
        delay = _record_failure(row, error)
        if delay is not None:
            raise RetryTask(delay=delay) from error
        return
    except Exception as error:
        # Not a transport problem (a bad attachment, an encoding bug): retrying cannot help.
        _mark(row, status=Msg.FAILED, last_error=_short_error(row, error))
        raise
    _mark(row, status=Msg.SENT, sent_at=utcnow(), text_body="", html_body="", attachments=None)
    log.info("mail %s sent (attempt %d)", row.id, row.attempts)


def _send(row: OutgoingMessage) -> None:
    """The one place mail leaves the portal (called only by ``deliver_mail``)."""
    settings = _settings()
    if settings.mail_backend != "smtp":
        log.info(
            "mail (not sent, log backend) to=%s subject=%s\n%s",
            row.to_address,
            row.subject,
            row.text_body,
        )
        return
    msg = Message(
        subject=row.subject,
        recipients=[row.to_address],
        body=row.text_body,
        html=row.html_body,
        sender=settings.mail_sender,
    )
    for attachment in _decode_attachments(row.attachments):
        msg.attach(attachment.filename, attachment.content_type, attachment.data)
    mail.send(msg)


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _record_failure(row: OutgoingMessage, error: Exception) -> float | None:
    """Put the row back for a later attempt; the delay in seconds, or None when it failed."""
    settings = _settings()
    reason = _short_error(row, error)
    if _is_permanent(error) or row.attempts >= settings.mail_max_attempts:
        _mark(row, status=Msg.FAILED, last_error=reason)
        log.warning("mail %s failed after %s attempt(s): %s", row.id, row.attempts, reason)
        return None
    delay = float(settings.mail_retry_base_seconds * 2 ** (row.attempts - 1))
    _mark(
        row,
        status=Msg.PENDING,
        last_error=reason,
        next_attempt_at=utcnow() + timedelta(seconds=delay),
    )
    log.info("mail %s not sent (%s); retrying in %.0f s", row.id, reason, delay)
    return delay


def _mark(row: OutgoingMessage, **values: Any) -> None:
    # Only the worker that claimed the row moves it on from ``sending``.
    db.session.execute(
        update(OutgoingMessage)
        .where(OutgoingMessage.id == row.id, OutgoingMessage.status == Msg.SENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _short_error(row: OutgoingMessage, error: Exception) -> str:
    # The SMTP reply may quote the recipient; keep only the masked form of the address.
    text = f"{type(error).__name__}: {error}".replace(row.to_address, mask_address(row.to_address))
    return text[:300]


def mask_address(address: str) -> str:
    """``maija.meikalainen@example.fi`` -> ``ma***@example.fi``: enough to tell rows apart."""
    local, _, domain = address.partition("@")
    return f"{local[:2]}***@{domain}" if domain else f"{address[:2]}***"


# --- housekeeping -----------------------------------------------------------------------


def sweep_mail_outbox() -> dict[str, int]:
    """Re-enqueue due mail whose task was lost, fail stale sends, purge old sent mail."""
    settings = _settings()
    now = utcnow()
    due = db.all(
        select(OutgoingMessage.id)
        .where(
            OutgoingMessage.status == Msg.PENDING,
            OutgoingMessage.next_attempt_at <= now - SWEEP_GRACE,
        )
        .order_by(OutgoingMessage.next_attempt_at)
        .limit(SWEEP_BATCH)
    )
    stale = db.session.execute(
        update(OutgoingMessage)
        .where(
            OutgoingMessage.status == Msg.SENDING,
            OutgoingMessage.claimed_at
            <= now - timedelta(seconds=settings.mail_sending_timeout_seconds),
        )
        .values(status=Msg.FAILED, last_error=UNCERTAIN)
        .execution_options(synchronize_session=False)
    ).rowcount
    purged = db.session.execute(
        delete(OutgoingMessage)
        .where(
            OutgoingMessage.status == Msg.SENT,
            OutgoingMessage.sent_at <= now - timedelta(days=settings.mail_keep_sent_days),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    for message_id in due:
        deliver_mail(message_id)
    if due or stale or purged:
        log.info("mail sweep: %d re-enqueued, %d uncertain, %d purged", len(due), stale, purged)
    return {"requeued": len(due), "uncertain": int(stale or 0), "purged": int(purged or 0)}


def forget_mail_to(address: str | None) -> int:
    """Delete every outbox row to ``address`` (undelivered and sent) in this transaction."""
    if not address:
        return 0
    result = db.session.execute(
        delete(OutgoingMessage)
        .where(func.lower(OutgoingMessage.to_address) == address.lower())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


# --- administration ---------------------------------------------------------------------


def undelivered_messages() -> list[OutgoingMessage]:
    """Pending, sending and failed messages, failed first, oldest first."""
    return db.all(
        select(OutgoingMessage)
        .where(OutgoingMessage.status != Msg.SENT)
        .order_by(
            (OutgoingMessage.status != Msg.FAILED),
            OutgoingMessage.created_at,
            OutgoingMessage.id,
        )
    )


def retry_mail(*, actor: Any, message: OutgoingMessage) -> bool:
    """Put a failed or pending message back in line now; False when it is sent or sending."""
    result = db.session.execute(
        update(OutgoingMessage)
        .where(
            OutgoingMessage.id == message.id,
            or_(OutgoingMessage.status == Msg.FAILED, OutgoingMessage.status == Msg.PENDING),
        )
        .values(status=Msg.PENDING, next_attempt_at=utcnow(), attempts=0)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        db.session.rollback()
        return False
    record_audit(
        actor=actor,
        action="mail.retried",
        object_type="mail_outbox",
        object_id=message.id,
        changes={"status": message.status, "attempts": message.attempts},
    )
    enqueue_after_commit(deliver_mail, message.id)
    db.session.commit()
    return True


def mail_person(person: Any, *, subject: Any, template: str, **context: Any) -> OutgoingMail | None:
    """``queue_mail`` to anyone with an ``email`` and a ``locale``: a user, member or supporter."""
    return queue_mail(
        to=person.email, subject=subject, template=template, locale=person.locale, **context
    )
