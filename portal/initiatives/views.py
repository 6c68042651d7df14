"""Initiative pages: public list and page, making and supporting, checking and handling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_login import current_user
from sqlalchemy import select

from portal.accounts.models import OrgUnit, User, UserRole
from portal.core.csv_export import csv_response
from portal.core.forms import ActionForm, choice_list
from portal.core.i18n import current_locale
from portal.core.models import Municipality
from portal.core.paging import paginate
from portal.core.permissions import (
    Role,
    login_required,
    permission_required,
    public,
    user_has_permission,
)
from portal.core.views_helpers import form_status, run_action, submit_form
from portal.extensions import db, limiter
from portal.initiatives import services
from portal.initiatives.forms import (
    AbuseReportForm,
    AssignForm,
    DecisionForm,
    InitiativeForm,
    InviteForm,
    ReturnForm,
    SettingsForm,
    SupportForm,
)
from portal.initiatives.models import (
    AbuseReport,
    Initiative,
    InitiativeDecision,
    InitiativeState,
)

bp = Blueprint("initiatives", __name__, url_prefix="/initiatives")
S = InitiativeState
OTHER_MUNICIPALITY = -1


def state_labels() -> dict[str, str]:
    return {
        S.DRAFT: _("Draft"),
        S.CHECKING: _("Being checked"),
        S.RETURNED: _("Returned for changes"),
        S.COLLECTING: _("Collecting support"),
        S.SUBMITTED: _("Submitted"),
        S.IN_PROCESSING: _("In processing"),
        S.DECIDED: _("Decided"),
        S.CLOSED: pgettext("initiative state", "Closed"),
    }


def decision_labels() -> dict[str, str]:
    return {
        InitiativeDecision.ACCEPTED: _("Accepted"),
        InitiativeDecision.PARTLY_ACCEPTED: _("Partly accepted"),
        InitiativeDecision.NOT_ACCEPTED: _("Not accepted"),
    }


def abuse_reason_labels() -> dict[str, str]:
    return {
        "personal_data": _("It contains other people's personal data"),
        "offensive": _("It is offensive or abusive"),
        "illegal": _("It is illegal"),
        "spam": _("It is advertising or spam"),
        "other": _("Something else"),
    }


def _error_message(code: str) -> str:
    messages = {
        "not_initiator": _("Only the initiators of this initiative can do that."),
        "not_editable": _("The initiative can be changed only as a draft or when returned."),
        "wrong_state": _("That cannot be done in the initiative's current state."),
        "already_invited": _("That address has already been invited."),
        "already_initiator": _("That person is already an initiator."),
        "not_invited_address": _(
            "This invitation was sent to another email address. Sign in with the address "
            "the invitation was sent to."
        ),
        "invalid_link": _("The link is invalid, already used or expired."),
        "reason_required": _("Write the reason."),
        "not_collecting": _("The initiative is not collecting support at the moment."),
        "assignee_required": _("Name the office-holder or body."),
        "unknown_decision": _("Choose the decision."),
        "not_public": _("The initiative is not public."),
        "unknown_reason": _("Choose a reason."),
        "bad_share": _("Enter a share between 0.01 and 100."),
        "bad_base": _("Enter a positive number."),
        "bad_months": _("Enter 1 to 36 months."),
    }
    return messages.get(code, _("The request could not be completed."))


def _error_text(error: services.InitiativeError) -> str:
    return _error_message(error.code)


_run_action = partial(run_action, messages=_error_text)
_submit_form = partial(submit_form, messages=_error_text)


def _page_url(initiative_id: int) -> str:
    return url_for("initiatives.show_initiative", initiative_id=initiative_id)


def _can_manage() -> bool:
    return user_has_permission(current_user, "initiatives.check") or user_has_permission(
        current_user, "initiatives.decide"
    )


def _visible_or_404(initiative: Initiative) -> None:
    # A draft is the initiators' own work in progress: coordinators see it once it is sent.
    if initiative.is_public or services.is_initiator(current_user, initiative):
        return
    if _can_manage() and initiative.state != S.DRAFT:
        return
    abort(404)


def _public_or_404(initiative_id: int) -> Initiative:
    initiative = db.get_or_404(Initiative, initiative_id)
    if not initiative.is_public:
        abort(404)
    return initiative


def _own_or_403(initiative: Initiative) -> None:
    if not services.is_initiator(current_user, initiative):
        abort(403)


def _service_area_choices() -> list[Any]:
    locale = current_locale()
    return choice_list(
        [(0, _("Not sure or several"))]
        + [(area.id, area.name(locale)) for area in services.service_areas()]
    )


def _municipality_choices() -> list[Any]:
    locale = current_locale()
    return choice_list(
        [(0, _("Choose…"))]
        + [(m.id, m.name(locale)) for m in services.municipalities()]
        + [(OTHER_MUNICIPALITY, _("Other or outside the county"))]
    )


def _render_page(initiative: Initiative, **extra: Any) -> Any:
    count = services.support_count(initiative)
    context = {
        "initiative": initiative,
        "progress": services.progress_of(initiative, count=count),
        "state_labels": state_labels(),
        "decision_labels": decision_labels(),
        "is_initiator": services.is_initiator(current_user, initiative),
        "action_form": ActionForm(),
        "similar": services.similar_initiatives(initiative.title, exclude_id=initiative.id)
        if initiative.is_editable
        else [],
        "invite_form": extra.pop("invite_form", None) or InviteForm(),
        "can_check": user_has_permission(current_user, "initiatives.check"),
        "can_decide": user_has_permission(current_user, "initiatives.decide"),
    }
    context.update(extra)
    return render_template("initiatives/show.html", **context)


# --- public ---------------------------------------------------------------------------


@bp.get("/")
@public
def list_initiatives() -> Any:
    state = request.args.get("state", "")
    search = request.args.get("q", "").strip()[:100]
    page = paginate(
        services.public_initiatives(state=state, search=search),
        page=request.args.get("page", 1, type=int),
        per_page=20,
    )
    counts = services.support_counts(i.id for i in page.items)
    return render_template(
        "initiatives/list.html",
        page=page,
        counts=counts,
        state=state,
        search=search,
        state_labels=state_labels(),
        threshold=services.rule_for_year(date.today().year).threshold,
    )


@bp.get("/<int:initiative_id>")
@public
def show_initiative(initiative_id: int) -> Any:
    initiative = db.get_or_404(Initiative, initiative_id)
    _visible_or_404(initiative)
    return _render_page(initiative)


@bp.route("/<int:initiative_id>/support", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def support_initiative(initiative_id: int) -> Any:
    initiative = _public_or_404(initiative_id)
    form = SupportForm()
    form.municipality.choices = _municipality_choices()
    if initiative.state != S.COLLECTING:
        flash(_error_message("not_collecting"), "error")
        return redirect(_page_url(initiative.id))
    if form.validate_on_submit():
        municipality = (
            db.session.get(Municipality, form.municipality.data)
            if form.municipality.data > 0
            else None  # other or outside the county
        )
        services.request_support(
            initiative=initiative,
            name=form.name.data,
            email=form.email.data,
            municipality=municipality,
            notify_decision=form.notify_decision.data,
            locale=current_locale(),
        )
        return render_template(
            "initiatives/support_sent.html", initiative=initiative, email=form.email.data
        )
    status = form_status(form)
    return render_template("initiatives/support.html", initiative=initiative, form=form), status


def _confirm_by_link(
    find: Callable[[], Initiative],
    confirm: Callable[[], int],
    *,
    success: str,
    template: str,
    failure_endpoint: str,
) -> Any:
    """A page reached by an emailed link, with a button that does what the link is for.

    ``find`` checks the link and returns the initiative to show; ``confirm`` acts on the
    link and returns the id of the initiative to go to. Both raise for a link that is bad
    or used up, which sends the visitor to ``failure_endpoint`` with the reason.
    """
    try:
        initiative = find()
    except services.InitiativeError as error:
        flash(_error_message(error.code), "error")
        return redirect(url_for(failure_endpoint))
    form = ActionForm()
    if form.validate_on_submit():
        try:
            initiative_id = confirm()
        except services.InitiativeError as error:
            flash(_error_message(error.code), "error")
            return redirect(url_for(failure_endpoint))
        flash(success, "success")
        return redirect(_page_url(initiative_id))
    return render_template(template, initiative=initiative, form=form)


def _initiative_of(support: Any) -> Initiative:
    return db.session.get(Initiative, support.initiative_id)


@bp.route("/support/<token>", methods=["GET", "POST"])
@public
def confirm_support(token: str) -> Any:
    # The link only opens a page with a button: mail scanners follow links, and must not
    # count a support for someone who never confirmed it.
    return _confirm_by_link(
        lambda: _initiative_of(services.support_for_confirmation(token)),
        lambda: services.confirm_support(secret=token).initiative_id,
        success=_("Thank you! Your support is confirmed and counted."),
        template="initiatives/confirm_support.html",
        failure_endpoint="initiatives.list_initiatives",
    )


@bp.route("/support/<token>/withdraw", methods=["GET", "POST"])
@public
def withdraw_support(token: str) -> Any:
    # The link only opens a page: mail scanners follow links, and must not withdraw anything.
    return _confirm_by_link(
        lambda: _initiative_of(services.support_for_withdrawal(token)),
        lambda: services.withdraw_support(secret=token).id,
        success=_("Your support is withdrawn and your details are deleted."),
        template="initiatives/withdraw_support.html",
        failure_endpoint="initiatives.list_initiatives",
    )


@bp.route("/<int:initiative_id>/report", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def report_initiative(initiative_id: int) -> Any:
    initiative = _public_or_404(initiative_id)
    form = AbuseReportForm()
    form.reason.choices = choice_list(abuse_reason_labels().items())
    if form.validate_on_submit():
        services.report_abuse(
            initiative=initiative, reason=form.reason.data, message=form.message.data or ""
        )
        flash(_("Thank you. The coordinators will look at your report."), "success")
        return redirect(_page_url(initiative.id))
    status = form_status(form)
    return render_template("initiatives/report.html", initiative=initiative, form=form), status


def _report_year() -> int:
    year = request.args.get("year", date.today().year, type=int)
    return year if 2000 <= year <= 2100 else date.today().year


@bp.get("/annual-report")
@public
def annual_report() -> Any:
    year = _report_year()
    return render_template(
        "initiatives/annual_report.html",
        year=year,
        rows=services.annual_report(year),
        state_labels=state_labels(),
        decision_labels=decision_labels(),
        years=range(date.today().year, 2022, -1),
    )


@bp.get("/annual-report.csv")
@public
def annual_report_csv() -> Any:
    year = _report_year()
    body = services.annual_report_csv(
        services.annual_report(year),
        state_labels=state_labels(),
        decision_labels=decision_labels(),
    )
    return csv_response(body, f"initiatives-{year}.csv")


# --- initiators -----------------------------------------------------------------------


@bp.get("/mine")
@login_required
def my_initiatives() -> Any:
    return render_template(
        "initiatives/mine.html",
        initiatives=services.initiatives_of(current_user),
        state_labels=state_labels(),
    )


def _form_values(form: InitiativeForm) -> dict[str, Any]:
    area = db.session.get(OrgUnit, form.service_area.data) if form.service_area.data else None
    return {
        "title": form.title.data,
        "proposal": form.proposal.data,
        "justification": form.justification.data or "",
        "service_area": area,
        "public_name": form.public_name.data or "",
        "contact_phone": form.contact_phone.data or "",
    }


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def new_initiative() -> Any:
    form = InitiativeForm()
    form.service_area.choices = _service_area_choices()
    if form.validate_on_submit():
        initiative = services.create_initiative(actor=current_user, **_form_values(form))
        flash(_("The draft is saved. Check it and send it for checking."), "success")
        return redirect(_page_url(initiative.id))
    status = form_status(form)
    similar = services.similar_initiatives(form.title.data) if form.title.data else []
    return render_template(
        "initiatives/form.html", form=form, initiative=None, similar=similar
    ), status


@bp.route("/<int:initiative_id>/edit", methods=["GET", "POST"])
@login_required
def edit_initiative(initiative_id: int) -> Any:
    initiative = db.get_or_404(Initiative, initiative_id)
    _own_or_403(initiative)
    if not initiative.is_editable:
        abort(403)
    form = InitiativeForm(obj=initiative, service_area=initiative.service_area_id or 0)
    form.service_area.choices = _service_area_choices()
    if form.validate_on_submit():
        services.update_initiative(actor=current_user, initiative=initiative, **_form_values(form))
        flash(_("The changes are saved."), "success")
        return redirect(_page_url(initiative.id))
    status = form_status(form)
    return render_template(
        "initiatives/form.html", form=form, initiative=initiative, similar=[]
    ), status


def _initiator_action(initiative_id: int, action: Any, done: str) -> Any:
    initiative = db.get_or_404(Initiative, initiative_id)
    _own_or_403(initiative)
    return _run_action(
        lambda: action(actor=current_user, initiative=initiative),
        success=done,
        then=_page_url(initiative.id),
    )


@bp.post("/<int:initiative_id>/send")
@login_required
def send_initiative(initiative_id: int) -> Any:
    return _initiator_action(
        initiative_id,
        services.send_for_check,
        _("The initiative is sent for checking. You will get an email when it is published."),
    )


@bp.post("/<int:initiative_id>/submit")
@login_required
def submit_initiative(initiative_id: int) -> Any:
    return _initiator_action(
        initiative_id,
        services.submit_initiative,
        _("The collection has ended and the initiative is submitted to the county."),
    )


@bp.post("/<int:initiative_id>/withdraw")
@login_required
def withdraw_initiative(initiative_id: int) -> Any:
    return _initiator_action(
        initiative_id, services.withdraw_initiative, _("The initiative is withdrawn.")
    )


@bp.post("/<int:initiative_id>/invite")
@login_required
@limiter.limit("30 per hour")
def invite_co_initiator(initiative_id: int) -> Any:
    initiative = db.get_or_404(Initiative, initiative_id)
    _own_or_403(initiative)
    form = InviteForm()
    done = _submit_form(
        form,
        lambda: services.invite_co_initiator(
            actor=current_user, initiative=initiative, email=form.email.data
        ),
        success=_("The invitation is sent."),
        then=_page_url(initiative.id),
        error_field=form.email,
    )
    return done or (_render_page(initiative, invite_form=form), 400)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@login_required
def accept_invitation(token: str) -> Any:
    def find() -> Initiative:
        invitation = services.invitation_for(token)
        services.ensure_invited_person(actor=current_user, invitation=invitation)
        return invitation.initiative

    return _confirm_by_link(
        find,
        lambda: services.accept_invitation(actor=current_user, secret=token).id,
        success=_("You are now a co-initiator."),
        template="initiatives/invitation.html",
        failure_endpoint="initiatives.my_initiatives",
    )


# --- coordinators and decision makers -------------------------------------------------


@bp.get("/manage")
@permission_required("initiatives.decide")
def manage() -> Any:
    today = date.today()
    return render_template(
        "initiatives/manage.html",
        checking=services.initiatives_in_state(S.CHECKING),
        waiting=services.initiatives_in_state(S.SUBMITTED),
        processing=services.initiatives_in_state(S.IN_PROCESSING),
        overdue=services.overdue_initiatives(today=today),
        reports=len(services.open_abuse_reports()),
        today=today,
        state_labels=state_labels(),
        can_check=user_has_permission(current_user, "initiatives.check"),
        can_configure=user_has_permission(current_user, "initiatives.configure"),
    )


@bp.route("/<int:initiative_id>/check", methods=["GET"])
@permission_required("initiatives.check")
def check_initiative(initiative_id: int) -> Any:
    initiative = db.get_or_404(Initiative, initiative_id)
    if initiative.state == S.DRAFT:
        abort(404)
    return _render_check(initiative, ReturnForm())


def _render_check(initiative: Initiative, return_form: ReturnForm) -> Any:
    return render_template(
        "initiatives/check.html",
        initiative=initiative,
        return_form=return_form,
        action_form=ActionForm(),
        similar=services.similar_initiatives(initiative.title, exclude_id=initiative.id),
        state_labels=state_labels(),
    )


@bp.post("/<int:initiative_id>/publish")
@permission_required("initiatives.check")
def publish_initiative(initiative_id: int) -> Any:
    initiative = db.get_or_404(Initiative, initiative_id)
    if ActionForm().validate_on_submit():
        try:
            services.publish_initiative(actor=current_user, initiative=initiative)
        except services.InitiativeError as error:
            flash(_error_message(error.code), "error")
            return redirect(url_for("initiatives.check_initiative", initiative_id=initiative.id))
        flash(_("The initiative is published and collects support."), "success")
    return redirect(_page_url(initiative.id))


@bp.post("/<int:initiative_id>/return")
@permission_required("initiatives.check")
def return_initiative(initiative_id: int) -> Any:
    initiative = db.get_or_404(Initiative, initiative_id)
    form = ReturnForm()
    done = _submit_form(
        form,
        lambda: services.return_initiative(
            actor=current_user, initiative=initiative, reason=form.reason.data
        ),
        success=_("The initiative is returned to its initiators."),
        then=url_for("initiatives.manage"),
        error_field=form.reason,
    )
    return done or (_render_check(initiative, form), 400)


def _assignee_choices() -> list[Any]:
    people = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.role.in_([str(Role.DECISION_MAKER), str(Role.COORDINATOR)]),
            User.is_active.is_(True),
        )
        .order_by(User.name)
    ).unique()
    return choice_list([(0, _("Nobody in particular"))] + [(p.id, p.name) for p in people])


def _render_process(
    initiative: Initiative,
    assign_form: AssignForm | None = None,
    decision_form: DecisionForm | None = None,
) -> Any:
    assign_form = assign_form or AssignForm(
        assigned_to=initiative.assigned_to, assigned_user=initiative.assigned_user_id or 0
    )
    assign_form.assigned_user.choices = _assignee_choices()
    decision_form = decision_form or DecisionForm(decided_on=date.today())
    decision_form.decision.choices = choice_list(decision_labels().items())
    return render_template(
        "initiatives/process.html",
        initiative=initiative,
        progress=services.progress_of(initiative),
        breakdown=services.support_breakdown(initiative, locale=current_locale()),
        assign_form=assign_form,
        decision_form=decision_form,
        action_form=ActionForm(),
        state_labels=state_labels(),
        today=date.today(),
    )


@bp.get("/<int:initiative_id>/process")
@permission_required("initiatives.decide")
def process_initiative(initiative_id: int) -> Any:
    initiative = db.get_or_404(Initiative, initiative_id)
    if initiative.state in {S.DRAFT, S.CHECKING, S.RETURNED}:
        abort(404)
    return _render_process(initiative)


@bp.get("/<int:initiative_id>/supporters.csv")
@permission_required("initiatives.decide")
def export_supporters(initiative_id: int) -> Any:
    initiative = db.get_or_404(Initiative, initiative_id)
    if initiative.state in {S.DRAFT, S.CHECKING, S.RETURNED}:
        abort(404)
    body = services.export_supporters(
        actor=current_user,
        initiative=initiative,
        other_label=_("Other or outside the county"),
    )
    return csv_response(body, f"initiative-{initiative.id}-supporters.csv")


@bp.post("/<int:initiative_id>/assign")
@permission_required("initiatives.decide")
def assign_initiative(initiative_id: int) -> Any:
    initiative = db.get_or_404(Initiative, initiative_id)
    form = AssignForm()
    form.assigned_user.choices = _assignee_choices()
    done = _submit_form(
        form,
        lambda: services.assign_initiative(
            actor=current_user,
            initiative=initiative,
            assigned_to=form.assigned_to.data,
            assigned_user=(
                db.session.get(User, form.assigned_user.data) if form.assigned_user.data else None
            ),
        ),
        success=_("The initiative is in processing."),
        then=url_for("initiatives.process_initiative", initiative_id=initiative.id),
    )
    return done or (_render_process(initiative, assign_form=form), 400)


@bp.post("/<int:initiative_id>/decide")
@permission_required("initiatives.decide")
def decide_initiative(initiative_id: int) -> Any:
    initiative = db.get_or_404(Initiative, initiative_id)
    form = DecisionForm()
    form.decision.choices = choice_list(decision_labels().items())
    done = _submit_form(
        form,
        lambda: services.decide_initiative(
            actor=current_user,
            initiative=initiative,
            decision=form.decision.data,
            reason=form.reason.data,
            measures=form.measures.data or "",
            minutes_link=form.minutes_link.data or "",
            decided_on=form.decided_on.data,
        ),
        success=_("The decision is published and the initiators are told."),
        then=_page_url(initiative.id),
    )
    return done or (_render_process(initiative, decision_form=form), 400)


@bp.post("/<int:initiative_id>/close")
@permission_required("initiatives.decide")
def close_initiative(initiative_id: int) -> Any:
    initiative = db.get_or_404(Initiative, initiative_id)
    return _run_action(
        lambda: services.close_initiative(actor=current_user, initiative=initiative),
        success=_("The initiative is closed."),
        then=url_for("initiatives.process_initiative", initiative_id=initiative.id),
    )


@bp.get("/manage/reports")
@permission_required("initiatives.check")
def list_abuse_reports() -> Any:
    return render_template(
        "initiatives/abuse_reports.html",
        reports=services.open_abuse_reports(),
        reason_labels=abuse_reason_labels(),
        action_form=ActionForm(),
    )


@bp.post("/manage/reports/<int:report_id>/handle")
@permission_required("initiatives.check")
def handle_abuse_report(report_id: int) -> Any:
    report = db.get_or_404(AbuseReport, report_id)
    return _run_action(
        lambda: services.handle_abuse_report(actor=current_user, report=report),
        success=_("The report is marked handled."),
        then=url_for("initiatives.list_abuse_reports"),
    )


@bp.route("/settings", methods=["GET", "POST"])
@permission_required("initiatives.configure")
def edit_settings() -> Any:
    year = request.args.get("year", date.today().year, type=int)
    current = services.rule_for_year(year)
    form = SettingsForm(
        year=year,
        support_percent=current.share * 100,
        eligible_voters=None if current.base_is_population else current.base,
        handling_months=current.handling_months,
        collection_months=current.collection_months,
    )
    done = _submit_form(
        form,
        lambda: services.save_settings(
            actor=current_user,
            year=form.year.data,
            support_share=(Decimal(form.support_percent.data) / 100).quantize(Decimal("0.0001")),
            eligible_voters=form.eligible_voters.data,
            handling_months=form.handling_months.data,
            collection_months=form.collection_months.data,
        ),
        success=_("The settings are saved."),
        then=lambda _saved: url_for("initiatives.edit_settings", year=form.year.data),
    )
    return done or (
        render_template(
            "initiatives/settings.html",
            form=form,
            rows=services.list_settings(),
            rule=current,
            population_label=_l("county population"),
        ),
        form_status(form),
    )
