"""The experience bank: expert profiles for coordinators, requests for staff, the experts'
own page, answers by emailed link, and the workload view."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import OrgUnit, OrgUnitKind, User
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
from portal.core.times import local_to_utc
from portal.core.uploads import UploadRejected, stored_path
from portal.core.views_helpers import abort_unless_owner, form_status, run_action, submit_form
from portal.experts import services
from portal.experts.forms import (
    AnswerForm,
    ConfirmForm,
    DocumentForm,
    ProfileForm,
    RatingForm,
    RequestForm,
    area_labels,
    assignment_status_labels,
    document_labels,
    language_labels,
    status_labels,
    task_labels,
    weekday_labels,
)
from portal.experts.models import (
    AssignmentStatus,
    ExpertAssignment,
    ExpertDocument,
    ExpertProfile,
    ExpertRequest,
    ExpertStatus,
)
from portal.extensions import db

bp = Blueprint("experts", __name__, url_prefix="/experts")


def error_message(error: DomainError | UploadRejected) -> str:
    """The translated text for an expert-bank rule that was broken."""
    messages = {
        "unknown_status": _("Choose a status."),
        "training_required": _("An active expert must have completed the training."),
        "profile_exists": _("This person already has an expert profile."),
        "no_unit": _("Your account has no unit. Ask the administrator to set it."),
        "in_past": _("The time is in the past."),
        "end_before_start": _("The assignment must end after it starts."),
        "unknown_task": _("Choose a task."),
        "experts_needed_range": _("Enter a number from 1 to 10."),
        "request_closed": _("The request is already completed or cancelled."),
        "expert_not_active": _("Only active experts can be proposed."),
        "already_proposed": _("This expert has already been proposed for the request."),
        "overlap": _("The expert already has an assignment at that time."),
        "not_proposed": _("The assignment is no longer waiting for an answer."),
        "invalid_link": _("The link is invalid, already used or expired."),
        "not_yours": _("This assignment is not yours."),
        "not_accepted": _("Only an accepted assignment can be confirmed."),
        "not_yet": _("The assignment can be confirmed once it has started."),
        "hours_out_of_range": _("Enter hours from 0 to 24."),
        "not_completed": _("Feedback can be given once the assignment has taken place."),
        "rating_range": _("Choose a rating."),
        "type": _("This kind of file is not accepted."),
        "size": _("The file is too large (at most 8 MB)."),
        "empty": _("The file is empty."),
    }
    return messages.get(error.code, _("The request could not be completed."))


_run_action = partial(run_action, messages=error_message)
_submit_form = partial(submit_form, messages=error_message)


def _labels() -> dict[str, Any]:
    return {
        "status_labels": status_labels(),
        "task_labels": task_labels(),
        "area_labels": area_labels(),
        "language_labels": language_labels(),
        "weekday_labels": weekday_labels(),
        "request_status_labels": services.request_status_labels(),
        "assignment_status_labels": assignment_status_labels(),
        "document_labels": document_labels(),
    }


def _service_area_choices() -> list[Any]:
    locale = current_locale()
    return choice_list(
        (unit.id, unit.name(locale))
        for _depth, unit in org_units_in_tree_order()
        if unit.kind == OrgUnitKind.SERVICE_AREA
    )


def _visible_request(request_id: int) -> ExpertRequest:
    item = db.get_or_404(ExpertRequest, request_id)
    if not services.can_view_request(current_user, item):
        abort(404)  # another unit's request: as if it did not exist
    return item


# --- coordinators: experts ---------------------------------------------------------------


@bp.get("/")
@permission_required("experts.manage")
def list_experts() -> Any:
    status = request.args.get("status", "")
    if status not in set(ExpertStatus):
        status = ""
    page = paginate(
        services.list_profiles(status=status or None), page=request.args.get("page", 1, type=int)
    )
    return render_template("experts/list.html", page=page, status=status, **_labels())


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:profile_id>/edit", methods=["GET", "POST"])
@permission_required("experts.manage")
def edit_profile(profile_id: int | None = None) -> Any:
    profile = db.get_or_404(ExpertProfile, profile_id) if profile_id else None
    if profile is not None and request.method == "GET":
        form = ProfileForm(
            obj=profile,
            name=profile.user.name,
            email=profile.user.email,
            willing=sorted(profile.willing_task_types()),
        )
    else:
        form = ProfileForm()
    if profile is not None:
        # The person's name and address are their account's; they are not edited here.
        del form.name
        del form.email
    form.service_area_ids.choices = _service_area_choices()
    done = _submit_form(
        form,
        lambda: services.save_profile(
            actor=current_user,
            profile=profile,
            name=form.name.data if profile is None else "",
            email=form.email.data if profile is None else "",
            status=form.status.data,
            training_completed_on=form.training_completed_on.data,
            experience_areas=form.experience_areas.data or [],
            service_area_ids=form.service_area_ids.data or [],
            languages=form.languages.data or [],
            available_weekdays=form.available_weekdays.data or [],
            availability_note=form.availability_note.data or "",
            willing=set(form.willing.data or []),
        ),
        success=_("The expert profile is saved."),
        then=lambda saved: url_for("experts.show_expert", profile_id=saved.id),
    )
    return done or render_template("experts/profile_form.html", form=form, profile=profile), (
        form_status(form)
    )


@bp.get("/<int:profile_id>")
@permission_required("experts.manage")
def show_expert(profile_id: int) -> Any:
    profile = db.get_or_404(ExpertProfile, profile_id)
    return render_template(
        "experts/expert.html",
        profile=profile,
        documents=services.documents_of(profile.user),
        assignments=services.my_assignments(profile.user),
        document_form=DocumentForm(),
        action_form=ActionForm(),
        **_labels(),
    )


@bp.post("/<int:profile_id>/documents")
@permission_required("experts.manage")
def add_document(profile_id: int) -> Any:
    profile = db.get_or_404(ExpertProfile, profile_id)
    form = DocumentForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            services.add_document(
                actor=current_user,
                expert=profile.user,
                kind=form.kind.data,
                title=form.title.data,
                signed_on=form.signed_on.data,
                filename=upload.filename,
                stream=upload.stream,
            )
        except UploadRejected as error:
            form.file.errors = [*form.file.errors, error_message(error)]
        else:
            flash(_("The document is saved."), "success")
            return redirect(url_for("experts.show_expert", profile_id=profile.id) + "#documents")
    return render_template(
        "experts/expert.html",
        profile=profile,
        documents=services.documents_of(profile.user),
        assignments=services.my_assignments(profile.user),
        document_form=form,
        action_form=ActionForm(),
        **_labels(),
    ), 400


@bp.post("/documents/<int:document_id>/remove")
@permission_required("experts.manage")
def remove_document(document_id: int) -> Any:
    document = db.get_or_404(ExpertDocument, document_id)
    profile = services.profile_of(db.session.get(User, document.user_id))
    return _run_action(
        lambda: services.remove_document(actor=current_user, document=document),
        success=_("The document is removed."),
        then=url_for("experts.list_experts")
        if profile is None
        else url_for("experts.show_expert", profile_id=profile.id) + "#documents",
    )


@bp.get("/documents/<int:document_id>")
@login_required
def download_document(document_id: int) -> Any:
    document = db.get_or_404(ExpertDocument, document_id)
    if document.user_id != current_user.id and not user_has_permission(
        current_user, "experts.manage"
    ):
        abort(404)
    path = stored_path(document.stored_name)
    if not path.exists():
        abort(404)
    return send_file(
        path, mimetype=document.content_type, as_attachment=True, download_name=document.filename
    )


@bp.get("/workload")
@permission_required("experts.manage")
def workload() -> Any:
    year = request.args.get("year", date.today().year, type=int)
    if not 2000 <= year <= 2100:
        year = date.today().year
    rows = services.workload(year)
    most = max((row.assignments for row in rows), default=0)
    return render_template("experts/workload.html", rows=rows, year=year, most=most, **_labels())


# --- staff: requests ---------------------------------------------------------------------


@bp.get("/requests")
@permission_required("experts.request")
def list_requests() -> Any:
    state = request.args.get("state", "open")
    if state not in {"open", "closed", "all"}:
        state = "open"
    page = paginate(
        services.requests_for(current_user, state=state), page=request.args.get("page", 1, type=int)
    )
    return render_template("experts/requests.html", page=page, state=state, **_labels())


@bp.route("/requests/new", methods=["GET", "POST"])
@permission_required("experts.request")
def new_request() -> Any:
    is_coordinator = Role.COORDINATOR in current_user.role_set
    form = RequestForm(org_unit=current_user.org_unit_id or 0, language=current_locale())
    locale = current_locale()
    if is_coordinator:
        form.org_unit.choices = choice_list(
            [(0, _("Choose a unit"))]
            + [(u.id, "— " * d + u.name(locale)) for d, u in org_units_in_tree_order()]
        )
    else:
        del form.org_unit
    if form.validate_on_submit():
        if is_coordinator:
            unit = db.session.get(OrgUnit, form.org_unit.data) if form.org_unit.data else None
        else:
            unit = current_user.org_unit
        try:
            saved = services.file_request(
                actor=current_user,
                org_unit=unit,
                title=form.title.data,
                task_type=form.task_type.data,
                description=form.description.data or "",
                starts_at=local_to_utc(form.day.data, form.start_time.data),
                ends_at=local_to_utc(form.day.data, form.end_time.data),
                place=form.place.data or "",
                is_remote=form.is_remote.data,
                preparation=form.preparation.data or "",
                expertise_wanted=form.expertise_wanted.data or [],
                language=form.language.data,
                experts_needed=form.experts_needed.data,
                cost_centre=form.cost_centre.data,
            )
        except services.ExpertError as error:
            field = {"in_past": form.day, "end_before_start": form.end_time}.get(error.code)
            if field is not None:
                field.errors = [*field.errors, error_message(error)]
            else:
                form.form_errors.append(error_message(error))
        else:
            flash(_("The request is sent. The coordinator will find an expert."), "success")
            return redirect(url_for("experts.show_request", request_id=saved.id))
    return render_template("experts/request_form.html", form=form), (form_status(form))


def _request_page(item: ExpertRequest, status: int = 200, **forms: Any) -> Any:
    confirm_forms = {}
    rating_forms = {}
    for assignment in item.assignments:
        prefix = f"a{assignment.id}"
        confirm_forms[assignment.id] = forms.get(f"confirm_{assignment.id}") or ConfirmForm(
            formdata=None, prefix=f"confirm{prefix}"
        )
        rating_forms[assignment.id] = forms.get(f"rating_{assignment.id}") or RatingForm(
            formdata=None,
            prefix=f"rating{prefix}",
            rating=assignment.requester_rating,
            feedback=assignment.requester_feedback,
        )
    return render_template(
        "experts/request.html",
        item=item,
        confirm_forms=confirm_forms,
        rating_forms=rating_forms,
        action_form=ActionForm(),
        now=utcnow(),
        can_manage=user_has_permission(current_user, "experts.manage"),
        **_labels(),
    ), status


@bp.get("/requests/<int:request_id>")
@permission_required("experts.request")
def show_request(request_id: int) -> Any:
    return _request_page(_visible_request(request_id))


@bp.post("/requests/<int:request_id>/cancel")
@permission_required("experts.request")
def cancel_request(request_id: int) -> Any:
    item = _visible_request(request_id)
    return _run_action(
        lambda: services.cancel_request(actor=current_user, request=item),
        success=_("The request is cancelled."),
        then=url_for("experts.show_request", request_id=item.id),
    )


@bp.post("/assignments/<int:assignment_id>/confirm")
@permission_required("experts.request")
def confirm_assignment(assignment_id: int) -> Any:
    assignment = db.get_or_404(ExpertAssignment, assignment_id)
    item = _visible_request(assignment.request_id)
    form = ConfirmForm(prefix=f"confirma{assignment.id}")
    done = _submit_form(
        form,
        lambda: services.confirm_assignment(
            actor=current_user,
            assignment=assignment,
            held=form.held.data == "yes",
            hours=Decimal(form.hours.data or 0),
        ),
        success=_("Thank you, the assignment is confirmed."),
        then=url_for("experts.show_request", request_id=item.id),
    )
    return done or _request_page(item, 400, **{f"confirm_{assignment.id}": form})


@bp.post("/assignments/<int:assignment_id>/rate")
@permission_required("experts.request")
def rate_assignment(assignment_id: int) -> Any:
    assignment = db.get_or_404(ExpertAssignment, assignment_id)
    item = _visible_request(assignment.request_id)
    form = RatingForm(prefix=f"ratinga{assignment.id}")
    done = _submit_form(
        form,
        lambda: services.rate_assignment(
            actor=current_user,
            assignment=assignment,
            rating=form.rating.data,
            feedback=form.feedback.data or "",
        ),
        success=_("Thank you for the feedback."),
        then=url_for("experts.show_request", request_id=item.id),
    )
    return done or _request_page(item, 400, **{f"rating_{assignment.id}": form})


# --- coordinators: matching --------------------------------------------------------------


@bp.get("/requests/<int:request_id>/match")
@permission_required("experts.manage")
def match_request(request_id: int) -> Any:
    item = db.get_or_404(ExpertRequest, request_id)
    return render_template(
        "experts/match.html",
        item=item,
        ranked=services.rank_experts(item),
        action_form=ActionForm(),
        **_labels(),
    )


@bp.post("/requests/<int:request_id>/propose/<int:expert_id>")
@permission_required("experts.manage")
def propose_expert(request_id: int, expert_id: int) -> Any:
    item = db.get_or_404(ExpertRequest, request_id)
    expert = db.get_or_404(User, expert_id)
    if ActionForm().validate_on_submit():
        try:
            services.propose_expert(actor=current_user, request=item, expert=expert)
        except services.ExpertError as error:
            flash(error_message(error), "error")
            return redirect(url_for("experts.match_request", request_id=item.id))
        flash(_("The expert is asked by email."), "success")
    return redirect(url_for("experts.show_request", request_id=item.id))


@bp.post("/assignments/<int:assignment_id>/withdraw")
@permission_required("experts.manage")
def withdraw_proposal(assignment_id: int) -> Any:
    assignment = db.get_or_404(ExpertAssignment, assignment_id)
    return _run_action(
        lambda: services.withdraw_proposal(actor=current_user, assignment=assignment),
        success=_("The proposal is withdrawn."),
        then=url_for("experts.show_request", request_id=assignment.request_id),
    )


# --- experts' own pages ------------------------------------------------------------------


def _own_assignment(assignment_id: int) -> ExpertAssignment:
    assignment = db.get_or_404(ExpertAssignment, assignment_id)
    abort_unless_owner(assignment.expert_id)
    return assignment


@bp.get("/me")
@permission_required("experts.own")
def my_page() -> Any:
    assignments = services.my_assignments(current_user)
    now = utcnow()
    return render_template(
        "experts/me.html",
        profile=services.profile_of(current_user),
        waiting=[a for a in assignments if a.status == AssignmentStatus.PROPOSED],
        upcoming=[
            a for a in assignments if a.status == AssignmentStatus.ACCEPTED and a.ends_at >= now
        ][::-1],
        history=[
            a
            for a in assignments
            if a.status
            in {AssignmentStatus.COMPLETED, AssignmentStatus.NOT_HELD, AssignmentStatus.DECLINED}
            or (a.status == AssignmentStatus.ACCEPTED and a.ends_at < now)
        ],
        documents=services.documents_of(current_user),
        **_labels(),
    )


def _my_assignment_page(assignment: ExpertAssignment, status: int = 200, **forms: Any) -> Any:
    return render_template(
        "experts/my_assignment.html",
        assignment=assignment,
        item=assignment.request,
        answer_form=forms.get("answer") or AnswerForm(formdata=None),
        feedback_form=forms.get("feedback")
        or RatingForm(
            formdata=None,
            rating=assignment.expert_rating,
            feedback=assignment.expert_feedback,
        ),
        **_labels(),
    ), status


@bp.get("/me/assignments/<int:assignment_id>")
@permission_required("experts.own")
def show_my_assignment(assignment_id: int) -> Any:
    return _my_assignment_page(_own_assignment(assignment_id))


@bp.post("/me/assignments/<int:assignment_id>/answer")
@permission_required("experts.own")
def answer_assignment(assignment_id: int) -> Any:
    assignment = _own_assignment(assignment_id)
    form = AnswerForm()
    accept = request.form.get("decision") == "accept"
    done = _submit_form(
        form,
        lambda: services.respond_to_assignment(
            actor=current_user, assignment=assignment, accept=accept, reason=form.reason.data or ""
        ),
        success=_("You accepted the assignment. Thank you!")
        if accept
        else _("You declined the assignment."),
        then=url_for("experts.show_my_assignment", assignment_id=assignment.id),
    )
    return done or _my_assignment_page(assignment, 400, answer=form)


@bp.post("/me/assignments/<int:assignment_id>/feedback")
@permission_required("experts.own")
def give_feedback(assignment_id: int) -> Any:
    assignment = _own_assignment(assignment_id)
    form = RatingForm()
    done = _submit_form(
        form,
        lambda: services.give_expert_feedback(
            actor=current_user,
            assignment=assignment,
            rating=form.rating.data,
            feedback=form.feedback.data or "",
        ),
        success=_("Thank you for the feedback."),
        then=url_for("experts.show_my_assignment", assignment_id=assignment.id),
    )
    return done or _my_assignment_page(assignment, 400, feedback=form)


@bp.route("/answer/<token>", methods=["GET", "POST"])
@public
def answer_by_link(token: str) -> Any:
    try:
        assignment = services.assignment_for_link(secret=token)
    except services.ExpertError as error:
        flash(error_message(error), "error")
        return render_template("experts/link_invalid.html"), 404
    form = AnswerForm()
    if form.validate_on_submit():
        accept = request.form.get("decision") == "accept"
        try:
            services.respond_by_link(secret=token, accept=accept, reason=form.reason.data or "")
        except services.ExpertError as error:
            form.form_errors.append(error_message(error))
        else:
            return render_template(
                "experts/answered.html", assignment=assignment, accepted=accept, **_labels()
            )
    return render_template(
        "experts/answer.html",
        form=form,
        assignment=assignment,
        item=assignment.request,
        **_labels(),
    ), form_status(form)
