"""Form building blocks shared by every domain."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    ValidationError,
)
from wtforms.fields import Field
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

CSRF_MESSAGE = _l(
    "The form had expired or came from another site. Check the details and send it again."
)
NO_MARKUP_MESSAGE = _l("Remove the characters < and > from this field.")


class Form(FlaskForm):
    """Base form: CSRF-protected, with WTForms' own messages translated via Flask-Babel."""

    class Meta:
        locales = False  # WTForms picks the active Flask-Babel locale (WTF_I18N_ENABLED)

    def validate(self, extra_validators: Any = None) -> bool:
        # After a CSRF failure the view is dispatched again only to show the form: never valid.
        if g.get("csrf_failed"):
            super().validate(extra_validators)
            self.form_errors.append(str(CSRF_MESSAGE))
            return False
        return super().validate(extra_validators)


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (rendered as a fieldset by ``_forms.html``)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActionForm(Form):
    """An empty form for buttons that change state (delete, approve...): CSRF only."""


def no_markup(form: Any, field: Field) -> None:
    """Reject angle brackets in names and titles (templates escape anyway; data stays clean)."""
    if field.data and ("<" in str(field.data) or ">" in str(field.data)):
        raise ValidationError(str(NO_MARKUP_MESSAGE))


def choice_list(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Select options from ``(value, label)`` pairs (WTForms 3.3+ wants ``SelectChoice``)."""
    return [SelectChoice(value, label) for value, label in pairs]


def strip_filter(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class AuditFilterForm(Form):
    """Filters of the audit log view (sent as GET parameters, so no CSRF token)."""

    action = StringField(
        _l("Action starts with"), filters=[strip_filter], validators=[Optional(), Length(max=80)]
    )
    object_type = StringField(
        _l("Object type"), filters=[strip_filter], validators=[Optional(), Length(max=40)]
    )
    object_id = StringField(
        _l("Object id"), filters=[strip_filter], validators=[Optional(), Length(max=40)]
    )
    actor = IntegerField(_l("Actor (user id)"), validators=[Optional(), NumberRange(min=1)])
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
