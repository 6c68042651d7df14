"""Forms of the experience bank and the labels of their choices."""

from __future__ import annotations

from typing import Any

from babel import Locale
from babel.dates import get_day_names
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    RadioField,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.core.forms import (
    Form,
    MultiCheckboxField,
    choice_list,
    count_field,
    email_field,
    name_field,
    strip_filter,
    text_field,
    title_field,
)
from portal.core.i18n import current_locale
from portal.experts.models import (
    AssignmentStatus,
    DocumentKind,
    ExpertStatus,
    TaskType,
)

EXPERIENCE_AREAS = (
    "mental_health",
    "substance_use",
    "child_welfare",
    "families",
    "disability",
    "neurodiversity",
    "long_term_illness",
    "cancer",
    "older_people",
    "family_caregiving",
    "homelessness",
    "immigration",
    "violence",
)
LANGUAGES = ("fi", "sv", "en", "se", "fse", "ru", "et", "ar", "so", "uk")


def area_labels() -> dict[str, Any]:
    return {
        "mental_health": _l("Mental health"),
        "substance_use": _l("Substance use"),
        "child_welfare": _l("Child welfare and foster care"),
        "families": _l("Families with children"),
        "disability": _l("Disability"),
        "neurodiversity": _l("Neurodiversity"),
        "long_term_illness": _l("Long-term illness"),
        "cancer": _l("Cancer"),
        "older_people": _l("Old age and care of older people"),
        "family_caregiving": _l("Family caregiving"),
        "homelessness": _l("Homelessness"),
        "immigration": _l("Immigration and integration"),
        "violence": _l("Violence in close relationships"),
    }


def language_labels() -> dict[str, str]:
    """Language names in the active locale (from the CLDR data Babel ships)."""
    names = Locale.parse(current_locale()).languages
    labels = {code: names.get(code, code) for code in LANGUAGES}
    labels["fse"] = str(_l("Finnish Sign Language"))
    return labels


def weekday_labels() -> dict[int, str]:
    names = get_day_names("wide", locale=current_locale())
    return {day: names[day] for day in range(7)}


def status_labels() -> dict[str, Any]:
    return {
        ExpertStatus.IN_TRAINING: _l("In training"),
        ExpertStatus.ACTIVE: _l("Active"),
        ExpertStatus.PAUSED: _l("Paused"),
        ExpertStatus.ENDED: _l("Ended"),
    }


def task_labels() -> dict[str, Any]:
    return {
        TaskType.STAFF_TRAINING: _l("Training staff"),
        TaskType.DEVELOPMENT_WORKSHOP: _l("Development workshop"),
        TaskType.RECRUITMENT_PANEL: _l("Recruitment panel"),
        TaskType.PEER_SUPPORT: _l("Peer support"),
        TaskType.MEDIA: _l("Media and communications"),
        TaskType.OTHER: _l("Other task"),
    }


def assignment_status_labels() -> dict[str, Any]:
    return {
        AssignmentStatus.PROPOSED: _l("Waiting for the expert's answer"),
        AssignmentStatus.ACCEPTED: _lp("expert assignment", "Accepted"),
        AssignmentStatus.DECLINED: _l("Declined"),
        AssignmentStatus.COMPLETED: _l("Took place"),
        AssignmentStatus.NOT_HELD: _l("Did not take place"),
        AssignmentStatus.CANCELLED: _l("Cancelled"),
    }


def document_labels() -> dict[str, Any]:
    return {
        DocumentKind.AGREEMENT: _l("Agreement"),
        DocumentKind.CONFIDENTIALITY: _l("Confidentiality commitment"),
        DocumentKind.TRAINING_CERTIFICATE: _l("Training certificate"),
        DocumentKind.OTHER: _l("Other document"),
    }


class ProfileForm(Form):
    name = name_field(_l("Name"), _l("Enter the name."))
    email = email_field(_l("Email address"), required=True)
    status = SelectField(_l("Status"), choices=[])
    training_completed_on = DateField(
        _l("Training completed on"),
        description=_l("Required before the expert can be active."),
        validators=[Optional()],
    )
    experience_areas = MultiCheckboxField(_l("Areas of lived experience"), choices=[])
    service_area_ids = MultiCheckboxField(_l("Service areas"), coerce=int, choices=[])
    languages = MultiCheckboxField(
        _l("Languages"),
        choices=[],
        validators=[DataRequired(message=_l("Choose at least one language."))],
    )
    available_weekdays = MultiCheckboxField(
        _l("Available on"),
        coerce=int,
        choices=[],
        description=_l("Leave all empty if any day is fine."),
    )
    availability_note = text_field(_l("Availability, in more detail"), max_length=1000)
    willing = MultiCheckboxField(_l("Willing to take on"), choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = choice_list(status_labels().items())
        self.experience_areas.choices = choice_list(area_labels().items())
        self.languages.choices = choice_list(language_labels().items())
        self.available_weekdays.choices = choice_list(weekday_labels().items())
        labels = task_labels()
        self.willing.choices = choice_list(
            (task, labels[task]) for task in TaskType if task != TaskType.OTHER
        )


class DocumentForm(Form):
    kind = SelectField(_l("Kind"), choices=[])
    title = title_field()
    signed_on = DateField(_l("Signed on"), validators=[Optional()])
    file = FileField(
        _l("File"),
        description=_l("PDF, Word, Excel, PowerPoint, ODT, PNG, JPEG or text; at most 8 MB."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = choice_list(document_labels().items())

    def validate_file(self, field: FileField) -> None:
        if not (field.data and getattr(field.data, "filename", "")):
            raise ValidationError(_l("Choose a file."))


class RequestForm(Form):
    org_unit = SelectField(_l("Requesting unit"), coerce=int, choices=[])
    title = title_field()
    task_type = SelectField(_l("Task"), choices=[])
    description = text_field(
        _l("What is the expert asked to do?"),
        description=_l("The audience, the goal and the expert's part."),
    )
    day = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter the date."))])
    start_time = TimeField(
        _l("Starts at"), validators=[DataRequired(message=_l("Enter the starting time."))]
    )
    end_time = TimeField(
        _l("Ends at"), validators=[DataRequired(message=_l("Enter the ending time."))]
    )
    place = StringField(
        _l("Place"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=300, message=_l("Use at most 300 characters."))],
    )
    is_remote = BooleanField(_l("Remote (the link is sent to the expert later)"))
    preparation = text_field(
        _l("Preparation needed"),
        max_length=2000,
        description=_l("For example a preliminary meeting or material to read."),
    )
    expertise_wanted = MultiCheckboxField(_l("Lived experience wanted"), choices=[])
    language = SelectField(_l("Language"), choices=[])
    experts_needed = count_field(
        _l("Number of experts"),
        default=1,
        minimum=1,
        maximum=10,
        missing=_l("Enter the number of experts."),
        out_of_range=_l("Enter a number from 1 to 10."),
    )
    cost_centre = name_field(
        _l("Cost centre for the fee"), _l("Enter the cost centre."), max_length=40
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.task_type.choices = choice_list(task_labels().items())
        self.expertise_wanted.choices = choice_list(area_labels().items())
        self.language.choices = choice_list(language_labels().items())

    def validate_end_time(self, field: TimeField) -> None:
        if field.data and self.start_time.data and field.data <= self.start_time.data:
            raise ValidationError(_l("The assignment must end after it starts."))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        # Not an inline validator: Optional() would stop the chain before it runs.
        if not self.place.data and not self.is_remote.data:
            self.place.errors = [*self.place.errors, _l("Give a place, or tick remote.")]
            return False
        return valid


class AnswerForm(Form):
    reason = text_field(_l("If you decline, you may tell why (optional)"), max_length=1000)


class ConfirmForm(Form):
    held = RadioField(
        _l("Did the assignment take place?"),
        choices=[],
        validators=[InputRequired(message=_l("Choose whether it took place."))],
    )
    hours = DecimalField(
        _l("Hours, including preparation agreed on"),
        places=2,
        validators=[
            Optional(),
            NumberRange(min=0, max=24, message=_l("Enter hours from 0 to 24.")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held.choices = choice_list(
            [("yes", _l("Yes, it took place")), ("no", _l("No, it did not take place"))]
        )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.held.data == "yes" and not self.hours.data and not self.hours.errors:
            self.hours.errors = [*self.hours.errors, _l("Enter the hours.")]
            return False
        return valid


class RatingForm(Form):
    rating = RadioField(
        _l("How did it go? (1 = poorly, 5 = very well)"),
        coerce=int,
        choices=choice_list((n, str(n)) for n in range(1, 6)),
        validators=[InputRequired(message=_l("Choose a rating."))],
    )
    feedback = text_field(_l("Feedback"), max_length=3000)
