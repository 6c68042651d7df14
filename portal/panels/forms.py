"""Forms for setting up a panel, its candidates, the draw and the workspace."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
    ValidationError,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional

from portal.core.forms import (
    Form,
    MultiCheckboxField,
    choice_list,
    name_field,
    no_markup,
    strip_filter,
    text_field,
    title_field,
)
from portal.panels.features import FEATURES, parse_groups


def method_choices() -> list[Any]:
    return choice_list(
        [
            ("leximin", _l("Leximin: as equal chances as the quotas allow (recommended)")),
            ("legacy", _l("Legacy: the greedy draw, for comparison")),
        ]
    )


class PanelForm(Form):
    question = name_field(
        _l("Question the panel answers"), _l("Enter the question."), max_length=300
    )
    description = text_field(_l("Description"))
    size = IntegerField(
        _l("Number of panel members"),
        description=_l("Resident panels usually have 24 to 60 members."),
        validators=[
            DataRequired(message=_l("Enter the number of members.")),
            NumberRange(min=5, max=200, message=_l("Enter a number from 5 to 200.")),
        ],
    )
    starts_on = DateField(_l("First session"), validators=[Optional()])
    ends_on = DateField(_l("Last session"), validators=[Optional()])
    features = MultiCheckboxField(
        _l("Features to stratify on"),
        description=_l("The panel will match the county's population on these features."),
        validators=[DataRequired(message=_l("Choose at least one feature."))],
    )
    municipality_groups = text_field(
        _l("Municipality groups"),
        max_length=2000,
        description=_l(
            "One group a line: a name, a colon and the municipalities, separated by commas. "
            "Municipalities not listed form the rest of the county."
        ),
    )
    pays_fee = BooleanField(
        _l("Members are paid a fee for attended sessions"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.features.choices = choice_list(FEATURES.items())
        self.parsed_groups: dict[str, list[str]] = {}

    def validate_municipality_groups(self, field: Any) -> None:
        try:
            self.parsed_groups = parse_groups(field.data or "")
        except ValueError as error:
            raise ValidationError(
                _l(
                    "Check line(s) %(lines)s: write a group name, a colon and municipality "
                    "names separated by commas.",
                    lines=str(error),
                )
            ) from error

    def validate_ends_on(self, field: Any) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last session cannot be before the first."))


class QuotasForm(Form):
    """Min and max per quota row; the fields are read by name (``min-3``, ``max-3``)."""


class SeedForm(Form):
    seed = StringField(
        _l("Seed"),
        description=_l(
            "A number announced publicly before the draw, for example a lottery result. "
            "Anyone can re-run the draw with it."
        ),
        filters=[strip_filter],
        validators=[
            DataRequired(message=_l("Enter the seed.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
            no_markup,
        ],
    )
    seed_source = name_field(_l("Where the seed comes from"), required=False, max_length=300)
    method = SelectField(_l("Method"), validators=[DataRequired()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.method.choices = method_choices()


class EmailListForm(Form):
    emails = TextAreaField(
        _l("Email addresses of registered residents"),
        description=_l("One address a line."),
        filters=[strip_filter],
        validators=[
            DataRequired(message=_l("Enter at least one email address.")),
            Length(max=50_000),
        ],
    )


class UploadForm(Form):
    people = FileField(
        _l("People list (CSV)"),
        description=_l(
            "Columns: id and one column per stratified feature, with the values shown in the "
            "quota table."
        ),
        validators=[
            FileRequired(message=_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], message=_l("Choose a CSV file.")),
        ],
    )


class LinkAccountForm(Form):
    email = StringField(
        _l("Email address of the member's account"),
        filters=[strip_filter],
        validators=[
            DataRequired(message=_l("Enter the email address.")),
            Length(max=254),
        ],
    )


class ReplacementForm(Form):
    seed = StringField(
        _l("Seed for the replacement draw"),
        description=_l("Announce it publicly before drawing, as for the main draw."),
        filters=[strip_filter],
        validators=[
            DataRequired(message=_l("Enter the seed.")),
            Length(max=200),
            no_markup,
        ],
    )


class SessionForm(Form):
    title = title_field()
    held_on = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter the date."))])
    hours = DecimalField(
        _l("Length in hours"),
        places=2,
        validators=[
            DataRequired(message=_l("Enter the length in hours.")),
            NumberRange(min=0.25, max=24, message=_l("Enter a number from 0.25 to 24.")),
        ],
    )
    location = name_field(_l("Place"), required=False)


class MaterialForm(Form):
    title = title_field()
    url = URLField(
        _l("Link"),
        filters=[strip_filter],
        validators=[
            Optional(),
            URL(message=_l("Enter a full address beginning with https://.")),
            Length(max=500),
        ],
    )
    text = text_field(_l("Text"), max_length=10_000)


class RecommendationForm(Form):
    title = name_field(_l("Recommendation"), _l("Enter the recommendation."), max_length=300)
    text = text_field(_l("Reasoning"), max_length=10_000)
