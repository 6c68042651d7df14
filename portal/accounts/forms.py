"""Forms for signing in, registering and managing accounts, roles and units."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from portal.core.forms import Form, MultiCheckboxField, choice_list, no_markup, strip_filter
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


def _email_field(label: object) -> EmailField:
    return EmailField(
        label,
        filters=[strip_filter],
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            Length(max=254, message=_l("An email address has at most 254 characters.")),
            Email(
                message=_l("Enter an email address in the form name@example.fi."),
                check_deliverability=False,
            ),
        ],
    )


def _strong_password(form: Form, field: PasswordField) -> None:
    value = field.data or ""
    if len(value) < PASSWORD_MIN:
        raise ValidationError(_l("Use at least %(count)d characters.", count=PASSWORD_MIN))
    if len(value) > 200:
        raise ValidationError(_l("Use at most 200 characters."))


class LoginForm(Form):
    email = _email_field(_l("Email address"))
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=200)],
    )


class RegisterForm(Form):
    name = StringField(
        _l("Name"),
        filters=[strip_filter],
        validators=[
            DataRequired(message=_l("Enter your name.")),
            Length(max=200, message=_l("A name has at most 200 characters.")),
            no_markup,
        ],
    )
    email = _email_field(_l("Email address"))
    password = PasswordField(
        _l("Password"),
        description=_l(
            "At least %(count)d characters. A few words in a row is a good password.",
            count=PASSWORD_MIN,
        ),
        validators=[DataRequired(message=_l("Choose a password.")), _strong_password],
    )
    password_again = PasswordField(
        _l("Password again"),
        validators=[
            DataRequired(message=_l("Type the password again.")),
            EqualTo("password", message=_l("The passwords do not match.")),
        ],
    )
    locale = SelectField(_l("Language for messages"), choices=LOCALE_CHOICES, default="fi")
    accept_privacy = BooleanField(
        _l("I have read the privacy notice."),
        validators=[DataRequired(message=_l("Please read and accept the privacy notice."))],
    )


class ResendVerificationForm(Form):
    email = _email_field(_l("Email address"))


class PasswordResetRequestForm(Form):
    email = _email_field(_l("Email address"))


class PasswordResetForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Choose a password.")), _strong_password],
    )
    password_again = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(message=_l("Type the password again.")),
            EqualTo("password", message=_l("The passwords do not match.")),
        ],
    )


class ProfileForm(Form):
    name = StringField(
        _l("Name"),
        filters=[strip_filter],
        validators=[
            DataRequired(message=_l("Enter your name.")),
            Length(max=200, message=_l("A name has at most 200 characters.")),
            no_markup,
        ],
    )
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
    name_fi = StringField(
        _l("Name in Finnish"),
        filters=[strip_filter],
        validators=[
            DataRequired(message=_l("Enter the Finnish name.")),
            Length(max=120),
            no_markup,
        ],
    )
    name_sv = StringField(
        _l("Name in Swedish"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=120), no_markup],
    )
    name_en = StringField(
        _l("Name in English"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=120), no_markup],
    )
    manager_email = EmailField(
        _l("Manager's email (monthly reports)"),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=254),
            Email(
                message=_l("Enter an email address in the form name@example.fi."),
                check_deliverability=False,
            ),
        ],
    )
