"""Forms of the impact reports, the outputs list and the response workflow."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.core.forms import Form, choice_list, no_markup, strip_filter
from portal.impact.labels import (
    decision_labels,
    granularity_labels,
    kind_labels,
    status_labels,
)
from portal.impact.models import Decision, ImplementationStatus
from portal.impact.services import is_web_link


def _optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _kind_choices() -> list[Any]:
    return choice_list([("", _l("All kinds")), *kind_labels().items()])


class _ActivityFilterForm(Form):
    """The filters the report and the outputs list share: where (service area, unit) and what
    kind of activity."""

    area = SelectField(
        _l("Service area"), coerce=_optional_int, validate_choice=False, validators=[Optional()]
    )
    unit = SelectField(
        _l("Unit"), coerce=_optional_int, validate_choice=False, validators=[Optional()]
    )
    kind = SelectField(_l("Kind of activity"), validators=[Optional()])

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = [(u.id, u.name) for u in units if u.kind == "service_area"]
        unit_pairs = [(u.id, u.name) for u in units if u.kind == "unit"]
        self.area.choices = choice_list([("", _l("All service areas")), *areas])
        self.unit.choices = choice_list([("", _l("All units")), *unit_pairs])
        self.kind.choices = _kind_choices()


class ReportFilterForm(_ActivityFilterForm):
    """Report filters, sent as GET parameters so that a filtered report can be shared."""

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    step = SelectField(_l("Trend by"), validators=[Optional()])

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, units=units, **kwargs)
        self.step.choices = choice_list(granularity_labels().items())

    def validate_end(self, field: Any) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(str(_l("The end date must not be before the start date.")))


AGE_CHOICES = (
    ("", _l("Any age")),
    ("30", _l("Older than 30 days")),
    ("60", _l("Older than 60 days")),
    ("90", _l("Older than 90 days")),
    ("180", _l("Older than 180 days")),
)


class OutputFilterForm(_ActivityFilterForm):
    """Filters of the outputs list (GET)."""

    state = SelectField(_l("Response"), validators=[Optional()])
    age = SelectField(_l("Age of output"), validators=[Optional()])
    q = StringField(_l("Search"), filters=[strip_filter], validators=[Length(max=100)])

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, units=units, **kwargs)
        self.state.choices = choice_list(
            [
                ("awaiting", _l("Awaiting a response")),
                ("answered", _l("Answered")),
                ("all", _l("All")),
            ]
        )
        self.age.choices = choice_list(AGE_CHOICES)


class PublicSearchForm(Form):
    """Search of the public "you said, we did" page (GET)."""

    q = StringField(_l("Search"), filters=[strip_filter], validators=[Length(max=100)])
    state = SelectField(_l("Show"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state.choices = choice_list(
            [
                ("all", _l("All proposals")),
                ("answered", _l("Answered")),
                ("awaiting", _l("Waiting for an answer")),
            ]
        )


def _web_link(form: Any, field: Any) -> None:
    if field.data and not is_web_link(field.data):
        raise ValidationError(str(_l("Give a full web address starting with https:// or http://.")))


class ResponseForm(Form):
    """The county's response to an output, and later its implementation."""

    decision = RadioField(
        _l("Decision"),
        validators=[DataRequired(message=_l("Choose the decision."))],
    )
    reason = TextAreaField(
        _l("Reason"),
        filters=[strip_filter],
        validators=[Length(max=5000)],
        description=_l(
            "Required when the output is accepted only partly or not at all. Residents see it."
        ),
    )
    decided_on = DateField(
        _l("Date of the decision"),
        validators=[DataRequired(message=_l("Give the date of the decision."))],
    )
    decision_reference = StringField(
        _l("Decision reference"),
        filters=[strip_filter],
        validators=[Length(max=200), no_markup],
        description=_l("For example the meeting and section, § 45/2026."),
    )
    decision_link = StringField(
        _l("Link to the decision"),
        filters=[strip_filter],
        validators=[Length(max=500), _web_link],
    )
    responsible_person = StringField(
        _l("Responsible person"),
        filters=[strip_filter],
        validators=[Length(max=200), no_markup],
        description=_l("Who is responsible for carrying out the decision (a job title will do)."),
    )
    implementation_status = SelectField(_l("Implementation"), validators=[Optional()])
    implementation_planned_on = DateField(
        _l("Planned implementation date"), validators=[Optional()]
    )
    implemented_on = DateField(_l("Implemented on"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.decision.choices = choice_list(decision_labels().items())
        self.implementation_status.choices = choice_list(status_labels().items())

    def validate_reason(self, field: Any) -> None:
        if (
            self.decision.data in (Decision.PARTLY_ACCEPTED, Decision.NOT_ACCEPTED)
            and not (field.data or "").strip()
        ):
            raise ValidationError(
                str(_l("Give the reason when the output is accepted only partly or not at all."))
            )

    def validate_implemented_on(self, field: Any) -> None:
        if self.implementation_status.data == ImplementationStatus.DONE and not field.data:
            raise ValidationError(str(_l("Give the date the implementation was completed.")))
        if field.data and self.decided_on.data and field.data < self.decided_on.data:
            raise ValidationError(
                str(_l("The implementation cannot be completed before the decision."))
            )
