"""Forms of councils, members, applications and meetings, and the labels of their choices."""

from __future__ import annotations

from typing import Any

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
    TextAreaField,
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
    url_field,
)
from portal.councils.models import CouncilKind, MemberRole, Rsvp
from portal.impact.models import Attendance, OutputKind


def kind_labels() -> dict[str, Any]:
    return {
        CouncilKind.CLIENT_COUNCIL: _l("Client council"),
        CouncilKind.PATIENT_COUNCIL: _l("Patient council"),
        CouncilKind.INFLUENCE_BODY: _l("Influence body"),
        CouncilKind.DEVELOPER_CLIENTS: _l("Developer clients"),
    }


def role_labels() -> dict[str, Any]:
    return {
        MemberRole.CHAIR: _l("Chair"),
        MemberRole.VICE_CHAIR: _l("Vice chair"),
        MemberRole.MEMBER: _l("Member"),
        MemberRole.STAFF_REPRESENTATIVE: _l("Staff representative"),
        MemberRole.SECRETARY: _l("Secretary"),
    }


def rsvp_labels() -> dict[str, Any]:
    return {
        Rsvp.PENDING: _l("Not answered"),
        Rsvp.ATTENDING: _l("Coming"),
        Rsvp.REMOTE: _l("Taking part remotely"),
        Rsvp.NOT_ATTENDING: _l("Not coming"),
    }


def attendance_labels() -> dict[str, Any]:
    return {
        Attendance.PRESENT: _l("Present"),
        Attendance.REMOTE: _l("Remotely"),
        Attendance.ABSENT: _l("Absent"),
    }


def output_labels() -> dict[str, Any]:
    return {
        OutputKind.RECOMMENDATION: _l("Recommendation"),
        OutputKind.STATEMENT: _lp("council output", "Statement"),
    }


class CouncilForm(Form):
    name_fi = name_field(_l("Name in Finnish"), _l("Enter the Finnish name."))
    name_sv = name_field(_l("Name in Swedish"), None, required=False)
    kind = SelectField(_l("Kind"), choices=[])
    org_unit = SelectField(_l("Service area or unit"), coerce=int, choices=[], default=0)
    purpose = text_field(_l("Purpose"))
    purpose_sv = text_field(_l("Purpose in Swedish"))
    tasks = text_field(_l("Tasks"))
    tasks_sv = text_field(_l("Tasks in Swedish"))
    target_size = count_field(
        _l("Target size (members)"),
        default=10,
        minimum=1,
        maximum=200,
        missing=_l("Enter the number of members."),
        out_of_range=_l("Enter a number from 1 to 200."),
    )
    accepts_applications = BooleanField(_l("Anyone can apply through the open application form"))
    responsibles = MultiCheckboxField(_l("Responsible persons"), coerce=int, choices=[])
    term_starts_on = DateField(_l("First term starts"), validators=[Optional()])
    term_ends_on = DateField(_l("First term ends"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = choice_list(kind_labels().items())


class SeatGroupForm(Form):
    name = name_field(_l("Seat group"), _l("Enter the name of the seat group."))
    seats = count_field(
        _l("Seats"),
        default=1,
        minimum=1,
        maximum=100,
        missing=_l("Enter the number of seats."),
        out_of_range=_l("Enter a number from 1 to 100."),
    )


class MemberForm(Form):
    name = name_field(_l("Name"), _l("Enter the name."))
    email = email_field(_l("Email address"), required=True)
    role = SelectField(_l("Role"), choices=[])
    seat_group = SelectField(_l("Seat group"), coerce=int, choices=[], default=0)
    starts_on = DateField(
        _l("Membership starts"),
        description=_l("Leave empty to start today or when the term starts."),
        validators=[Optional()],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = choice_list(role_labels().items())


class MembershipForm(Form):
    role = SelectField(_l("Role"), choices=[])
    seat_group = SelectField(_l("Seat group"), coerce=int, choices=[], default=0)
    ends_on = DateField(
        _l("Membership ends"),
        description=_l("To end a membership early, set the last day."),
        validators=[DataRequired(message=_l("Enter the last day of the membership."))],
    )
    privacy_commitment_on = DateField(_l("Privacy commitment signed on"), validators=[Optional()])
    orientation_done_on = DateField(_l("Orientation done on"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = choice_list(role_labels().items())


class RenewForm(Form):
    starts_on = DateField(
        _l("New term starts"), validators=[DataRequired(message=_l("Enter the first day."))]
    )
    ends_on = DateField(
        _l("New term ends"), validators=[DataRequired(message=_l("Enter the last day."))]
    )
    continuing = MultiCheckboxField(_l("Members who continue"), coerce=int, choices=[])

    def validate_ends_on(self, field: DateField) -> None:
        if field.data and self.starts_on.data and field.data <= self.starts_on.data:
            raise ValidationError(_l("The term must end after it starts."))


class ApplicationForm(Form):
    name = name_field(_l("Your name"), _l("Enter your name."), autocomplete="name")
    email = email_field(_l("Email address"), required=False, own=True)
    phone = StringField(
        _l("Phone number"),
        filters=[strip_filter],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
        validators=[Optional(), Length(max=40, message=_l("Use at most 40 characters."))],
    )
    seat_group = SelectField(_l("I apply as"), coerce=int, choices=[], default=0)
    motivation = TextAreaField(
        _l("Why would you like to join?"),
        description=_l("Tell about your experience of the services, in your own words."),
        filters=[strip_filter],
        validators=[
            DataRequired(message=_l("Tell briefly why you would like to join.")),
            Length(max=3000, message=_l("Use at most %(max)d characters.", max=3000)),
        ],
    )
    accept_privacy = BooleanField(
        _l("I have read the privacy notice."),
        validators=[DataRequired(message=_l("Please read and accept the privacy notice."))],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not self.phone.data and not self.email.data and not self.email.errors:
            self.phone.errors = [*self.phone.errors, _l("Give an email address or a phone number.")]
            return False
        return valid


class DecideApplicationForm(Form):
    role = SelectField(_l("Role"), choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = choice_list(role_labels().items())


class MeetingForm(Form):
    title = title_field()
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
    remote_link = url_field(_l("Remote meeting link"))
    accessibility_info = text_field(
        _l("Accessibility"),
        max_length=2000,
        description=_l("For example step-free access, induction loop, interpretation."),
    )
    agenda = text_field(_l("Agenda"))

    def validate_end_time(self, field: TimeField) -> None:
        if field.data and self.start_time.data and field.data <= self.start_time.data:
            raise ValidationError(_l("The meeting must end after it starts."))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        # Not an inline validator: Optional() would stop the chain before it runs.
        if not self.place.data and not self.remote_link.data:
            self.place.errors = [
                *self.place.errors,
                _l("Give a place, a remote meeting link or both."),
            ]
            return False
        return valid


class RsvpForm(Form):
    answer = RadioField(
        _l("Will you come?"),
        choices=[],
        validators=[InputRequired(message=_l("Choose your answer."))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = rsvp_labels()
        self.answer.choices = choice_list(
            (key, labels[key]) for key in (Rsvp.ATTENDING, Rsvp.REMOTE, Rsvp.NOT_ATTENDING)
        )


def attendance_form(invitations: list[Any], **kwargs: Any) -> Form:
    """A form with an attendance choice and hours for each invitee of a meeting."""

    class AttendanceForm(Form):
        pass

    labels = attendance_labels()
    for invitation in invitations:
        name = invitation.user.display_name
        setattr(
            AttendanceForm,
            f"attendance_{invitation.id}",
            SelectField(
                _l("Attendance of %(name)s", name=name),
                choices=choice_list(labels.items()),
                validators=[InputRequired(message=_l("Choose the attendance."))],
            ),
        )
        setattr(
            AttendanceForm,
            f"hours_{invitation.id}",
            DecimalField(
                _l("Hours of %(name)s", name=name),
                places=2,
                validators=[
                    InputRequired(message=_l("Enter the hours.")),
                    NumberRange(min=0, max=24, message=_l("Enter hours from 0 to 24.")),
                ],
            ),
        )
    return AttendanceForm(**kwargs)


class MinutesForm(Form):
    minutes = text_field(_l("Minutes"), max_length=50000)


class MaterialForm(Form):
    title = title_field()
    file = FileField(
        _l("File"),
        description=_l("PDF, Word, Excel, PowerPoint, ODT, PNG, JPEG or text; at most 8 MB."),
    )
    url = url_field(_l("Or a link"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        has_file = bool(self.file.data and getattr(self.file.data, "filename", ""))
        if not has_file and not self.url.data:
            self.url.errors = [*self.url.errors, _l("Choose a file or give a link.")]
            return False
        return valid


class OutputForm(Form):
    kind = SelectField(_l("Kind"), choices=[])
    title = title_field(max_length=300)
    text = TextAreaField(
        _l("Text"),
        filters=[strip_filter],
        validators=[
            DataRequired(message=_l("Write the recommendation or statement.")),
            Length(max=10000, message=_l("Use at most %(max)d characters.", max=10000)),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = choice_list(output_labels().items())
