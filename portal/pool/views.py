"""Joining, member self-service, the coordinators' registry, invitations and figures."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.accounts.services import export_own_data_json
from portal.core.forms import ActionForm
from portal.core.i18n import current_locale
from portal.core.paging import paginate
from portal.core.permissions import Role, login_required, permission_required, public
from portal.core.views_helpers import abort_unless_owner
from portal.extensions import db, limiter
from portal.impact.models import Activity
from portal.pool import services
from portal.pool.forms import (
    ANSWER_CHOICES,
    CHANNEL_CHOICES,
    EXPERIENCE_CHOICES,
    GENDER_CHOICES,
    LANGUAGE_CHOICES,
    STATUS_CHOICES,
    AnswerForm,
    CoordinatorEditForm,
    CoordinatorMemberForm,
    ImportForm,
    InterestAreaForm,
    InvitationForm,
    JoinForm,
    LeaveForm,
    MagicLinkForm,
    MemberFilterForm,
    NotesForm,
    OwnProfileForm,
    PauseForm,
    error_messages,
    labels,
    member_form_values,
)
from portal.pool.models import InterestArea, MemberStatus, PoolImport, PoolInvitation, PoolMember

bp = Blueprint("pool", __name__, url_prefix="/pool")


def _error_message(code: str) -> str:
    messages = {
        "invalid_link": _("The link is invalid, already used or expired."),
        "pause_date": _("Choose a date after today and at most two years ahead."),
        "member_not_active": _("Only an active membership can be paused."),
        "member_not_paused": _("The membership is not paused."),
        "member_left": _("This person has left the pool."),
        "email_taken": _("This email address is already in use."),
        "not_confirmable": _("This membership is waiting for the person's own email confirmation."),
        "import_not_pending": _("This import has already been handled."),
        "import_conflict": _(
            "Some addresses in the file were added to the portal meanwhile. Check the file again."
        ),
        "no_recipients": _(
            "Nobody matches the filters (or all matching members were invited too often recently)."
        ),
        "sample_size": _("Enter a number from 1 to 50000."),
        "answer_invalid": _("Choose an answer."),
        "slug_taken": _("Another service area has this identifier."),
    }
    return messages.get(code, _("The request could not be completed."))


def _choice_labels() -> dict[str, dict[str, str]]:
    return {
        "gender": labels(GENDER_CHOICES),
        "language": labels(LANGUAGE_CHOICES),
        "channel": labels(CHANNEL_CHOICES),
        "experience": labels(EXPERIENCE_CHOICES),
        "status": labels(STATUS_CHOICES),
        "answer": labels(ANSWER_CHOICES),
    }


def _setup(form: Any) -> Any:
    return form.setup(
        municipalities=services.municipalities(),
        areas=services.interest_areas(),
        locale=current_locale(),
    )


# --- joining and signing in (public) -----------------------------------------------------------


@bp.route("/join", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def join() -> Any:
    form = _setup(JoinForm())
    if form.validate_on_submit():
        data = form.to_data(locale=current_locale())
        services.join_pool(data=data, consent_version=services.PRIVACY_VERSION)
        return render_template("pool/join_sent.html", by_email=bool(data.email))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "pool/join.html",
        form=form,
        privacy_version=services.PRIVACY_VERSION,
        member=services.member_for_user(current_user),
    ), status


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@public
def confirm(token: str) -> Any:
    # The link shows a button: mail scanners that open links must not confirm or sign in.
    form = ActionForm()
    if form.validate_on_submit():
        try:
            user = services.confirm_membership(secret=token)
        except services.PoolError as error:
            return render_template(
                "pool/invalid_link.html", message=_error_message(error.code)
            ), 404
        welcome = _("Welcome to the resident pool! Your membership is confirmed.")
        if not services.may_sign_in_by_link(user):
            # Staff and other roles sign in with their password, never by an emailed link.
            flash(welcome, "success")
            return redirect(url_for("accounts.login", next=url_for("pool.my_membership")))
        session.clear()
        login_user(user)
        session["locale"] = user.locale
        flash(welcome, "success")
        return redirect(url_for("pool.my_membership"))
    if not services.link_is_valid(secret=token, purpose=services.CONFIRM_PURPOSE):
        return render_template(
            "pool/invalid_link.html", message=_error_message("invalid_link")
        ), 404
    return render_template("pool/confirm.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def request_login() -> Any:
    form = MagicLinkForm()
    if form.validate_on_submit():
        services.request_magic_link(email=form.email.data)
        return render_template("pool/login_sent.html", email_sent_to=form.email.data)
    return render_template("pool/login.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/login/<token>", methods=["GET", "POST"])
@public
def magic_login(token: str) -> Any:
    # Following the link shows a button: mail scanners that open links must not sign in.
    form = ActionForm()
    if form.validate_on_submit():
        try:
            user = services.sign_in_with_magic_link(secret=token)
        except services.PoolError as error:
            return render_template(
                "pool/invalid_link.html", message=_error_message(error.code)
            ), 404
        session.clear()
        login_user(user)
        session["locale"] = user.locale
        flash(_("You are signed in."), "success")
        return redirect(url_for("pool.my_membership"))
    return render_template("pool/magic_login.html", form=form)


@bp.route("/answer/<token>", methods=["GET", "POST"])
@public
def answer_invitation(token: str) -> Any:
    try:
        recipient = services.recipient_for_token(token)
    except services.PoolError as error:
        return render_template("pool/invalid_link.html", message=_error_message(error.code)), 404
    form = (
        AnswerForm(answer=recipient.answer, availability=recipient.availability)
        if request.method == "GET"
        else AnswerForm()
    )
    if form.validate_on_submit():
        services.answer_invitation(
            secret=token, answer=form.answer.data, availability=form.availability.data
        )
        return render_template(
            "pool/answer_saved.html", answer=form.answer.data, labels=_choice_labels()
        )
    return render_template(
        "pool/answer.html", form=form, recipient=recipient, invitation=recipient.invitation
    ), 400 if request.method == "POST" else 200


@bp.route("/stay/<token>", methods=["GET", "POST"])
@public
def stay(token: str) -> Any:
    # The link shows a button: a mail scanner opening it must not answer for the member.
    form = ActionForm()
    if form.validate_on_submit():
        try:
            services.confirm_stay(secret=token)
        except services.PoolError as error:
            return render_template(
                "pool/invalid_link.html", message=_error_message(error.code)
            ), 404
        return render_template("pool/stayed.html")
    if not services.link_is_valid(secret=token, purpose=services.STAY_PURPOSE):
        return render_template(
            "pool/invalid_link.html", message=_error_message("invalid_link")
        ), 404
    return render_template("pool/stay.html", form=form)


# --- self-service ---------------------------------------------------------------------------


def _own_member() -> PoolMember | None:
    member = services.member_for_user(current_user)
    if member is None or member.status == MemberStatus.LEFT:
        return None
    return member


def _render_own(
    member: PoolMember,
    form: Any = None,
    pause_form: Any = None,
    leave_form: Any = None,
    status: int = 200,
) -> Any:
    if form is None:
        form = _setup(OwnProfileForm(formdata=None, data=member_form_values(member)))
    return render_template(
        "pool/me.html",
        member=member,
        form=form,
        pause_form=pause_form or PauseForm(),
        leave_form=leave_form or LeaveForm(),
        invitations=services.member_invitations(member),
        history=services.member_history(member)["participations"],
        labels=_choice_labels(),
    ), status


@bp.route("/me", methods=["GET", "POST"])
@login_required
def my_membership() -> Any:
    member = _own_member()
    if member is None:
        return render_template("pool/not_member.html")
    form = _setup(OwnProfileForm())
    form._email_on_file = member.user.email
    if request.method == "POST":
        if form.validate_on_submit():
            services.update_member(
                actor=current_user,
                member=member,
                data=form.to_data(locale=current_locale(), email=member.user.email),
            )
            flash(_("Your details are saved."), "success")
            return redirect(url_for("pool.my_membership"))
        return _render_own(member, form=form, status=400)
    return _render_own(member)


@bp.post("/me/pause")
@login_required
def pause_own() -> Any:
    member = _own_member()
    if member is None:
        return redirect(url_for("pool.my_membership"))
    form = PauseForm()
    if form.validate_on_submit():
        try:
            services.pause_membership(actor=current_user, member=member, until=form.until.data)
        except services.PoolError as error:
            form.until.errors = [*form.until.errors, _error_message(error.code)]
        else:
            flash(
                _("You will not be invited before %(date)s.", date=format_date(form.until.data)),
                "success",
            )
            return redirect(url_for("pool.my_membership"))
    return _render_own(member, pause_form=form, status=400)


@bp.post("/me/resume")
@login_required
def resume_own() -> Any:
    member = _own_member()
    form = ActionForm()
    if member is not None and form.validate_on_submit():
        try:
            services.resume_membership(actor=current_user, member=member)
        except services.PoolError as error:
            flash(_error_message(error.code), "error")
        else:
            flash(_("You can be invited again."), "success")
    return redirect(url_for("pool.my_membership"))


@bp.post("/me/leave")
@login_required
def leave() -> Any:
    member = _own_member()
    if member is None:
        return redirect(url_for("pool.my_membership"))
    form = LeaveForm()
    if not form.validate_on_submit():
        return _render_own(member, leave_form=form, status=400)
    user = current_user._get_current_object()
    erased_everywhere = user.role_set <= {Role.RESIDENT}
    services.leave_pool(actor=user, member=member)
    if erased_everywhere:
        locale = session.get("locale")
        logout_user()
        session.clear()
        if locale:
            session["locale"] = locale
    flash(
        _(
            "You have left the resident pool and your personal data is erased. "
            "Thank you for your time."
        ),
        "success",
    )
    return redirect(url_for("pool.join") if erased_everywhere else url_for("pool.my_membership"))


@bp.get("/me/data.json")
@login_required
def export_own() -> Any:
    return Response(
        export_own_data_json(user=current_user),
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=osallistu-my-data.json"},
    )


# --- coordinator registry -------------------------------------------------------------------


def _filters_from(form: MemberFilterForm) -> services.MemberFilter:
    if not form.validate():
        return services.MemberFilter()
    municipality = form.municipality.data or ""
    interest = form.interest.data or ""
    return services.MemberFilter(
        search=form.q.data or "",
        municipality_id=int(municipality) if municipality.isdigit() else None,
        municipality_other=municipality == "other",
        age_band=form.age_band.data or None,
        gender=form.gender.data or None,
        language=form.language.data or None,
        interest_id=int(interest) if interest.isdigit() else None,
        status=form.status.data or None,
        not_invited_since=form.not_invited_since.data,
        min_participations=form.min_participations.data,
        max_participations=form.max_participations.data,
    )


def _filter_form() -> MemberFilterForm:
    return _setup(MemberFilterForm(formdata=request.args))


@bp.get("/members")
@permission_required("pool.manage")
def list_members() -> Any:
    form = _filter_form()
    criteria = _filters_from(form)
    page = paginate(
        services.members_query(criteria), page=request.args.get("page", 1, type=int), per_page=50
    )
    counts = services.participation_counts([member.user_id for member in page.items])
    query_args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "pool/members.html",
        form=form,
        page=page,
        counts=counts,
        labels=_choice_labels(),
        query_args=query_args,
    )


@bp.get("/members.csv")
@permission_required("pool.export")
def export_members() -> Any:
    criteria = _filters_from(_filter_form())
    content = services.export_members_csv(actor=current_user, criteria=criteria)
    return Response(
        "\ufeff" + content,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=resident-pool.csv"},
    )


@bp.route("/members/new", methods=["GET", "POST"])
@permission_required("pool.manage")
def add_member() -> Any:
    form = _setup(CoordinatorMemberForm())
    if form.validate_on_submit():
        locale = {"sv": "sv"}.get(form.language.data, "fi")
        try:
            member = services.add_member(actor=current_user, data=form.to_data(locale=locale))
        except services.PoolError as error:
            form.email.errors = [*form.email.errors, _error_message(error.code)]
        else:
            flash(_("The member is added."), "success")
            return redirect(url_for("pool.member_detail", member_id=member.id))
    status = 400 if request.method == "POST" else 200
    return render_template("pool/member_form.html", form=form, member=None), status


@bp.get("/members/<int:member_id>")
@permission_required("pool.manage")
def member_detail(member_id: int) -> Any:
    member = db.get_or_404(PoolMember, member_id)
    return render_template(
        "pool/member.html",
        member=member,
        history=services.member_history(member),
        notes_form=NotesForm(notes=member.notes),
        labels=_choice_labels(),
    )


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@permission_required("pool.manage")
def edit_member(member_id: int) -> Any:
    member = db.get_or_404(PoolMember, member_id)
    if member.status == MemberStatus.LEFT:
        abort(404)
    form = _setup(
        CoordinatorEditForm(data=member_form_values(member))
        if request.method == "GET"
        else CoordinatorEditForm()
    )
    if form.validate_on_submit():
        try:
            services.update_member(
                actor=current_user, member=member, data=form.to_data(locale=member.user.locale)
            )
        except services.PoolError as error:
            form.email.errors = [*form.email.errors, _error_message(error.code)]
        else:
            flash(_("The details are saved."), "success")
            return redirect(url_for("pool.member_detail", member_id=member.id))
    status = 400 if request.method == "POST" else 200
    return render_template("pool/member_form.html", form=form, member=member), status


@bp.post("/members/<int:member_id>/notes")
@permission_required("pool.manage")
def save_notes(member_id: int) -> Any:
    member = db.get_or_404(PoolMember, member_id)
    form = NotesForm()
    if form.validate_on_submit() and member.status != MemberStatus.LEFT:
        services.save_notes(actor=current_user, member=member, notes=form.notes.data)
        flash(_("The notes are saved."), "success")
    return redirect(url_for("pool.member_detail", member_id=member.id))


@bp.post("/members/<int:member_id>/confirm")
@permission_required("pool.manage")
def confirm_member(member_id: int) -> Any:
    member = db.get_or_404(PoolMember, member_id)
    if ActionForm().validate_on_submit():
        try:
            services.confirm_member(actor=current_user, member=member)
        except services.PoolError as error:
            flash(_error_message(error.code), "error")
        else:
            flash(_("The membership is confirmed."), "success")
    return redirect(url_for("pool.member_detail", member_id=member.id))


@bp.post("/members/<int:member_id>/remove")
@permission_required("pool.manage")
def remove_member(member_id: int) -> Any:
    member = db.get_or_404(PoolMember, member_id)
    if ActionForm().validate_on_submit() and member.status != MemberStatus.LEFT:
        services.leave_pool(actor=current_user, member=member)
        flash(_("The member is removed and their personal data erased."), "success")
    return redirect(url_for("pool.list_members"))


# --- CSV import -----------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@permission_required("pool.manage")
def import_members() -> Any:
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        report, pending = services.prepare_import(
            actor=current_user, filename=upload.filename or "", content=upload.read()
        )
        if pending is not None:
            return redirect(url_for("pool.review_import", import_id=pending.id))
        return render_template(
            "pool/import.html", form=form, report=report, messages=_import_messages()
        ), 400
    status = 400 if request.method == "POST" else 200
    return render_template(
        "pool/import.html", form=form, report=None, messages=_import_messages()
    ), status


def _import_messages() -> dict[str, str]:
    # Plain strings: a lazy string would be marked safe by Jinja and skip escaping.
    return {code: str(message) for code, message in error_messages().items()}


def _own_import(import_id: int) -> PoolImport:
    pending = db.get_or_404(PoolImport, import_id)
    abort_unless_owner(pending.created_by_id)
    return pending


@bp.get("/import/<int:import_id>")
@permission_required("pool.manage")
def review_import(import_id: int) -> Any:
    pending = _own_import(import_id)
    return render_template(
        "pool/import_review.html", pending=pending, form=ActionForm(), labels=_choice_labels()
    )


@bp.post("/import/<int:import_id>/confirm")
@permission_required("pool.manage")
def confirm_import(import_id: int) -> Any:
    pending = _own_import(import_id)
    if ActionForm().validate_on_submit():
        try:
            count = services.confirm_import(actor=current_user, pending=pending)
        except services.PoolError as error:
            flash(_error_message(error.code), "error")
            return redirect(url_for("pool.import_members"))
        flash(
            ngettext("%(num)d member was added.", "%(num)d members were added.", count), "success"
        )
        return redirect(url_for("pool.list_members"))
    return redirect(url_for("pool.review_import", import_id=import_id))


@bp.post("/import/<int:import_id>/discard")
@permission_required("pool.manage")
def discard_import(import_id: int) -> Any:
    pending = _own_import(import_id)
    if ActionForm().validate_on_submit():
        try:
            services.discard_import(actor=current_user, pending=pending)
        except services.PoolError as error:
            flash(_error_message(error.code), "error")
        else:
            flash(_("The file was discarded; nothing was added."), "success")
    return redirect(url_for("pool.import_members"))


# --- invitations ----------------------------------------------------------------------------


@bp.get("/invitations")
@permission_required("pool.manage")
def list_invitations() -> Any:
    page = paginate(services.invitations_query(), page=request.args.get("page", 1, type=int))
    return render_template("pool/invitations.html", page=page)


@bp.route("/invitations/new", methods=["GET", "POST"])
@permission_required("pool.manage")
def new_invitation() -> Any:
    filter_form = _filter_form()
    criteria = _filters_from(filter_form)
    form = InvitationForm()
    form.activity.choices = [(0, _("Choose an activity"))] + [
        (activity.id, activity.title) for activity in services.invitable_activities()
    ]
    if form.validate_on_submit():
        activity = db.session.get(Activity, form.activity.data)
        if activity is None:
            form.activity.errors = [*form.activity.errors, _("Choose an activity.")]
        else:
            try:
                invitation = services.create_invitation(
                    actor=current_user,
                    activity=activity,
                    filters=criteria,
                    sample_size=form.sample_size.data,
                    seed=form.seed.data or None,
                    message=form.message.data or "",
                )
            except services.PoolError as error:
                form.form_errors.append(_error_message(error.code))
            else:
                flash(_("The invitation was sent."), "success")
                return redirect(url_for("pool.invitation_detail", invitation_id=invitation.id))
    matching = paginate(services.members_query(criteria), page=1, per_page=1).total
    status = 400 if request.method == "POST" else 200
    return render_template(
        "pool/invitation_form.html",
        form=form,
        criteria=criteria.as_dict(),
        matching=matching,
        query_args={k: v for k, v in request.args.items() if v},
    ), status


@bp.get("/invitations/<int:invitation_id>")
@permission_required("pool.manage")
def invitation_detail(invitation_id: int) -> Any:
    invitation = db.get_or_404(PoolInvitation, invitation_id)
    return render_template(
        "pool/invitation.html",
        invitation=invitation,
        summary=services.invitation_summary(invitation),
        recipients=services.invitation_recipients(invitation),
        labels=_choice_labels(),
    )


@bp.post("/invitations/<int:invitation_id>/remind")
@permission_required("pool.manage")
def remind_invitation(invitation_id: int) -> Any:
    invitation = db.get_or_404(PoolInvitation, invitation_id)
    if ActionForm().validate_on_submit():
        count = services.send_reminders(actor=current_user, invitation=invitation)
        flash(
            ngettext("%(num)d reminder was sent.", "%(num)d reminders were sent.", count), "success"
        )
    return redirect(url_for("pool.invitation_detail", invitation_id=invitation.id))


# --- representativeness ---------------------------------------------------------------------


@bp.get("/representativeness")
@permission_required("pool.manage")
def representativeness() -> Any:
    return render_template(
        "pool/representativeness.html",
        composition=services.pool_composition(locale=current_locale()),
        total=services.active_member_count(),
        labels=_choice_labels(),
    )


# --- service areas of interest ------------------------------------------------------------


@bp.get("/areas")
@permission_required("pool.manage")
def list_areas() -> Any:
    return render_template("pool/areas.html", areas=services.interest_areas(active_only=False))


@bp.route("/areas/new", methods=["GET", "POST"])
@bp.route("/areas/<int:area_id>", methods=["GET", "POST"])
@permission_required("pool.manage")
def edit_area(area_id: int | None = None) -> Any:
    area = db.get_or_404(InterestArea, area_id) if area_id else None
    form = InterestAreaForm(obj=area)
    if form.validate_on_submit():
        try:
            services.save_interest_area(
                actor=current_user,
                area=area,
                slug=form.slug.data,
                name_fi=form.name_fi.data,
                name_sv=form.name_sv.data,
                name_en=form.name_en.data,
                position=form.position.data,
                is_active=form.is_active.data,
            )
        except services.PoolError as error:
            form.slug.errors = [*form.slug.errors, _error_message(error.code)]
        else:
            flash(_("The service area is saved."), "success")
            return redirect(url_for("pool.list_areas"))
    status = 400 if request.method == "POST" else 200
    return render_template("pool/area_form.html", form=form, area=area), status
