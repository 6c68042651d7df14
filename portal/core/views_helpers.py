"""The view shapes every domain repeats: a one-button action and a form submission.

Both call one service, map a broken rule (a :class:`DomainError`) to translated messages
with the domain's own ``messages`` function, and redirect after success (post/redirect/get).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import abort, flash, redirect
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms.fields import Field

from portal.core.errors import DomainError
from portal.core.forms import ActionForm

ErrorMessages = Callable[[Any], str | Sequence[str]]
"""Turns a domain error into one translated sentence or a list of them."""

Outcome = str | Callable[[Any], str]
"""A fixed text or URL, or one made from what the service returned."""


def abort_unless_owner(owner_id: int | None) -> None:
    """404 unless the signed-in user owns the record: to anyone else it does not exist."""
    if owner_id != current_user.id:
        abort(404)


def error_sentences(messages: ErrorMessages, error: DomainError) -> list[str]:
    """The translated sentences for ``error`` as a list, however ``messages`` returns them."""
    sentences = messages(error)
    return [sentences] if isinstance(sentences, str) else list(sentences)


def flash_domain_error(messages: ErrorMessages, error: DomainError) -> None:
    """Flash every sentence explaining ``error``."""
    for sentence in error_sentences(messages, error):
        flash(sentence, "error")


def flash_form_errors(form: FlaskForm) -> None:
    """Flash the field errors of a small form that has no page of its own to show them on."""
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "error")


def _resolve(outcome: Outcome, result: Any) -> str:
    return outcome(result) if callable(outcome) else outcome


def run_action(
    action: Callable[[], object], *, success: Outcome, then: str, messages: ErrorMessages
) -> Response:
    """A one-button POST: if the CSRF token is valid run ``action``, flash how it went and
    redirect to ``then`` either way."""
    if ActionForm().validate_on_submit():
        try:
            result = action()
        except DomainError as error:
            flash_domain_error(messages, error)
        else:
            flash(_resolve(success, result), "success")
    return redirect(then)


def submit_form(
    form: FlaskForm,
    action: Callable[[], object],
    *,
    success: Outcome,
    then: Outcome,
    messages: ErrorMessages,
    error_field: Field | None = None,
) -> Response | None:
    """Validate ``form`` and run ``action``; after success flash ``success`` and return the
    redirect to ``then``. Otherwise return ``None`` with a broken rule added to the errors
    of ``error_field`` (the field it concerns) or else of the whole form, so that the view
    renders the form again with the input kept."""
    if not form.validate_on_submit():
        return None
    try:
        result = action()
    except DomainError as error:
        sentences = error_sentences(messages, error)
        if error_field is None:
            form.form_errors.extend(sentences)
        else:
            error_field.errors = [*error_field.errors, *sentences]
        return None
    flash(_resolve(success, result), "success")
    return redirect(_resolve(then, result))


def form_status(form: FlaskForm) -> int:
    """400 when the form was sent back with errors, 200 for a fresh form."""
    return 400 if form.errors or form.form_errors else 200
