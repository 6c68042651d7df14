"""One submission per rendered form: a double click, a resent request or a reload is done once.

Every form carries its CSRF token, and Flask-WTF signs it anew with the time in seconds
whenever a page is rendered. A POST is identified by that token together with its path and
its fields, so the same form sent again with the same values has the same key, while another
button on the same page, a corrected form or a form rendered later does not. The first
request to claim a key inserts it (a unique row, so concurrent duplicates wait for it on
PostgreSQL and queue on SQLite); when it ends with a redirect the redirect is stored,
otherwise the key is released so that the person can correct and send again. A duplicate
waits for the first to finish and is sent to the same place with a note, so it sees what the
first one would have shown.

Views whose POST is idempotent by itself and on a hot path (votes) opt out with
:func:`repeatable`; requests without a CSRF token (signed public forms, webhooks) have their
own protection and are not keyed.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask, Response, current_app, flash, g, redirect, render_template, request
from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from portal.core.db import utcnow
from portal.core.models import FormSubmission
from portal.extensions import db

View = TypeVar("View", bound=Callable[..., Any])

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# How long a duplicate waits for the first request before saying it is still in progress.
WAIT_SECONDS = 20.0
POLL_SECONDS = 0.1
# Keys live as long as the CSRF token they come from can be used.
KEEP = timedelta(hours=4)


def repeatable(view: View) -> View:
    """Mark a view whose POST may be done again with the same values (it is idempotent)."""
    view.resubmission_allowed = True  # type: ignore[attr-defined]
    return view


def init_resubmission_guard(app: Flask) -> None:
    """Register the guard; call after ``CSRFProtect`` so that forged requests stop first."""
    app.before_request(_claim_submission)
    app.after_request(_settle_submission)
    app.teardown_request(_release_on_error)


def submission_key() -> str | None:
    """The key of this request, or ``None`` when it is not a keyed form submission."""
    if request.method not in STATE_CHANGING or not current_app.config.get("WTF_CSRF_ENABLED"):
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "resubmission_allowed", False):
        return None
    token = request.form.get("csrf_token") or request.headers.get("X-CSRFToken")
    if not token:
        return None
    digest = hashlib.sha256()
    for part in (request.method, request.path, token):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    for name, value in sorted(request.form.items(multi=True)):
        digest.update(f"{name}={value}".encode("utf-8", "surrogatepass") + b"\0")
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
        digest.update(f"{name}:{upload.filename}".encode("utf-8", "surrogatepass") + b"\0")
        digest.update(hashlib.sha256(upload.stream.read()).digest())
        upload.stream.seek(0)
    return digest.hexdigest()


def _try_claim(key: str) -> bool:
    db.session.add(FormSubmission(key=key))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _claim_submission() -> Response | str | None:
    key = submission_key()
    if key is None:
        return None
    deadline = time.monotonic() + WAIT_SECONDS
    while not _try_claim(key):
        first = db.session.execute(
            select(FormSubmission.location).where(FormSubmission.key == key)
        ).first()
        db.session.rollback()  # the next look must see what the first request commits
        if first is None:
            continue  # the first request ended without saving anything: this one may try
        if first.location:
            flash(_("This form had already been sent, and it was saved once."), "success")
            return redirect(first.location, 303)
        if time.monotonic() >= deadline:
            return render_template("errors/still_processing.html"), 409
        time.sleep(POLL_SECONDS)
    g.submission_key = key
    return None


def _settle_submission(response: Response) -> Response:
    redirected = 300 <= response.status_code < 400 and response.location
    _settle(response.location if redirected else None)
    return response


def _release_on_error(error: BaseException | None) -> None:
    _settle(None)


def _settle(location: str | None) -> None:
    """Store where the claimed submission led, or release the key when it led nowhere."""
    key = g.pop("submission_key", None)
    if key is None:
        return
    # Whatever the view left uncommitted would be rolled back at teardown anyway.
    db.session.rollback()
    claimed = FormSubmission.key == key
    if location:
        statement = update(FormSubmission).where(claimed).values(location=location[:2000])
    else:
        statement = delete(FormSubmission).where(claimed)
    db.session.execute(statement)
    db.session.commit()


def purge_form_submissions() -> int:
    """Forget keys whose CSRF token has expired (a periodic task)."""
    result = db.session.execute(
        delete(FormSubmission).where(FormSubmission.created_at < utcnow() - KEEP)
    )
    db.session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
