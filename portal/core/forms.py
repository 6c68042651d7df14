"""Form building blocks shared by every domain."""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flask import g, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from wtforms import (
    DateField,
    EmailField,
    FileField,
    IntegerField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
    ValidationError,
)
from wtforms.fields import Field
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.text_input import has_control_characters

CSRF_MESSAGE = _l(
    "The form had expired or came from another site. Check the details and send it again."
)
NO_MARKUP_MESSAGE = _l("Remove the characters < and > from this field.")
CONTROL_CHARACTER_MESSAGE = _l(
    "Remove the invisible control characters from this field (they are not allowed here)."
)
FILE_PART_MESSAGE = _l("Type this field as text; a file cannot be sent in it.")
NUMBER_MESSAGE = _l("Enter a number.")
NUMBER_RANGE_MESSAGE = _l("Enter a number from {low} to {high}.")

# Numbers without an explicit range stay within a PostgreSQL ``integer`` column.
DEFAULT_INTEGER_RANGE = (-(2**31) + 1, 2**31 - 1)
DEFAULT_DECIMAL_RANGE = (Decimal(-1_000_000_000), Decimal(1_000_000_000))


def _has_bounded_range(field: Field) -> bool:
    return any(
        isinstance(v, NumberRange) and v.min is not None and v.max is not None
        for v in field.validators
    )


def safe_input(form: Any, field: Field) -> None:
    """Refuse what no field can store, before any other validator sees it.

    Runs first on every field of every :class:`Form`: a file part where text was expected,
    control characters (PostgreSQL refuses NUL in text), non-finite numbers and numbers
    beyond what the database column holds when the field sets no range of its own.
    """
    if isinstance(field, FileField):
        return
    if field.name in getattr(form, "_file_parts", ()):
        raise StopValidation(str(FILE_PART_MESSAGE))
    multiline = isinstance(field, TextAreaField)
    for value in field.raw_data or ():
        if isinstance(value, str) and has_control_characters(value, multiline=multiline):
            raise StopValidation(str(CONTROL_CHARACTER_MESSAGE))
    data = field.data
    if isinstance(data, bool) or not isinstance(data, int | float | Decimal):
        return
    if isinstance(data, float | Decimal) and not math.isfinite(data):
        raise StopValidation(str(NUMBER_MESSAGE))
    if _has_bounded_range(field):
        return
    low, high = DEFAULT_INTEGER_RANGE if isinstance(data, int) else DEFAULT_DECIMAL_RANGE
    if not low <= data <= high:
        raise StopValidation(str(NUMBER_RANGE_MESSAGE).format(low=low, high=high))


class Form(FlaskForm):
    """Base form: CSRF-protected, with WTForms' own messages translated via Flask-Babel.

    Every field also gets :func:`safe_input` as its first validator, and a multipart file
    part reaches only file fields (elsewhere it becomes a field error, other input kept).
    """

    class Meta:
        locales = False  # WTForms picks the active Flask-Babel locale (WTF_I18N_ENABLED)

        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            field = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
            field.validators = [safe_input, *field.validators]
            return field

        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is not _Auto or not _is_submitted() or not request.files:
                return super().wrap_formdata(form, formdata)  # type: ignore[misc]
            file_fields = {f.name for f in form._fields.values() if isinstance(f, FileField)}
            combined = MultiDict(request.form.items(multi=True))
            form._file_parts = set()
            for name, upload in request.files.items(multi=True):
                if name in file_fields:
                    combined.add(name, upload)
                else:
                    form._file_parts.add(name)
            return ImmutableMultiDict(combined)

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


def _at_most(max_length: int) -> Length:
    return Length(max=max_length, message=_l("Use at most %(max)d characters.", max=max_length))


def _autocomplete(value: str | None) -> dict[str, str] | None:
    return {"autocomplete": value} if value else None


def name_field(
    label: Any,
    message: Any = None,
    *,
    required: bool = True,
    max_length: int = 200,
    autocomplete: str | None = None,
) -> StringField:
    """A one-line name without markup; ``message`` is shown when a required name is missing.

    ``autocomplete`` is the browser's hint where the field asks for the person's own details.
    """
    presence: Any = DataRequired(message=message) if required else Optional()
    return StringField(
        label,
        filters=[strip_filter],
        render_kw=_autocomplete(autocomplete),
        validators=[presence, _at_most(max_length), no_markup],
    )


def person_name_field(label: Any = None) -> StringField:
    """The name of the person filling in the form (registration, profile, support)."""
    return StringField(
        label or _l("Name"),
        filters=[strip_filter],
        render_kw=_autocomplete("name"),
        validators=[
            DataRequired(message=_l("Enter your name.")),
            Length(max=200, message=_l("A name has at most 200 characters.")),
            no_markup,
        ],
    )


def title_field(label: Any = None, *, max_length: int = 200) -> StringField:
    """A required one-line title without markup."""
    return name_field(
        label or _l("Title"), _l("Enter a title."), required=True, max_length=max_length
    )


def line_field(label: Any, *, max_length: int) -> StringField:
    """An optional one-line text (a search term, a code, a topic) limited only in length."""
    return StringField(
        label, filters=[strip_filter], validators=[Optional(), Length(max=max_length)]
    )


def text_field(label: Any, *, max_length: int = 5000, description: Any = "") -> TextAreaField:
    """An optional longer text."""
    return TextAreaField(
        label,
        description=description,
        filters=[strip_filter],
        validators=[Optional(), _at_most(max_length)],
    )


def email_field(
    label: Any, *, required: bool = True, message: Any = None, own: bool = False
) -> EmailField:
    """An email address; ``message`` replaces the default one for a missing required address.

    ``own`` is the address of the person filling in the form (the browser may offer it),
    not one typed in for someone else.
    """
    presence: Any = (
        DataRequired(message=message or _l("Enter an email address.")) if required else Optional()
    )
    return EmailField(
        label,
        filters=[strip_filter],
        render_kw=_autocomplete("email" if own else None),
        validators=[
            presence,
            Length(max=254, message=_l("An email address has at most 254 characters.")),
            Email(
                message=_l("Enter an email address in the form name@example.fi."),
                check_deliverability=False,
            ),
        ],
    )


def own_email_field(label: Any = None) -> EmailField:
    """The required address of the person filling in the form."""
    return email_field(
        label or _l("Email address"), message=_l("Enter your email address."), own=True
    )


def url_field(label: Any, *, max_length: int = 500) -> URLField:
    """An optional web address."""
    return URLField(
        label,
        filters=[strip_filter],
        validators=[
            Optional(),
            _at_most(max_length),
            URL(message=_l("Enter a web address starting with https://.")),
        ],
    )


def count_field(
    label: Any,
    *,
    minimum: int,
    maximum: int,
    missing: Any,
    out_of_range: Any,
    default: int | None = None,
) -> IntegerField:
    """A required whole number from ``minimum`` to ``maximum``: ``missing`` is shown when it is
    left empty, ``out_of_range`` when it falls outside the range."""
    return IntegerField(
        label,
        default=default,
        validators=[
            InputRequired(message=missing),
            NumberRange(min=minimum, max=maximum, message=out_of_range),
        ],
    )


class AuditFilterForm(Form):
    """Filters of the audit log view (sent as GET parameters, so no CSRF token)."""

    action = line_field(_l("Action starts with"), max_length=80)
    object_type = line_field(_l("Object type"), max_length=40)
    object_id = line_field(_l("Object id"), max_length=40)
    actor = IntegerField(_l("Actor (user id)"), validators=[Optional(), NumberRange(min=1)])
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
