"""Councils for coordinators, the open application form, members' own meetings, and the
coordinators' calendar of meetings and expert assignments."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.accounts.models import OrgUnit, User, UserRole
from portal.accounts.services import org_units_in_tree_order
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.core.forms import ActionForm, choice_list
from portal.core.i18n import current_locale
from portal.core.paging import paginate
from portal.core.permissions import (
    Role,
    login_required,
    permission_required,
    public,
    user_has_permission,
)
from portal.core.times import (
    local_date,
    local_time,
    local_to_utc,
    month_bounds,
    utc_range,
    week_bounds,
)
from portal.core.uploads import UploadRejected, stored_path
from portal.core.views_helpers import flash_form_errors, form_status, run_action, submit_form
from portal.councils import services
from portal.councils.forms import (
    ApplicationForm,
    CouncilForm,
    DecideApplicationForm,
    MaterialForm,
    MeetingForm,
    MemberForm,
    MembershipForm,
    MinutesForm,
    OutputForm,
    RenewForm,
    RsvpForm,
    SeatGroupForm,
    attendance_form,
    attendance_labels,
    kind_labels,
    output_labels,
    role_labels,
    rsvp_labels,
)
from portal.councils.models import (
    Council,
    CouncilApplication,
    CouncilMembership,
    CouncilSeatGroup,
    Meeting,
    MeetingInvitation,
    MeetingMaterial,
    MeetingStatus,
)
from portal.extensions import db, limiter
from portal.impact.models import Attendance

bp = Blueprint("councils", __name__, url_prefix="/councils")


@bp.app_template_global("time_range")
def time_range(start: datetime, end: datetime) -> str:
    """ "Tuesday 1 December 2026 17:00-19:00" in the active language and local time."""
    return f"{format_date(start, 'full')} {format_time(start, 'short')}–{format_time(end, 'short')}"


def error_message(error: DomainError | UploadRejected) -> str:
    """The translated text for a council rule that was broken."""
    messages = {
        "term_required": _("Enter the first and last day of the first term."),
        "term_end_before_start": _("The term must end after it starts."),
        "term_overlaps": _("The term overlaps an existing term of this council."),
        "term_ended": _("The council has no running term; renew the term first."),
        "seats_positive": _("Enter at least one seat."),
        "already_member": _("This person is already a member in this term."),
        "not_in_council": _("The seat group belongs to another council."),
        "membership_end_before_start": _("The membership cannot end before it starts."),
        "membership_after_term": _("The membership cannot last beyond the term."),
        "not_recruiting": _("This council is not taking applications now."),
        "contact_required": _("Give an email address or a phone number."),
        "already_decided": _("The application has already been decided."),
        "meeting_in_past": _("A new meeting cannot be in the past."),
        "end_before_start": _("The meeting must end after it starts."),
        "no_term": _("The council has no term on that date. Renew the term first."),
        "meeting_cancelled": _("The meeting is cancelled."),
        "meeting_over": _("The meeting is already over."),
        "meeting_not_started": _("Attendance can be marked once the meeting has started."),
        "not_invited": _("That person was not invited to this meeting."),
        "unknown_attendance": _("Choose the attendance."),
        "hours_out_of_range": _("Enter hours from 0 to 24."),
        "hours_required": _("Enter the hours of everyone who attended."),
        "unknown_answer": _("Choose your answer."),
        "not_yours": _("This invitation is not yours."),
        "invalid_link": _("The link is invalid, already used or expired."),
        "file_or_link": _("Choose a file or give a link."),
        "unknown_output": _("Choose recommendation or statement."),
        "type": _("This kind of file is not accepted."),
        "size": _("The file is too large (at most 8 MB)."),
        "empty": _("The file is empty."),
    }
    return messages.get(error.code, _("The request could not be completed."))


_run_action = partial(run_action, messages=error_message)
_submit_form = partial(submit_form, messages=error_message)


def _unit_choices() -> list[Any]:
    locale = current_locale()
    return choice_list(
        [(0, _("Whole county"))]
        + [(unit.id, "— " * depth + unit.name(locale)) for depth, unit in org_units_in_tree_order()]
    )


def _staff_choices() -> list[Any]:
    people = db.session.scalars(
        select(User)
        .join(UserRole)
        .where(
            UserRole.role.in_([str(Role.STAFF), str(Role.COORDINATOR)]),
            User.is_active.is_(True),
        )
        .order_by(User.name)
    ).unique()
    return choice_list((person.id, person.display_name) for person in people)


def _seat_choices(council: Council, blank: str) -> list[Any]:
    return choice_list([(0, blank)] + [(g.id, g.name) for g in council.seat_groups])


def _labels() -> dict[str, Any]:
    return {
        "kind_labels": kind_labels(),
        "role_labels": role_labels(),
        "rsvp_labels": rsvp_labels(),
        "attendance_labels": attendance_labels(),
        "output_labels": output_labels(),
    }


def _pool_invitation_url(council: Council) -> str | None:
    # The resident pool invites people to an activity: the current term's, when there is one.
    term = council.current_term(date.today())
    if term is None or term.activity_id is None:
        return None
    return url_for("pool.new_invitation", activity_id=term.activity_id)


# --- councils ----------------------------------------------------------------------------


@bp.get("/")
@permission_required("councils.manage")
def list_councils() -> Any:
    show = request.args.get("show", "active")
    rows = services.council_rows(active_only=show != "all")
    return render_template("councils/list.html", rows=rows, show=show, **_labels())


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:council_id>/edit", methods=["GET", "POST"])
@permission_required("councils.manage")
def edit_council(council_id: int | None = None) -> Any:
    council = db.get_or_404(Council, council_id) if council_id else None
    form = CouncilForm(
        obj=council,
        org_unit=council.org_unit_id or 0 if council else 0,
        responsibles=[u.id for u in council.responsibles] if council else [current_user.id],
    )
    form.org_unit.choices = _unit_choices()
    form.responsibles.choices = _staff_choices()

    def save() -> Council:
        return services.save_council(
            actor=current_user,
            council=council,
            name_fi=form.name_fi.data,
            name_sv=form.name_sv.data or "",
            kind=form.kind.data,
            org_unit=db.session.get(OrgUnit, form.org_unit.data) if form.org_unit.data else None,
            purpose=form.purpose.data or "",
            tasks=form.tasks.data or "",
            purpose_sv=form.purpose_sv.data or "",
            tasks_sv=form.tasks_sv.data or "",
            target_size=form.target_size.data,
            accepts_applications=form.accepts_applications.data,
            responsibles=db.all(select(User).where(User.id.in_(form.responsibles.data or []))),
            term_starts_on=form.term_starts_on.data,
            term_ends_on=form.term_ends_on.data,
        )

    done = _submit_form(
        form,
        save,
        success=_("The council is saved."),
        then=lambda saved: url_for("councils.show_council", council_id=saved.id),
    )
    return done or (
        render_template("councils/edit.html", form=form, council=council),
        form_status(form),
    )


@bp.get("/<int:council_id>")
@permission_required("councils.manage")
def show_council(council_id: int) -> Any:
    council = db.get_or_404(Council, council_id)
    today = date.today()
    term = council.current_term(today)
    members = services.current_members(term, today)
    applications = services.pending_applications(council)
    return render_template(
        "councils/show.html",
        council=council,
        term=term,
        today=today,
        members=members,
        seats=services.seat_group_status(council, members),
        meetings=services.council_meetings(council),
        applications=applications,
        decide_forms={
            a.id: DecideApplicationForm(prefix=f"application{a.id}") for a in applications
        },
        seat_form=SeatGroupForm(),
        action_form=ActionForm(),
        pool_url=_pool_invitation_url(council),
        **_labels(),
    )


@bp.post("/<int:council_id>/seat-groups")
@permission_required("councils.manage")
def add_seat_group(council_id: int) -> Any:
    council = db.get_or_404(Council, council_id)
    form = SeatGroupForm()
    if form.validate_on_submit():
        services.add_seat_group(
            actor=current_user, council=council, name=form.name.data, seats=form.seats.data
        )
        flash(_("The seat group is added."), "success")
    else:
        flash_form_errors(form)
    return redirect(url_for("councils.show_council", council_id=council.id) + "#composition")


@bp.post("/seat-groups/<int:group_id>/remove")
@permission_required("councils.manage")
def remove_seat_group(group_id: int) -> Any:
    group = db.get_or_404(CouncilSeatGroup, group_id)
    council_id = group.council_id
    return _run_action(
        lambda: services.remove_seat_group(actor=current_user, group=group),
        success=_("The seat group is removed."),
        then=url_for("councils.show_council", council_id=council_id) + "#composition",
    )


def _chosen_seat_group(form: Any) -> CouncilSeatGroup | None:
    return db.session.get(CouncilSeatGroup, form.seat_group.data) if form.seat_group.data else None


@bp.route("/<int:council_id>/members/new", methods=["GET", "POST"])
@permission_required("councils.manage")
def add_member(council_id: int) -> Any:
    council = db.get_or_404(Council, council_id)
    term = council.current_term(date.today())
    form = MemberForm()
    form.seat_group.choices = _seat_choices(council, _("No seat group"))

    def add() -> object:
        if term is None:
            raise services.CouncilError("term_ended")
        return services.add_member(
            actor=current_user,
            term=term,
            name=form.name.data,
            email=form.email.data,
            role=form.role.data,
            seat_group=_chosen_seat_group(form),
            starts_on=form.starts_on.data,
        )

    done = _submit_form(
        form,
        add,
        success=_("The member is added."),
        then=url_for("councils.show_council", council_id=council.id) + "#members",
    )
    return done or (
        render_template("councils/add_member.html", form=form, council=council, term=term),
        form_status(form),
    )


@bp.route("/members/<int:membership_id>", methods=["GET", "POST"])
@permission_required("councils.manage")
def edit_membership(membership_id: int) -> Any:
    membership = db.get_or_404(CouncilMembership, membership_id)
    council = membership.term.council
    form = MembershipForm(obj=membership, seat_group=membership.seat_group_id or 0)
    form.seat_group.choices = _seat_choices(council, _("No seat group"))
    done = _submit_form(
        form,
        lambda: services.update_membership(
            actor=current_user,
            membership=membership,
            role=form.role.data,
            seat_group=_chosen_seat_group(form),
            ends_on=form.ends_on.data,
            privacy_commitment_on=form.privacy_commitment_on.data,
            orientation_done_on=form.orientation_done_on.data,
        ),
        success=_("The membership is saved."),
        then=url_for("councils.show_council", council_id=council.id) + "#members",
    )
    return done or (
        render_template(
            "councils/membership.html",
            form=form,
            membership=membership,
            council=council,
            **_labels(),
        ),
        form_status(form),
    )


def _chosen(members: Any, chosen_ids: list[int] | None) -> list[Any]:
    """The ``members`` whose ids were ticked, in the order they are listed."""
    chosen = set(chosen_ids or [])
    return [member for member in members if member.id in chosen]


@bp.route("/<int:council_id>/renew", methods=["GET", "POST"])
@permission_required("councils.manage")
def renew_term(council_id: int) -> Any:
    council = db.get_or_404(Council, council_id)
    latest = council.terms[-1] if council.terms else None
    members = [m for m in latest.memberships] if latest else []
    defaults: dict[str, Any] = {}
    if latest is not None and request.method == "GET":
        length = latest.ends_on - latest.starts_on
        defaults = {
            "starts_on": latest.ends_on + timedelta(days=1),
            "ends_on": latest.ends_on + timedelta(days=1) + length,
            "continuing": [m.id for m in members if m.ends_on >= latest.ends_on],
        }
    form = RenewForm(**defaults)
    labels = role_labels()
    form.continuing.choices = choice_list(
        (m.id, f"{m.user.display_name} ({labels.get(m.role, m.role)})") for m in members
    )
    done = _submit_form(
        form,
        lambda: services.renew_term(
            actor=current_user,
            council=council,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            continuing=_chosen(members, form.continuing.data),
        ),
        success=_("The new term is created."),
        then=url_for("councils.show_council", council_id=council.id),
    )
    return done or (
        render_template("councils/renew.html", form=form, council=council, latest=latest),
        form_status(form),
    )


@bp.post("/applications/<int:application_id>/decide")
@permission_required("councils.manage")
def decide_application(application_id: int) -> Any:
    application = db.get_or_404(CouncilApplication, application_id)
    form = DecideApplicationForm(prefix=f"application{application.id}")
    accept = request.form.get("decision") == "accept"
    if form.validate_on_submit():
        try:
            services.decide_application(
                actor=current_user, application=application, accept=accept, role=form.role.data
            )
        except services.CouncilError as error:
            flash(error_message(error), "error")
        else:
            flash(
                _("The applicant is now a member.")
                if accept
                else _("The application is declined."),
                "success",
            )
    return redirect(
        url_for("councils.show_council", council_id=application.council_id) + "#applications"
    )


# --- open application form ---------------------------------------------------------------


@bp.get("/join")
@public
def list_open_councils() -> Any:
    return render_template(
        "councils/join.html", councils=services.recruiting_councils(), **_labels()
    )


@bp.route("/<int:council_id>/apply", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def apply(council_id: int) -> Any:
    council = db.get_or_404(Council, council_id)
    if not council.accepts_applications or not council.is_active:
        abort(404)
    defaults: dict[str, Any] = {}
    if current_user.is_authenticated and request.method == "GET":
        defaults = {"name": current_user.name, "email": current_user.email}
    form = ApplicationForm(**defaults)
    form.seat_group.choices = _seat_choices(council, _("Member"))
    done = _submit_form(
        form,
        lambda: services.submit_application(
            council=council,
            name=form.name.data,
            email=form.email.data or None,
            phone=form.phone.data or None,
            motivation=form.motivation.data,
            seat_group=_chosen_seat_group(form),
            user=current_user if current_user.is_authenticated else None,
        ),
        success=_("Thank you! Your application has been received. We will contact you."),
        then=url_for("councils.list_open_councils"),
    )
    return done or (
        render_template("councils/apply.html", form=form, council=council, **_labels()),
        form_status(form),
    )


# --- meetings (coordinator) --------------------------------------------------------------


def _meeting_times(form: MeetingForm) -> tuple[Any, Any]:
    return (
        local_to_utc(form.day.data, form.start_time.data),
        local_to_utc(form.day.data, form.end_time.data),
    )


@bp.route("/<int:council_id>/meetings/new", methods=["GET", "POST"])
@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@permission_required("councils.manage")
def edit_meeting(council_id: int | None = None, meeting_id: int | None = None) -> Any:
    meeting = db.get_or_404(Meeting, meeting_id) if meeting_id else None
    council = meeting.council if meeting else db.get_or_404(Council, council_id)
    if meeting is not None and request.method == "GET":
        form = MeetingForm(
            obj=meeting,
            day=local_date(meeting.starts_at),
            start_time=local_time(meeting.starts_at),
            end_time=local_time(meeting.ends_at),
        )
    else:
        form = MeetingForm()
    if form.validate_on_submit():
        starts_at, ends_at = _meeting_times(form)
        values = {
            "title": form.title.data,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "place": form.place.data or "",
            "remote_link": form.remote_link.data or "",
            "accessibility_info": form.accessibility_info.data or "",
            "agenda": form.agenda.data or "",
        }
        try:
            if meeting is None:
                saved = services.schedule_meeting(actor=current_user, council=council, **values)
            else:
                saved = services.update_meeting(actor=current_user, meeting=meeting, **values)
        except services.CouncilError as error:
            field = {"meeting_in_past": form.day, "end_before_start": form.end_time}.get(
                error.code, form.day if error.code == "no_term" else None
            )
            if field is not None:
                field.errors = [*field.errors, error_message(error)]
            else:
                form.form_errors.append(error_message(error))
        else:
            flash(_("The meeting is saved."), "success")
            return redirect(url_for("councils.show_meeting", meeting_id=saved.id))
    return render_template(
        "councils/meeting_form.html", form=form, council=council, meeting=meeting
    ), form_status(form)


def _meeting_page(meeting: Meeting, *, status: int = 200, **forms: Any) -> Any:
    """The meeting page; ``forms`` replace the empty forms (to show one with its errors)."""
    page_forms = {
        "material_form": MaterialForm(formdata=None, prefix="material"),
        "output_form": OutputForm(formdata=None, prefix="output"),
        "minutes_form": MinutesForm(formdata=None, minutes=meeting.minutes),
        **forms,
    }
    return render_template(
        "councils/meeting.html",
        meeting=meeting,
        action_form=ActionForm(),
        **page_forms,
        **_labels(),
    ), status


@bp.get("/meetings/<int:meeting_id>")
@permission_required("councils.manage")
def show_meeting(meeting_id: int) -> Any:
    meeting = db.get_or_404(Meeting, meeting_id)
    return _meeting_page(meeting)


@bp.post("/meetings/<int:meeting_id>/invitations")
@permission_required("councils.manage")
def send_invitations(meeting_id: int) -> Any:
    meeting = db.get_or_404(Meeting, meeting_id)
    return _run_action(
        lambda: services.send_invitations(actor=current_user, meeting=meeting),
        success=lambda sent: _("Invitations sent: %(count)d.", count=sent),
        then=url_for("councils.show_meeting", meeting_id=meeting.id),
    )


@bp.post("/meetings/<int:meeting_id>/cancel")
@permission_required("councils.manage")
def cancel_meeting(meeting_id: int) -> Any:
    meeting = db.get_or_404(Meeting, meeting_id)
    return _run_action(
        lambda: services.cancel_meeting(actor=current_user, meeting=meeting),
        success=_("The meeting is cancelled and the invitees are told."),
        then=url_for("councils.show_meeting", meeting_id=meeting.id),
    )


@bp.route("/meetings/<int:meeting_id>/attendance", methods=["GET", "POST"])
@permission_required("councils.manage")
def mark_attendance(meeting_id: int) -> Any:
    meeting = db.get_or_404(Meeting, meeting_id)
    invitations = meeting.invitations
    defaults: dict[str, Any] = {}
    if request.method == "GET":
        for inv in invitations:
            guess = {"remote": Attendance.REMOTE, "not_attending": Attendance.ABSENT}.get(
                inv.rsvp, Attendance.PRESENT
            )
            defaults[f"attendance_{inv.id}"] = inv.attendance or guess
            defaults[f"hours_{inv.id}"] = (
                inv.hours if inv.hours is not None else meeting.duration_hours
            )
    form = attendance_form(invitations, **defaults)
    done = _submit_form(
        form,
        lambda: services.mark_attendance(
            actor=current_user,
            meeting=meeting,
            marks={
                inv.id: (form[f"attendance_{inv.id}"].data, Decimal(form[f"hours_{inv.id}"].data))
                for inv in invitations
            },
        ),
        success=_("Attendance is saved."),
        then=url_for("councils.show_meeting", meeting_id=meeting.id),
    )
    return done or (
        render_template(
            "councils/attendance.html",
            form=form,
            meeting=meeting,
            invitations=invitations,
            **_labels(),
        ),
        form_status(form),
    )


@bp.post("/meetings/<int:meeting_id>/minutes")
@permission_required("councils.manage")
def save_minutes(meeting_id: int) -> Any:
    meeting = db.get_or_404(Meeting, meeting_id)
    form = MinutesForm()
    done = _submit_form(
        form,
        lambda: services.save_minutes(
            actor=current_user, meeting=meeting, minutes=form.minutes.data or ""
        ),
        success=_("The minutes are saved."),
        then=url_for("councils.show_meeting", meeting_id=meeting.id) + "#minutes",
    )
    return done or _meeting_page(meeting, minutes_form=form, status=400)


@bp.post("/meetings/<int:meeting_id>/materials")
@permission_required("councils.manage")
def add_material(meeting_id: int) -> Any:
    meeting = db.get_or_404(Meeting, meeting_id)
    form = MaterialForm(prefix="material")
    if form.validate_on_submit():
        upload = form.file.data if form.file.data and form.file.data.filename else None
        try:
            services.add_material(
                actor=current_user,
                meeting=meeting,
                title=form.title.data,
                url=form.url.data or "",
                filename=upload.filename if upload else None,
                stream=upload.stream if upload else None,
            )
        except UploadRejected as error:
            form.file.errors = [*form.file.errors, error_message(error)]
        except services.CouncilError as error:
            form.form_errors.append(error_message(error))
        else:
            flash(_("The material is added."), "success")
            return redirect(url_for("councils.show_meeting", meeting_id=meeting.id) + "#materials")
    return _meeting_page(meeting, material_form=form, status=400)


@bp.post("/materials/<int:material_id>/remove")
@permission_required("councils.manage")
def remove_material(material_id: int) -> Any:
    material = db.get_or_404(MeetingMaterial, material_id)
    meeting_id = material.meeting_id
    return _run_action(
        lambda: services.remove_material(actor=current_user, material=material),
        success=_("The material is removed."),
        then=url_for("councils.show_meeting", meeting_id=meeting_id) + "#materials",
    )


@bp.post("/meetings/<int:meeting_id>/outputs")
@permission_required("councils.manage")
def record_output(meeting_id: int) -> Any:
    meeting = db.get_or_404(Meeting, meeting_id)
    form = OutputForm(prefix="output")
    done = _submit_form(
        form,
        lambda: services.record_meeting_output(
            actor=current_user,
            meeting=meeting,
            kind=form.kind.data,
            title=form.title.data,
            text=form.text.data,
        ),
        success=_("The output is registered for a response from decision makers."),
        then=url_for("councils.show_meeting", meeting_id=meeting.id) + "#outputs",
    )
    return done or _meeting_page(meeting, output_form=form, status=400)


# --- members' own pages ------------------------------------------------------------------


def _can_see_meeting(meeting: Meeting) -> MeetingInvitation | None:
    """The signed-in member's invitation; coordinators may look at every meeting."""
    invitation = services.invitation_of(current_user, meeting)
    if invitation is None and not user_has_permission(current_user, "councils.manage"):
        abort(404)
    return invitation


@bp.get("/mine")
@login_required
def my_councils() -> Any:
    page = paginate(
        services.my_invitations(current_user), page=request.args.get("page", 1, type=int)
    )
    return render_template(
        "councils/mine.html",
        memberships=services.my_memberships(current_user),
        page=page,
        today=date.today(),
        **_labels(),
    )


@bp.route("/mine/meetings/<int:meeting_id>", methods=["GET", "POST"])
@login_required
def show_my_meeting(meeting_id: int) -> Any:
    meeting = db.get_or_404(Meeting, meeting_id)
    invitation = _can_see_meeting(meeting)
    form = RsvpForm(answer=invitation.rsvp if invitation and invitation.rsvp != "pending" else None)
    # A coordinator without an invitation may look at the meeting but has nothing to answer.
    if invitation is not None:
        done = _submit_form(
            form,
            lambda: services.answer_invitation(
                actor=current_user, invitation=invitation, answer=form.answer.data
            ),
            success=_("Thank you, your answer is saved."),
            then=url_for("councils.show_my_meeting", meeting_id=meeting.id),
        )
        if done is not None:
            return done
    return render_template(
        "councils/my_meeting.html",
        meeting=meeting,
        invitation=invitation,
        form=form,
        upcoming=meeting.ends_at > utcnow() and meeting.status == MeetingStatus.SCHEDULED,
        **_labels(),
    ), form_status(form)


@bp.get("/mine/meetings/<int:meeting_id>/invite.ics")
@login_required
def download_calendar(meeting_id: int) -> Any:
    meeting = db.get_or_404(Meeting, meeting_id)
    invitation = _can_see_meeting(meeting)
    text = services.meeting_calendar(
        meeting,
        invitee=current_user if invitation else None,
        cancelled=meeting.status == MeetingStatus.CANCELLED,
    )
    return current_app.response_class(
        text,
        mimetype="text/calendar",
        headers={"Content-Disposition": f"attachment; filename=meeting-{meeting.id}.ics"},
    )


@bp.get("/materials/<int:material_id>")
@login_required
def download_material(material_id: int) -> Any:
    material = db.get_or_404(MeetingMaterial, material_id)
    _can_see_meeting(material.meeting)
    if material.url:
        return redirect(material.url)
    path = stored_path(material.stored_name)
    if not path.exists():
        abort(404)
    return send_file(
        path,
        mimetype=material.content_type,
        as_attachment=True,
        download_name=material.filename,
    )


@bp.route("/answer/<token>", methods=["GET", "POST"])
@public
def answer_by_link(token: str) -> Any:
    try:
        invitation = services.invitation_for_link(secret=token)
    except services.CouncilError as error:
        flash(error_message(error), "error")
        return render_template("councils/link_invalid.html"), 404
    form = RsvpForm()
    if form.validate_on_submit():
        try:
            services.answer_by_link(secret=token, answer=form.answer.data)
        except services.CouncilError as error:
            form.form_errors.append(error_message(error))
        else:
            return render_template("councils/answered.html", invitation=invitation, **_labels())
    return render_template(
        "councils/answer.html", form=form, invitation=invitation, meeting=invitation.meeting
    ), form_status(form)


# --- calendar ----------------------------------------------------------------------------


@bp.get("/calendar")
@permission_required("councils.manage")
def calendar() -> Any:
    from portal.experts.services import request_status_labels, requests_between

    view = request.args.get("view", "week")
    if view not in {"week", "month"}:
        view = "week"
    try:
        day = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        day = date.today()
    first, last = week_bounds(day) if view == "week" else month_bounds(day)
    start, end = utc_range(first, last)
    entries: list[dict[str, Any]] = []
    for meeting in services.meetings_between(start, end):
        entries.append({"kind": "meeting", "at": meeting.starts_at, "item": meeting})
    for item in requests_between(start, end):
        entries.append({"kind": "request", "at": item.starts_at, "item": item})
    entries.sort(key=lambda e: e["at"])
    days: dict[date, list[dict[str, Any]]] = {}
    for entry in entries:
        days.setdefault(local_date(entry["at"]), []).append(entry)
    if view == "week":
        previous, following = first - timedelta(days=7), first + timedelta(days=7)
    else:
        previous = (first - timedelta(days=1)).replace(day=1)
        following = last + timedelta(days=1)
    return render_template(
        "councils/calendar.html",
        view=view,
        first=first,
        last=last,
        days=sorted(days.items()),
        previous=previous,
        following=following,
        request_status_labels=request_status_labels(),
        **_labels(),
    )
