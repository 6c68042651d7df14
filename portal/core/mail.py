"""Translated mail, queued during a service and sent only after its transaction commits.

A message that is sent and then rolled back would tell people about something that never
happened, so services call ``queue_mail`` and the session's ``after_commit`` hook sends.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db, mail

log = logging.getLogger(__name__)
OUTBOX_KEY = "portal.outbox"


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
    """Render a message now and send it when the current transaction commits."""
    if not to:
        return None
    message = render_mail(to=to, subject=subject, template=template, locale=locale, **context)
    message.attachments.extend(attachments or [])
    session = db.session()
    # A commit only fires ``after_commit`` inside a transaction; make sure one has begun
    # even when the service changed no rows (feedback forms, reminders).
    session.connection()
    session.info.setdefault(OUTBOX_KEY, []).append(message)
    return message


def deliver(message: OutgoingMail) -> None:
    """Send one message through the configured backend."""
    settings = current_app.config["PORTAL"]
    if settings.mail_backend != "smtp":
        log.info(
            "mail (not sent, log backend) to=%s subject=%s\n%s",
            message.to,
            message.subject,
            message.text,
        )
        return
    msg = Message(
        subject=message.subject,
        recipients=[message.to],
        body=message.text,
        html=message.html,
        sender=settings.mail_sender,
    )
    for attachment in message.attachments:
        msg.attach(attachment.filename, attachment.content_type, attachment.data)
    mail.send(msg)


@event.listens_for(Session, "after_commit")
def _send_outbox(session: Session) -> None:
    outbox = session.info.pop(OUTBOX_KEY, [])
    for message in outbox:
        try:
            deliver(message)
        except Exception:  # the change is committed; a lost mail must not turn into a 500
            log.exception("sending mail failed (subject=%s)", message.subject)


@event.listens_for(Session, "after_rollback")
def _drop_outbox(session: Session) -> None:
    session.info.pop(OUTBOX_KEY, None)
