"""Forms for signing in, registering and managing accounts, roles and units."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from portal.core.forms import (
    Form,
    MultiCheckboxField,
    choice_list,
    email_field,
    name_field,
    own_email_field,
    person_name_field,
)
from portal.core.i18n import LOCALE_NAMES, LOCALES
from portal.core.permissions import Role

PASSWORD_MIN = 12
LOCALE_CHOICES = choice_list((code, LOCALE_NAMES[code]) for code in LOCALES)


def role_labels() -> dict[str, str]:
    return {
        Role.RESIDENT: str(_l("Resident")),
        Role.STAFF: str(_l("Staff member")),
        Role.COORDINATOR: str(_l("Participation coordinator")),
        Role.EXPERT: str(_l("Experience expert or council member")),
        Role.DECISION_MAKER: str(_l("Decision maker")),
        Role.FINANCE_APPROVER: str(_l("Finance approver")),
        Role.ADMIN: str(_l("Administrator")),
    }


def _strong_password(form: Form, field: PasswordField) -> None:
    value = field.data or ""
    if len(value) < PASSWORD_MIN:
        raise ValidationError(_l("Use at least %(count)d characters.", count=PASSWORD_MIN))
    if len(value) > 200:
        raise ValidationError(_l("Use at most 200 characters."))


def _new_password_field(label: Any, description: Any = "") -> PasswordField:
    """A password being chosen, checked for strength."""
    return PasswordField(
        label,
        render_kw={"autocomplete": "new-password"},
        description=description,
        validators=[DataRequired(message=_l("Choose a password.")), _strong_password],
    )


def _password_again_field(label: Any) -> PasswordField:
    """The chosen password typed again; it must match the ``password`` field."""
    return PasswordField(
        label,
        render_kw={"autocomplete": "new-password"},
        validators=[
            DataRequired(message=_l("Type the password again.")),
            EqualTo("password", message=_l("The passwords do not match.")),
        ],
    )


class LoginForm(Form):
    email = own_email_field()
    password = PasswordField(
        _l("Password"),
        render_kw={"autocomplete": "current-password"},
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=200)],
    )


class RegisterForm(Form):
    name = person_name_field()
    email = own_email_field()
    password = _new_password_field(
        _l("Password"),
        description=_l(
            "At least %(count)d characters. A few words in a row is a good password.",
            count=PASSWORD_MIN,
        ),
    )
    password_again = _password_again_field(_l("Password again"))
    locale = SelectField(_l("Language for messages"), choices=LOCALE_CHOICES, default="fi")
    accept_privacy = BooleanField(
        _l("I have read the privacy notice."),
        validators=[DataRequired(message=_l("Please read and accept the privacy notice."))],
    )


class ResendVerificationForm(Form):
    email = own_email_field()


class PasswordResetRequestForm(Form):
    email = own_email_field()


class PasswordResetForm(Form):
    password = _new_password_field(_l("New password"))
    password_again = _password_again_field(_l("New password again"))


class ProfileForm(Form):
    name = person_name_field()
    locale = SelectField(_l("Language for messages"), choices=LOCALE_CHOICES)


class EraseAccountForm(Form):
    confirm = BooleanField(
        _l("I understand that my personal data is erased and cannot be restored."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


class UserAdminForm(Form):
    roles = MultiCheckboxField(_l("Roles"), choices=[])
    org_unit = SelectField(_l("Organisation unit"), coerce=int, choices=[], validators=[Optional()])
    is_active = BooleanField(_l("Account is active"))


class OrgUnitForm(Form):
    kind = SelectField(
        _l("Level"),
        choices=choice_list(
            [("county", _l("County")), ("service_area", _l("Service area")), ("unit", _l("Unit"))]
        ),
    )
    parent = SelectField(_l("Belongs to"), coerce=int, choices=[])
    name_fi = name_field(_l("Name in Finnish"), _l("Enter the Finnish name."), max_length=120)
    name_sv = name_field(_l("Name in Swedish"), required=False, max_length=120)
    name_en = name_field(_l("Name in English"), required=False, max_length=120)
    manager_email = email_field(_l("Manager's email (monthly reports)"), required=False)
