"""Forms for making, supporting, checking, handling and reporting initiatives."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.core.forms import (
    Form,
    count_field,
    email_field,
    no_markup,
    own_email_field,
    person_name_field,
    strip_filter,
)


def _text_area(
    label: Any, limit: Length, *, required: Any = None, description: Any = ""
) -> TextAreaField:
    """A longer text of at most ``limit``; ``required`` is the message shown when a required
    one is missing (without it the text is optional)."""
    presence: Any = DataRequired(message=required) if required is not None else Optional()
    return TextAreaField(
        label, filters=[strip_filter], description=description, validators=[presence, limit]
    )


class InitiativeForm(Form):
    title = StringField(
        _l("Title"),
        filters=[strip_filter],
        description=_l("A short title that says what you propose."),
        validators=[
            DataRequired(message=_l("Enter a title.")),
            Length(min=5, max=200, message=_l("A title has 5 to 200 characters.")),
            no_markup,
        ],
    )
    proposal = _text_area(
        _l("Proposal"),
        Length(max=5000, message=_l("The proposal has at most 5,000 characters.")),
        required=_l("Write your proposal."),
        description=_l("What should the wellbeing services county do?"),
    )
    justification = _text_area(
        _l("Justification"),
        Length(max=10000, message=_l("The justification has at most 10,000 characters.")),
        description=_l("Why is this needed? Do not write other people's personal details."),
    )
    service_area = SelectField(_l("Service area"), coerce=int, default=0)
    public_name = StringField(
        _l("Name shown publicly (optional)"),
        filters=[strip_filter],
        description=_l(
            "Leave empty to be shown as \u201ca resident\u201d. "
            "Coordinators see your account details."
        ),
        validators=[Optional(), Length(max=200, message=_l("At most 200 characters.")), no_markup],
    )
    contact_phone = StringField(
        _l("Phone number (optional, not public)"),
        filters=[strip_filter],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
        validators=[Optional(), Length(max=40, message=_l("At most 40 characters.")), no_markup],
    )


class InviteForm(Form):
    email = email_field(_l("Co-initiator's email address"), message=_l("Enter your email address."))


class SupportForm(Form):
    name = person_name_field()
    municipality = SelectField(
        _l("Municipality of residence"),
        coerce=int,
        validators=[InputRequired(message=_l("Choose your municipality."))],
    )
    email = own_email_field()
    notify_decision = BooleanField(_l("Email me the decision on this initiative"))

    def validate_municipality(self, field: SelectField) -> None:
        if field.data == 0:  # the "Choose…" placeholder
            raise ValidationError(_l("Choose your municipality."))


class ReturnForm(Form):
    reason = _text_area(
        _l("Reason for returning"),
        Length(max=5000, message=_l("At most 5,000 characters.")),
        required=_l("Write the reason."),
        description=_l("Tell the initiators what to change. They see this text."),
    )


class AssignForm(Form):
    assigned_to = StringField(
        _l("Office-holder or body"),
        filters=[strip_filter],
        description=_l(
            "For example \u201cRegional board\u201d or \u201cDirector of social services\u201d."
        ),
        validators=[
            DataRequired(message=_l("Name the office-holder or body.")),
            Length(max=200, message=_l("At most 200 characters.")),
            no_markup,
        ],
    )
    assigned_user = SelectField(_l("Person in the portal (optional)"), coerce=int, default=0)


class DecisionForm(Form):
    decision = RadioField(
        _l("Decision"), validators=[InputRequired(message=_l("Choose the decision."))]
    )
    reason = _text_area(
        _l("Reasons"),
        Length(max=10000, message=_l("At most 10,000 characters.")),
        required=_l("Write the reasons for the decision."),
    )
    measures = _text_area(
        _l("Measures taken"), Length(max=10000, message=_l("At most 10,000 characters."))
    )
    minutes_link = URLField(
        _l("Link to the minutes"),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=500, message=_l("At most 500 characters.")),
            URL(message=_l("Enter a web address starting with https://.")),
        ],
    )
    decided_on = DateField(
        _l("Date of decision"), validators=[InputRequired(message=_l("Enter the date."))]
    )


class AbuseReportForm(Form):
    reason = RadioField(
        _l("What is wrong?"), validators=[InputRequired(message=_l("Choose a reason."))]
    )
    message = _text_area(
        _l("Details (optional)"), Length(max=2000, message=_l("At most 2,000 characters."))
    )


def _months_field(label: Any) -> IntegerField:
    """A period of the yearly settings in whole months: six unless changed, at most three years."""
    return count_field(
        label,
        default=6,
        minimum=1,
        maximum=36,
        missing=_l("Enter the number of months."),
        out_of_range=_l("Enter 1 to 36 months."),
    )


class SettingsForm(Form):
    year = count_field(
        _l("Year"),
        minimum=2023,
        maximum=2100,
        missing=_l("Enter the year."),
        out_of_range=_l("Enter a year between 2023 and 2100."),
    )
    support_percent = DecimalField(
        _l("Support share (per cent)"),
        places=2,
        default=2,
        validators=[
            InputRequired(message=_l("Enter the share.")),
            NumberRange(min=0.01, max=100, message=_l("Enter a share between 0.01 and 100.")),
        ],
    )
    eligible_voters = IntegerField(
        _l("Residents entitled to vote"),
        description=_l("Leave empty to use the county's total population."),
        validators=[Optional(), NumberRange(min=1, message=_l("Enter a positive number."))],
    )
    handling_months = _months_field(_l("Handling period (months)"))
    collection_months = _months_field(_l("Collection time (months)"))
