"""Forms of deliberations: voting, writing a statement, running and moderating conversations."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from portal.core.forms import Form, MultiCheckboxField, choice_list, line_field, strip_filter
from portal.deliberation.services import MAX_STATEMENT_LENGTH, MIN_STATEMENT_LENGTH


def _statement_text(label: Any, length: Length, *, rows: int) -> TextAreaField:
    """The text of a statement; the browser stops the typing at the longest one allowed."""
    return TextAreaField(
        label,
        filters=[strip_filter],
        validators=[DataRequired(message=_l("Write your statement.")), length],
        render_kw={"rows": rows, "maxlength": MAX_STATEMENT_LENGTH},
    )


class StatementForm(Form):
    text = _statement_text(
        _l("Your statement"),
        Length(
            min=MIN_STATEMENT_LENGTH,
            max=MAX_STATEMENT_LENGTH,
            message=_l(
                "A statement is %(min)d to %(max)d characters long.",
                min=MIN_STATEMENT_LENGTH,
                max=MAX_STATEMENT_LENGTH,
            ),
        ),
        rows=3,
    )


def at_least_one(form: Form, field: SelectMultipleField) -> None:
    # DataRequired would mark every checkbox ``required``, making browsers demand all of them.
    if not field.data:
        raise ValidationError(str(_l("Choose at least one language.")))


def language_choices() -> list:
    return choice_list([("fi", _l("Finnish")), ("sv", _l("Swedish")), ("en", _l("English"))])


class ConversationForm(Form):
    topic_fi = line_field(_l("Topic in Finnish"), max_length=200)
    topic_sv = line_field(_l("Topic in Swedish"), max_length=200)
    topic_en = line_field(_l("Topic in English"), max_length=200)
    description_fi = TextAreaField(
        _l("Description in Finnish"), filters=[strip_filter], validators=[Length(max=5000)]
    )
    description_sv = TextAreaField(
        _l("Description in Swedish"), filters=[strip_filter], validators=[Length(max=5000)]
    )
    description_en = TextAreaField(
        _l("Description in English"), filters=[strip_filter], validators=[Length(max=5000)]
    )
    languages = MultiCheckboxField(
        _l("Languages of the conversation"),
        choices=language_choices(),
        validators=[at_least_one],
    )
    starts_at = DateTimeLocalField(
        _l("Opens (optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    ends_at = DateTimeLocalField(
        _l("Closes (optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    access = SelectField(
        _l("Who may take part"),
        choices=choice_list(
            [
                ("anyone", _l("Anyone, also without signing in")),
                ("logged_in", _l("Signed-in users")),
                ("pool", _l("Members of the resident pool")),
            ]
        ),
    )
    moderation = SelectField(
        _l("Statements written by participants"),
        choices=choice_list(
            [
                ("post", _l("Shown at once; moderated afterwards")),
                ("pre", _l("Shown only after a moderator accepts them")),
            ]
        ),
    )
    participants_may_submit = BooleanField(_l("Participants may write statements"), default=True)
    seed_statements = TextAreaField(
        _l("Seed statements, one per line"),
        filters=[strip_filter],
        validators=[Length(max=20000)],
        render_kw={"rows": 6},
    )


class SeedStatementForm(Form):
    text = _statement_text(_l("New seed statement"), Length(max=MAX_STATEMENT_LENGTH), rows=2)
    language = SelectField(_l("Language"), choices=language_choices())
    is_meta = BooleanField(_l("Meta statement (about the conversation itself)"))


class StatusForm(Form):
    status = HiddenField(validators=[DataRequired()])


class ModerationForm(Form):
    decision = StringField(
        validators=[
            DataRequired(),
            AnyOf(["accepted", "rejected", "pending"]),
        ]
    )
    reason = StringField(
        _l("Reason for rejecting"), filters=[strip_filter], validators=[Length(max=300)]
    )
    is_seed = BooleanField(_l("Seed statement"))
    is_meta = BooleanField(_l("Meta statement"))
    hidden = BooleanField(_l("Hide (abusive content)"))


class BlockForm(Form):
    blocked = HiddenField(validators=[AnyOf(["1", "0"])])


class ImportForm(Form):
    archive = FileField(
        _l("Polis export as a ZIP file"),
        validators=[
            FileRequired(message=_l("Choose a file.")),
            FileAllowed(["zip"], message=_l("Choose a ZIP file.")),
        ],
    )
