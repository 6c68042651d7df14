"""Forms of the resident pool. Field rules come from ``portal.pool.validation``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from portal.core.forms import (
    Form,
    MultiCheckboxField,
    choice_list,
    count_field,
    line_field,
    name_field,
    no_markup,
    strip_filter,
)
from portal.core.population import AGE_BANDS
from portal.pool import validation as checks
from portal.pool.services import MemberData


def error_messages() -> dict[str, Any]:
    """Translated messages for every rule code (forms and the CSV import report)."""
    return {
        "name_required": _l("Enter your name."),
        "name_too_long": _l("A name has at most %(count)d characters.", count=checks.NAME_MAX),
        "markup": _l("Remove the characters < and > from this field."),
        "email_invalid": _l("Enter an email address in the form name@example.fi."),
        "phone_invalid": _l("Enter a phone number with digits only, for example 040 123 4567."),
        "birth_year_required": _l("Enter your year of birth."),
        "birth_year_invalid": _l("Enter the year of birth as four digits, for example 1980."),
        "birth_year_future": _l("The year of birth cannot be in the future."),
        "birth_year_too_young": _l(
            "The resident pool is for people aged %(age)d or over.", age=checks.MIN_AGE
        ),
        "birth_year_implausible": _l("Check the year of birth."),
        "gender_invalid": _l("Choose one of the options for gender."),
        "language_invalid": _l("Choose fi, sv or other as the language."),
        "channel_invalid": _l("Choose email, sms or letter as the contact channel."),
        "municipality_unknown": _l("Choose a municipality of the county, or other."),
        "interest_unknown": _l("Unknown service area of interest."),
        "text_too_long": _l("The text is too long."),
        "contact_required": _l("Give an email address or a phone number."),
        "email_required_for_channel": _l("Give an email address if you want messages by email."),
        "phone_required_for_channel": _l("Give a phone number if you want text messages."),
        "address_required_for_channel": _l("Give a postal address if you want letters."),
        "email_taken": _l("This email address is already in use."),
        "email_repeated": _l("The same email address is on an earlier row of the file."),
        "column_missing": _l("The file has no column with this name."),
        "too_many_rows": _l("The file has too many rows; split it into parts."),
        "file_empty": _l("The file has no rows."),
        "not_text": _l(
            "The file is not a CSV text file (UTF-8 or Windows-1252). Save it as CSV and try again."
        ),
        "row_unreadable": _l(
            "The row cannot be read: a cell is over 131,072 characters or a quotation mark is "
            "not closed."
        ),
        "control_characters": _l(
            "The cell has invisible control characters. Remove them, or save the file as CSV again."
        ),
    }


class _ClearChoiceMixin:
    """Replace WTForms' terse "Not a valid choice" with the field's own translated message."""

    invalid_message: Any = None

    def pre_validate(self, form: Any) -> None:
        try:
            super().pre_validate(form)  # type: ignore[misc]
        except ValidationError as error:
            raise ValidationError(str(self.invalid_message or error)) from None


class ChoiceSelect(_ClearChoiceMixin, SelectField):
    """A required select: ``message`` says what to do when nothing or an unknown value is chosen."""

    def __init__(self, label: Any, message: Any, **kwargs: Any) -> None:
        # DataRequired, not InputRequired: the empty first option only prompts for a choice.
        super().__init__(label, validators=[DataRequired(message=message)], **kwargs)
        self.invalid_message = message


class ChoiceRadio(_ClearChoiceMixin, RadioField):
    """Required radio buttons: ``message`` is shown when none or an unknown value is chosen."""

    def __init__(self, label: Any, message: Any, **kwargs: Any) -> None:
        super().__init__(label, validators=[InputRequired(message=message)], **kwargs)
        self.invalid_message = message
        self.type = "RadioField"  # rendered by the shared macro as a fieldset of choices


def _rule(check: Callable[[Any], tuple[Any, str | None]]) -> Callable[[Any, Any], None]:
    def validator(form: Any, field: Any) -> None:
        _value, code = check(field.data)
        if code:
            raise ValidationError(str(error_messages()[code]))

    return validator


def _birth_year_rule(form: Any, field: Any) -> None:
    _value, code = checks.check_birth_year(field.data, today=date.today())
    if code:
        raise ValidationError(str(error_messages()[code]))


def _optional_text(
    field_class: type[StringField],
    label: Any,
    *,
    max_length: int,
    allow_markup: bool = False,
    **options: Any,
) -> StringField:
    """An optional text of at most ``max_length`` characters; < and > are refused in it unless
    ``allow_markup`` is set."""
    validators: list[Any] = [
        Optional(),
        Length(max=max_length, message=_l("The text is too long.")),
    ]
    if not allow_markup:
        validators.append(no_markup)
    return field_class(label, filters=[strip_filter], validators=validators, **options)


GENDER_CHOICES = [
    ("woman", _l("Woman")),
    ("man", _l("Man")),
    ("other", _l("Other")),
    ("undisclosed", _l("Prefer not to say")),
]
LANGUAGE_CHOICES = [("fi", _l("Finnish")), ("sv", _l("Swedish")), ("other", _l("Other language"))]
CHANNEL_CHOICES = [
    ("email", _l("Email")),
    ("sms", _l("Text message (SMS)")),
    ("letter", _l("Letter")),
]
EXPERIENCE_CHOICES = [
    ("client", _l("As a client")),
    ("relative", _l("As a relative")),
    ("both", _l("Both")),
    ("none", _l("Neither")),
]
STATUS_CHOICES = [
    ("pending", _l("Waiting for confirmation")),
    ("active", _l("Active")),
    ("paused", _l("Paused")),
    ("left", _lp("pool member status", "Left")),
]
ANSWER_CHOICES = [
    ("yes", _l("Yes, I can take part")),
    ("maybe", _l("Maybe")),
    ("no", _l("No, not this time")),
]


def labels(pairs: list[tuple[str, Any]]) -> dict[str, str]:
    return {key: str(label) for key, label in pairs}


class MemberForm(Form):
    name = StringField(
        _l("Name"),
        filters=[strip_filter],
        validators=[_rule(checks.check_name)],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("Email address"),
        filters=[strip_filter],
        validators=[_rule(checks.check_email)],
        render_kw={"autocomplete": "email"},
    )
    phone = StringField(
        _l("Phone number"),
        filters=[strip_filter],
        validators=[_rule(checks.check_phone)],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    contact_channel = ChoiceRadio(
        _l("How do you want to be contacted?"),
        _l("Choose how you want to be contacted."),
        choices=choice_list(CHANNEL_CHOICES),
        default="email",
    )
    postal_address = _optional_text(
        TextAreaField,
        _l("Postal address"),
        max_length=300,
        description=_l("Only if you want letters."),
        render_kw={"autocomplete": "street-address", "rows": 3},
    )
    birth_year = StringField(
        _l("Year of birth"),
        filters=[strip_filter],
        validators=[_birth_year_rule],
        render_kw={"inputmode": "numeric", "autocomplete": "bday-year", "maxlength": 4},
    )
    gender = ChoiceRadio(
        _l("Gender"),
        _l("Choose one of the options for gender."),
        choices=choice_list(GENDER_CHOICES),
    )
    municipality = ChoiceSelect(
        _l("Municipality of residence"),
        _l("Choose a municipality of the county, or other."),
        choices=[],
    )
    language = ChoiceRadio(
        _l("Mother tongue or preferred language"),
        _l("Choose a language."),
        choices=choice_list(LANGUAGE_CHOICES),
    )
    language_other = _optional_text(StringField, _l("Which other language?"), max_length=60)
    interests = MultiCheckboxField(_l("Service areas that interest you"), coerce=int, choices=[])
    accessibility_needs = _optional_text(
        TextAreaField,
        _l("Accessibility or interpretation needs (optional)"),
        max_length=checks.TEXT_MAX,
        render_kw={"rows": 3},
    )
    experience = RadioField(
        _l("Experience of the county's services (optional)"),
        choices=choice_list(EXPERIENCE_CHOICES),
        validators=[Optional()],
    )
    how_heard = _optional_text(
        StringField,
        _l("How did you hear about the resident pool? (optional)"),
        max_length=200,
    )

    def setup(self, *, municipalities: list[Any], areas: list[Any], locale: str) -> MemberForm:
        self.municipality.choices = choice_list(
            [("", _l("Choose a municipality"))]
            + [(str(m.id), m.name(locale)) for m in municipalities]
            + [("other", _l("Other municipality"))]
        )
        self.interests.choices = choice_list((area.id, area.name(locale)) for area in areas)
        return self

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        email = self.email.data if getattr(self, "email", None) is not None else self._email_on_file
        problems = checks.check_contact(
            email=email or None,
            phone=self.phone.data or None,
            channel=self.contact_channel.data or "",
            postal_address=self.postal_address.data or None,
        )
        messages = error_messages()
        for problem in problems:
            target = getattr(self, problem.field, None) or self.phone
            if not target.errors:
                target.errors = [*target.errors, str(messages[problem.code])]
            valid = False
        if self.language.data == "other" and not self.language_other.data:
            self.language_other.errors = [
                *self.language_other.errors,
                str(_l("Tell which language.")),
            ]
            valid = False
        return valid

    _email_on_file: str | None = None

    def to_data(self, *, locale: str, email: str | None = None) -> MemberData:
        municipality = self.municipality.data
        form_email = self.email.data if getattr(self, "email", None) is not None else email
        return MemberData(
            name=self.name.data,
            email=(form_email or "").strip().lower() or None,
            phone=self.phone.data or None,
            contact_channel=self.contact_channel.data,
            postal_address=self.postal_address.data or None,
            birth_year=int(self.birth_year.data),
            gender=self.gender.data,
            municipality_id=int(municipality) if municipality and municipality.isdigit() else None,
            municipality_other=municipality == "other",
            language=self.language.data,
            language_other=self.language_other.data or None,
            interest_ids=list(self.interests.data or []),
            accessibility_needs=self.accessibility_needs.data or None,
            experience=self.experience.data or None,
            how_heard=self.how_heard.data or None,
            locale=locale,
        )


def member_form_values(member: Any) -> dict[str, Any]:
    user = member.user
    return {
        "name": user.name,
        "email": user.email,
        "phone": user.phone,
        "contact_channel": member.contact_channel,
        "postal_address": member.postal_address,
        "birth_year": str(user.birth_year or ""),
        "gender": user.gender,
        "municipality": "other" if member.municipality_other else str(user.municipality_id or ""),
        "language": user.language,
        "language_other": member.language_other,
        "interests": [area.id for area in member.interests],
        "accessibility_needs": member.accessibility_needs,
        "experience": member.experience,
        "how_heard": member.how_heard,
    }


class JoinForm(MemberForm):
    consent = BooleanField(
        _l(
            "I have read the privacy notice of the resident pool and agree that my details "
            "are kept for invitations."
        ),
        validators=[DataRequired(message=_l("Please read and accept the privacy notice."))],
    )


class OwnProfileForm(MemberForm):
    email = None  # changing the address needs a confirmed link; shown, not edited


class CoordinatorMemberForm(MemberForm):
    consent = BooleanField(
        _l("The person has consented to the privacy notice of the resident pool."),
        validators=[DataRequired(message=_l("Membership needs the person's consent."))],
    )


class CoordinatorEditForm(MemberForm):
    pass


class MagicLinkForm(Form):
    email = EmailField(
        _l("Email address"),
        filters=[strip_filter],
        render_kw={"autocomplete": "email"},
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            _rule(checks.check_email),
        ],
    )


class PauseForm(Form):
    until = DateField(
        _l("No invitations until"),
        validators=[DataRequired(message=_l("Enter a date in the form yyyy-mm-dd."))],
    )


class LeaveForm(Form):
    confirm = BooleanField(
        _l("I want to leave the resident pool. My personal data is erased and cannot be restored."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


class NotesForm(Form):
    notes = _optional_text(
        TextAreaField,
        _l("Coordinator's notes"),
        max_length=checks.TEXT_MAX,
        allow_markup=True,
        description=_l("Only for coordinators. The member sees these in their own data."),
    )


class AnswerForm(Form):
    answer = RadioField(
        _l("Can you take part?"),
        choices=choice_list(ANSWER_CHOICES),
        validators=[InputRequired(message=_l("Choose an answer."))],
    )
    availability = _optional_text(
        TextAreaField,
        _l("When are you available? (optional)"),
        max_length=1000,
        render_kw={"rows": 3},
    )


class ImportForm(Form):
    file = FileField(
        _l("CSV file"),
        description=_l(
            "Columns: name, email, phone, contact_channel, postal_address, birth_year, gender, "
            "municipality, language, language_other, interests, accessibility_needs."
        ),
        validators=[FileRequired(message=_l("Choose a file."))],
    )


class InvitationForm(Form):
    activity = SelectField(
        _l("Activity"),
        coerce=int,
        choices=[],
        validators=[DataRequired(message=_l("Choose an activity."))],
    )
    sample_size = IntegerField(
        _l("Random sample size (optional)"),
        description=_l("Leave empty to invite everyone who matches the filters."),
        validators=[
            Optional(),
            NumberRange(min=1, max=50000, message=_l("Enter a number from 1 to 50000.")),
        ],
    )
    seed = _optional_text(
        StringField,
        _l("Seed of the draw (optional)"),
        max_length=64,
        description=_l("The same seed draws the same people; it is recorded."),
    )
    message = _optional_text(
        TextAreaField,
        _l("Message to the invited"),
        max_length=4000,
        allow_markup=True,
        render_kw={"rows": 6},
    )


class InterestAreaForm(Form):
    slug = StringField(
        _l("Identifier"),
        description=_l("Lower-case letters, digits and hyphens; used in CSV files."),
        filters=[strip_filter],
        validators=[
            DataRequired(message=_l("Enter an identifier.")),
            Length(max=40, message=_l("The text is too long.")),
            Regexp(r"^[a-z0-9-]+$", message=_l("Use lower-case letters, digits and hyphens only.")),
        ],
    )
    name_fi = name_field(_l("Name in Finnish"), _l("Enter the name."), max_length=120)
    name_sv = name_field(_l("Name in Swedish"), _l("Enter the name."), max_length=120)
    name_en = name_field(_l("Name in English"), _l("Enter the name."), max_length=120)
    position = count_field(
        _l("Order"),
        default=100,
        minimum=0,
        maximum=1000,
        missing=_l("Enter a number from 0 to 1000."),
        out_of_range=_l("Enter a number from 0 to 1000."),
    )
    is_active = BooleanField(_l("Shown on the join form"), default=True)


class MemberFilterForm(Form):
    """The registry's filters, sent as GET parameters (no CSRF token)."""

    class Meta:
        csrf = False

    q = line_field(_l("Search by name or email"), max_length=100)
    municipality = SelectField(_l("Municipality"), choices=[], validators=[Optional()])
    age_band = SelectField(
        _l("Age band"),
        choices=choice_list([("", _l("All"))] + [(band.label, band.label) for band in AGE_BANDS]),
        validators=[Optional()],
    )
    gender = SelectField(
        _l("Gender"),
        choices=choice_list([("", _l("All")), *GENDER_CHOICES]),
        validators=[Optional()],
    )
    language = SelectField(
        _l("Language"),
        choices=choice_list([("", _l("All")), *LANGUAGE_CHOICES]),
        validators=[Optional()],
    )
    interest = SelectField(_l("Interest"), choices=[], validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=choice_list([("", _l("All but left")), *STATUS_CHOICES]),
        validators=[Optional()],
    )
    not_invited_since = DateField(_l("Not invited since"), validators=[Optional()])
    min_participations = IntegerField(
        _l("Participations at least"), validators=[Optional(), NumberRange(min=0, max=1000)]
    )
    max_participations = IntegerField(
        _l("Participations at most"), validators=[Optional(), NumberRange(min=0, max=1000)]
    )

    def setup(
        self, *, municipalities: list[Any], areas: list[Any], locale: str
    ) -> MemberFilterForm:
        self.municipality.choices = choice_list(
            [("", _l("All"))]
            + [(str(m.id), m.name(locale)) for m in municipalities]
            + [("other", _l("Other municipality"))]
        )
        self.interest.choices = choice_list(
            [("", _l("All"))] + [(str(area.id), area.name(locale)) for area in areas]
        )
        return self
