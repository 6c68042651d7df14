"""Resident panels: public pages and report, own chances, and the coordinator's tools."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from portal.core.csv_export import csv_response
from portal.core.forms import ActionForm
from portal.core.i18n import current_locale, mark_language
from portal.core.permissions import login_required, permission_required, public
from portal.core.text_input import decode_upload
from portal.core.views_helpers import flash_domain_error, run_action, submit_form
from portal.extensions import db
from portal.impact.models import Attendance
from portal.panels import services
from portal.panels.features import (
    DEFAULT_MUNICIPALITY_GROUPS,
    OTHER,
    REST,
    UNKNOWN,
    category_label,
    feature_label,
    format_groups,
    value_label,
)
from portal.panels.forms import (
    EmailListForm,
    LinkAccountForm,
    MaterialForm,
    PanelForm,
    QuotasForm,
    RecommendationForm,
    ReplacementForm,
    SeedForm,
    SessionForm,
    UploadForm,
)
from portal.panels.messages import (
    change_sentences,
    conflict_sentences,
    lottery_note_sentence,
    solver_failure_sentence,
)
from portal.panels.models import (
    DrawKind,
    DrawStatus,
    Panel,
    PanelCandidate,
    PanelDraw,
    PanelMaterial,
    PanelMember,
    PanelRecommendation,
    PanelSession,
    PanelStatus,
)
from portal.panels.reference import SETTINGS_FILENAME, reference_command, reference_settings

bp = Blueprint("panels", __name__, url_prefix="/panels")


def _error_message(error: services.PanelError) -> list[str]:
    """Translated sentences for a panel rule that was broken."""
    code = error.code
    details = error.params
    if code in ("infeasible", "replacement_infeasible"):
        lead = (
            _("No panel can meet these quotas with the current candidates.")
            if code == "infeasible"
            else _("No unselected candidate can take the seat within the quotas.")
        )
        return [lead, *conflict_sentences(details["explanation"])] + [
            _("Smallest change that would help: %(change)s", change=change)
            for change in change_sentences(details["explanation"])
        ]
    if code == "uncovered":
        return [
            ngettext(
                "%(num)d candidate has the value “%(category)s”, which has no quota row. "
                "Propose the quotas again or remove that candidate.",
                "%(num)d candidates have the value “%(category)s”, which has no quota row. "
                "Propose the quotas again or remove those candidates.",
                count,
                category=category_label(feature, value, current_locale()),
            )
            for feature, value, count in details["uncovered"]
        ]
    if code == "csv_not_text":
        return [_("The file is not a CSV text file (UTF-8 or Windows-1252). Save it as CSV.")]
    if code == "csv_format":
        return [
            _(
                "The people list could not be read. Details (in English): %(details)s",
                details="; ".join(details["problems"]),
            )
        ]
    if code == "csv_values":
        return [
            _(
                "Row %(id)s: %(feature)s has the value “%(value)s”, which is not one of the "
                "values in the quota table.",
                id=pid,
                feature=feature_label(feature),
                value=value,
            )
            for pid, feature, value in details["rows"]
        ]
    messages = {
        "already_drawn": _("The panel has already been drawn; this can no longer be changed."),
        "not_draft": _("The panel is already public."),
        "not_public": _("Publish the panel before the draw, so that the seed is public."),
        "no_seed": _("Announce the seed before the draw."),
        "no_candidates": _("There are no candidates yet."),
        "quota_bounds": _(
            "Each minimum must be 0 or more, each maximum at least the minimum and at most the "
            "panel size."
        ),
        "quota_rows": _("The quota table changed meanwhile. Check it and save again."),
        "not_member": _("That person is not on this panel."),
        "not_drawn": _("The panel has not been drawn yet."),
        "material_empty": _("Give a link or a text."),
        "attendance": _("Choose present, remote or absent for each member."),
        "method": _("Choose a method."),
        "already_linked": _("The member is already linked to an account."),
        "no_account": _("No account has that email address."),
        "already_candidate": _("That account is already a candidate for this panel."),
    }
    return [messages.get(code, _("The request could not be completed."))]


_submit_form = partial(submit_form, messages=_error_message)


def _flash_error(error: services.PanelError) -> None:
    flash_domain_error(_error_message, error)


def _managed_panel(panel_id: int) -> Panel:
    return db.get_or_404(Panel, panel_id)


def _part_of(panel: Panel, model: type[Any], object_id: int) -> Any:
    """A candidate, member or session of ``panel`` (404 when it belongs to another panel)."""
    item = db.get_or_404(model, object_id)
    if item.panel_id != panel.id:
        abort(404)
    return item


def _act(panel: Panel, call: Any, success: str, endpoint: str) -> Any:
    """A button press (CSRF-checked): run ``call``, flash its outcome, go to ``endpoint``."""
    return run_action(
        call, success=success, then=url_for(endpoint, panel_id=panel.id), messages=_error_message
    )


def _public_panel(panel_id: int) -> Panel:
    panel = db.get_or_404(Panel, panel_id)
    if not panel.is_public:
        abort(404)
    return panel


def _labels() -> dict[str, Any]:
    locale = current_locale()

    def shown_value(feature: str, value: str) -> Any:
        label = value_label(feature, value, locale)
        # Group names are typed by the county (in its content language), not translated.
        if feature == "municipality_group" and value not in (REST, UNKNOWN, OTHER):
            return mark_language(label)
        return label

    return {"feature_label": feature_label, "value_label": shown_value}


# --- public ------------------------------------------------------------------------------


@bp.get("/")
@public
def list_panels() -> Any:
    panels = db.all(
        select(Panel).where(Panel.status != PanelStatus.DRAFT).order_by(Panel.created_at.desc())
    )
    return render_template("panels/list.html", panels=panels)


@bp.get("/<int:panel_id>")
@public
def show_panel(panel_id: int) -> Any:
    panel = _public_panel(panel_id)
    sessions = db.all(
        select(PanelSession).where(PanelSession.panel_id == panel.id).order_by(PanelSession.held_on)
    )
    materials = db.all(
        select(PanelMaterial).where(PanelMaterial.panel_id == panel.id).order_by(PanelMaterial.id)
    )
    recommendations = db.all(
        select(PanelRecommendation)
        .where(PanelRecommendation.panel_id == panel.id)
        .order_by(PanelRecommendation.id)
    )
    draw = services.current_draw(panel)
    return render_template(
        "panels/show.html",
        panel=panel,
        sessions=sessions,
        materials=materials,
        recommendations=recommendations,
        draw=draw,
        **_labels(),
    )


def _finished_draw(panel: Panel) -> PanelDraw:
    draw = services.current_draw(panel)
    if draw is None or draw.status != DrawStatus.DONE:
        abort(404)
    return draw


@bp.get("/<int:panel_id>/report")
@public
def show_report(panel_id: int) -> Any:
    panel = _public_panel(panel_id)
    draw = services.current_draw(panel)
    rows = services.composition(panel, draw) if draw and draw.status == DrawStatus.DONE else []
    replacements = db.all(
        select(PanelDraw)
        .where(PanelDraw.panel_id == panel.id, PanelDraw.kind == DrawKind.REPLACEMENT)
        .order_by(PanelDraw.id)
    )
    done = draw is not None and draw.status == DrawStatus.DONE
    return render_template(
        "panels/report.html",
        panel=panel,
        draw=draw,
        rows=rows,
        replacements=replacements,
        lottery_note=_lottery_note(draw) if done else "",
        reference_command=reference_command(draw.size) if done else "",
        settings_filename=SETTINGS_FILENAME,
        **_labels(),
    )


def _lottery_note(draw: PanelDraw) -> str:
    return lottery_note_sentence((draw.distribution or {}).get("note", ""))


@bp.get("/<int:panel_id>/report/people.csv")
@public
def download_people(panel_id: int) -> Any:
    draw = _finished_draw(_public_panel(panel_id))
    return csv_response(services.snapshot_csv(draw), f"panel-{panel_id}-people.csv")


@bp.get("/<int:panel_id>/report/sortition-settings.toml")
@public
def download_reference_settings(panel_id: int) -> Any:
    _finished_draw(_public_panel(panel_id))
    return Response(
        reference_settings(),
        mimetype="application/toml",
        headers={"Content-Disposition": f'attachment; filename="{SETTINGS_FILENAME}"'},
    )


@bp.get("/<int:panel_id>/report/categories.csv")
@public
def download_categories(panel_id: int) -> Any:
    draw = _finished_draw(_public_panel(panel_id))
    return csv_response(services.categories_csv(draw), f"panel-{panel_id}-categories.csv")


@bp.get("/my")
@login_required
def my_chances() -> Any:
    return render_template("panels/my.html", chances=services.own_chances(current_user))


# --- coordinator: set-up -----------------------------------------------------------------


@bp.get("/manage")
@permission_required("panels.manage")
def manage_panels() -> Any:
    panels = db.all(select(Panel).order_by(Panel.created_at.desc()))
    return render_template("panels/manage_list.html", panels=panels)


def _panel_values(form: PanelForm) -> dict[str, Any]:
    features = [f for f in form.features.data if f]
    return {
        "question": form.question.data,
        "description": form.description.data or "",
        "size": form.size.data,
        "starts_on": form.starts_on.data,
        "ends_on": form.ends_on.data,
        "features": features,
        "municipality_groups": form.parsed_groups if "municipality_group" in features else {},
        "pays_fee": bool(form.pays_fee.data),
    }


@bp.route("/manage/new", methods=["GET", "POST"])
@permission_required("panels.manage")
def new_panel() -> Any:
    form = PanelForm()
    if request.method == "GET":
        form.size.data = 36
        form.features.data = ["age_band", "gender", "municipality_group", "language"]
        form.municipality_groups.data = format_groups(DEFAULT_MUNICIPALITY_GROUPS)
    if form.validate_on_submit():
        panel = services.create_panel(actor=current_user, **_panel_values(form))
        flash(_("The panel was created. Check the proposed quotas."), "success")
        return redirect(url_for("panels.edit_quotas", panel_id=panel.id))
    return render_template("panels/edit.html", form=form, panel=None), (
        400 if request.method == "POST" else 200
    )


@bp.route("/<int:panel_id>/edit", methods=["GET", "POST"])
@permission_required("panels.manage")
def edit_panel(panel_id: int) -> Any:
    panel = _managed_panel(panel_id)
    form = PanelForm(obj=panel)
    if request.method == "GET":
        form.municipality_groups.data = format_groups(
            panel.municipality_groups or DEFAULT_MUNICIPALITY_GROUPS
        )
    if form.validate_on_submit():
        try:
            reproposed = services.update_panel(
                actor=current_user, panel=panel, **_panel_values(form)
            )
        except services.PanelError as error:
            form.form_errors.extend(_error_message(error))
        else:
            flash(_("The panel was saved."), "success")
            if reproposed:
                flash(_("The quotas were proposed again for the new size or features."), "success")
            return redirect(url_for("panels.manage_panel", panel_id=panel.id))
    status = 400 if request.method == "POST" else 200
    return render_template("panels/edit.html", form=form, panel=panel), status


@bp.get("/<int:panel_id>/manage")
@permission_required("panels.manage")
def manage_panel(panel_id: int) -> Any:
    panel = _managed_panel(panel_id)
    draw = services.current_draw(panel)
    members = services.panel_members(panel, include_dropped=True)
    sessions = db.all(
        select(PanelSession).where(PanelSession.panel_id == panel.id).order_by(PanelSession.held_on)
    )
    materials = db.all(select(PanelMaterial).where(PanelMaterial.panel_id == panel.id))
    recommendations = db.all(
        select(PanelRecommendation).where(PanelRecommendation.panel_id == panel.id)
    )
    candidates = len(services.active_candidates(panel))
    return render_template(
        "panels/manage.html",
        panel=panel,
        draw=draw,
        members=members,
        sessions=sessions,
        materials=materials,
        recommendations=recommendations,
        candidates=candidates,
        action=ActionForm(),
        session_form=SessionForm(formdata=None),
        material_form=MaterialForm(formdata=None),
        recommendation_form=RecommendationForm(formdata=None),
        **_labels(),
    )


@bp.post("/<int:panel_id>/publish")
@permission_required("panels.manage")
def publish_panel(panel_id: int) -> Any:
    panel = _managed_panel(panel_id)
    return _act(
        panel,
        lambda: services.publish_panel(actor=current_user, panel=panel),
        _("The panel is now public."),
        "panels.manage_panel",
    )


@bp.post("/<int:panel_id>/close")
@permission_required("panels.manage")
def close_panel(panel_id: int) -> Any:
    panel = _managed_panel(panel_id)
    if ActionForm().validate_on_submit():
        services.close_panel(actor=current_user, panel=panel)
        flash(_("The panel was marked as finished."), "success")
    return redirect(url_for("panels.manage_panel", panel_id=panel.id))


# --- coordinator: quotas -----------------------------------------------------------------


def _quota_page(panel: Panel, form: QuotasForm, errors: list[str], status: int = 200) -> Any:
    candidates = services.active_candidates(panel)
    check = services.check_quotas(panel, candidates)
    counts: dict[tuple[str, str], int] = {}
    for candidate in candidates:
        for feature, value in candidate.features.items():
            counts[(feature, value)] = counts.get((feature, value), 0) + 1
    feasibility_messages: list[str] = []
    if check.feasibility is not None and not check.feasibility.feasible:
        error = services.PanelError(
            "infeasible", explanation=services.explanation_data(check.feasibility)
        )
        feasibility_messages = _error_message(error)
    elif check.uncovered:
        feasibility_messages = _error_message(
            services.PanelError("uncovered", uncovered=check.uncovered)
        )
    return render_template(
        "panels/quotas.html",
        panel=panel,
        form=form,
        errors=errors,
        counts=counts,
        check=check,
        feasibility_messages=feasibility_messages,
        submitted=request.form if request.method == "POST" else None,
        action=ActionForm(),
        locked=services.has_draw(panel),
        **_labels(),
    ), status


@bp.route("/<int:panel_id>/quotas", methods=["GET", "POST"])
@permission_required("panels.manage")
def edit_quotas(panel_id: int) -> Any:
    panel = _managed_panel(panel_id)
    form = QuotasForm()
    if not form.validate_on_submit():
        return _quota_page(panel, form, [], 400 if request.method == "POST" else 200)
    bounds: list[tuple[int, int]] = []
    errors: list[str] = []
    for index, quota in enumerate(panel.quotas):
        try:
            low = int(request.form.get(f"min-{index}", ""))
            high = int(request.form.get(f"max-{index}", ""))
        except ValueError:
            errors.append(
                _(
                    "%(category)s: enter whole numbers.",
                    category=category_label(quota["feature"], quota["value"], current_locale()),
                )
            )
            continue
        bounds.append((low, high))
    if not errors:
        try:
            services.update_quotas(actor=current_user, panel=panel, bounds=bounds)
        except services.PanelError as error:
            errors.extend(_error_message(error))
        else:
            flash(_("The quotas were saved."), "success")
            return redirect(url_for("panels.edit_quotas", panel_id=panel.id))
    return _quota_page(panel, form, errors, 400)


@bp.post("/<int:panel_id>/quotas/propose")
@permission_required("panels.manage")
def propose_quotas(panel_id: int) -> Any:
    panel = _managed_panel(panel_id)
    return _act(
        panel,
        lambda: services.reset_quotas(actor=current_user, panel=panel),
        _("The quotas were proposed again from the county population."),
        "panels.edit_quotas",
    )


# --- coordinator: candidates -------------------------------------------------------------


def _candidate_page(
    panel: Panel,
    email_form: EmailListForm | None = None,
    upload_form: UploadForm | None = None,
    status: int = 200,
) -> Any:
    activity = services.panel_activity(panel)
    invitation_url = (
        url_for("pool.new_invitation", activity_id=activity.id) if activity is not None else None
    )
    return render_template(
        "panels/candidates.html",
        panel=panel,
        candidates=services.active_candidates(panel),
        email_form=email_form or EmailListForm(formdata=None),
        upload_form=upload_form or UploadForm(formdata=None),
        action=ActionForm(),
        invitation_url=invitation_url,
        **_labels(),
    ), status


@bp.get("/<int:panel_id>/candidates")
@permission_required("panels.manage")
def list_candidates(panel_id: int) -> Any:
    return _candidate_page(_managed_panel(panel_id))


@bp.post("/<int:panel_id>/candidates/emails")
@permission_required("panels.manage")
def add_candidates(panel_id: int) -> Any:
    panel = _managed_panel(panel_id)
    form = EmailListForm()
    if form.validate_on_submit():
        try:
            added, missing = services.add_candidates_by_email(
                actor=current_user, panel=panel, emails=form.emails.data.splitlines()
            )
        except services.PanelError as error:
            form.form_errors.extend(_error_message(error))
        else:
            flash(
                ngettext("%(num)d candidate added.", "%(num)d candidates added.", added), "success"
            )
            if missing:
                flash(
                    ngettext(
                        "%(num)d address has no account.",
                        "%(num)d addresses have no account.",
                        missing,
                    ),
                    "error",
                )
            return redirect(url_for("panels.list_candidates", panel_id=panel.id))
    return _candidate_page(panel, email_form=form, status=400)


@bp.post("/<int:panel_id>/candidates/upload")
@permission_required("panels.manage")
def upload_candidates(panel_id: int) -> Any:
    panel = _managed_panel(panel_id)
    form = UploadForm()
    if form.validate_on_submit():
        text = decode_upload(form.people.data.read())
        try:
            if text is None:
                raise services.PanelError("csv_not_text")
            added = services.upload_candidates(actor=current_user, panel=panel, text=text)
        except services.PanelError as error:
            form.form_errors.extend(_error_message(error))
        else:
            flash(
                ngettext("%(num)d candidate added.", "%(num)d candidates added.", added), "success"
            )
            return redirect(url_for("panels.list_candidates", panel_id=panel.id))
    return _candidate_page(panel, upload_form=form, status=400)


@bp.post("/<int:panel_id>/candidates/pool")
@permission_required("panels.manage")
def import_respondents(panel_id: int) -> Any:
    panel = _managed_panel(panel_id)
    if ActionForm().validate_on_submit():
        try:
            added = services.import_pool_respondents(actor=current_user, panel=panel)
        except services.PanelError as error:
            _flash_error(error)
        else:
            flash(
                ngettext("%(num)d candidate added.", "%(num)d candidates added.", added), "success"
            )
    return redirect(url_for("panels.list_candidates", panel_id=panel.id))


@bp.post("/<int:panel_id>/candidates/<int:candidate_id>/withdraw")
@permission_required("panels.manage")
def withdraw_candidate(panel_id: int, candidate_id: int) -> Any:
    panel = _managed_panel(panel_id)
    candidate = _part_of(panel, PanelCandidate, candidate_id)
    return _act(
        panel,
        lambda: services.withdraw_candidate(actor=current_user, panel=panel, candidate=candidate),
        _("The candidate was removed from the list."),
        "panels.list_candidates",
    )


# --- coordinator: the draw ---------------------------------------------------------------


def _draw_page(
    panel: Panel,
    seed_form: SeedForm | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> Any:
    draw = services.current_draw(panel)
    if seed_form is None:
        seed_form = SeedForm(
            formdata=None, seed=panel.seed, seed_source=panel.seed_source, method=panel.method
        )
    stale = draw is not None and services.draw_is_stale(draw)
    running = (
        draw is not None and draw.status in (DrawStatus.QUEUED, DrawStatus.RUNNING) and not stale
    )
    explanation: list[str] = []
    failure = ""
    if draw is not None and draw.status == DrawStatus.FAILED and draw.job is not None:
        failure = solver_failure_sentence(draw.job.error)
    if draw is not None and draw.status == DrawStatus.INFEASIBLE:
        explanation = _error_message(
            services.PanelError("infeasible", explanation=draw.explanation)
        )
    return render_template(
        "panels/draw.html",
        panel=panel,
        draw=draw,
        running=running,
        stale=stale,
        # The page reloads itself while the draw runs (no script needed); people using a
        # screen reader can stop that, since every reload starts reading from the top.
        auto_refresh=request.args.get("auto") == "1",
        seed_form=seed_form,
        errors=errors or [],
        explanation=explanation,
        failure=failure,
        lottery_note=_lottery_note(draw) if draw and draw.status == DrawStatus.DONE else "",
        candidates=len(services.active_candidates(panel)),
        action=ActionForm(),
        **_labels(),
    ), status


@bp.get("/<int:panel_id>/draw")
@permission_required("panels.manage")
def show_draw(panel_id: int) -> Any:
    return _draw_page(_managed_panel(panel_id))


@bp.post("/<int:panel_id>/seed")
@permission_required("panels.manage")
def announce_seed(panel_id: int) -> Any:
    panel = _managed_panel(panel_id)
    form = SeedForm()
    done = _submit_form(
        form,
        lambda: services.announce_seed(
            actor=current_user,
            panel=panel,
            seed=form.seed.data,
            seed_source=form.seed_source.data or "",
            method=form.method.data,
        ),
        success=_("The seed is announced on the panel's public report."),
        then=url_for("panels.show_draw", panel_id=panel.id),
    )
    return done or _draw_page(panel, seed_form=form, status=400)


@bp.post("/<int:panel_id>/draw")
@permission_required("panels.manage")
def start_draw(panel_id: int) -> Any:
    panel = _managed_panel(panel_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("panels.show_draw", panel_id=panel.id))
    try:
        services.start_draw(actor=current_user, panel=panel)
    except services.PanelError as error:
        return _draw_page(panel, errors=_error_message(error), status=400)
    flash(_("The draw has started. You can leave this page and come back."), "success")
    return redirect(url_for("panels.show_draw", panel_id=panel.id))


@bp.post("/<int:panel_id>/draw/verify")
@permission_required("panels.manage")
def verify_draw(panel_id: int) -> Any:
    panel = _managed_panel(panel_id)
    draw = _finished_draw(panel)
    if ActionForm().validate_on_submit():
        result = services.reproduce_draw(draw)
        if result.matches:
            flash(_("Re-run from the stored snapshot, quotas and seed: the same panel."), "success")
        else:
            flash(_("Re-run gave a different panel. Report this to the administrator."), "error")
    return redirect(url_for("panels.show_draw", panel_id=panel.id))


@bp.route("/<int:panel_id>/members/<int:member_id>/replace", methods=["GET", "POST"])
@permission_required("panels.manage")
def replace_member(panel_id: int, member_id: int) -> Any:
    panel = _managed_panel(panel_id)
    member = _part_of(panel, PanelMember, member_id)
    form = ReplacementForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            draw = services.replace_member(
                actor=current_user, panel=panel, member=member, seed=form.seed.data
            )
        except services.PanelError as error:
            errors = _error_message(error)
        else:
            flash(
                ngettext(
                    "%(num)d replacement drawn.",
                    "%(num)d replacements drawn.",
                    len(draw.replacements),
                ),
                "success",
            )
            return redirect(url_for("panels.manage_panel", panel_id=panel.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "panels/replace.html", panel=panel, member=member, form=form, errors=errors, **_labels()
    ), status


@bp.route("/<int:panel_id>/members/<int:member_id>/account", methods=["GET", "POST"])
@permission_required("panels.manage")
def link_member_account(panel_id: int, member_id: int) -> Any:
    panel = _managed_panel(panel_id)
    member = _part_of(panel, PanelMember, member_id)
    form = LinkAccountForm()
    done = _submit_form(
        form,
        lambda: services.link_member_account(
            actor=current_user, panel=panel, member=member, email=form.email.data
        ),
        success=_("The member was linked to the account."),
        then=url_for("panels.manage_panel", panel_id=panel.id),
    )
    if done is not None:
        return done
    status = 400 if request.method == "POST" else 200
    return render_template(
        "panels/link_account.html", panel=panel, member=member, form=form
    ), status


# --- coordinator: workspace --------------------------------------------------------------


@bp.post("/<int:panel_id>/sessions")
@permission_required("panels.manage")
def add_session(panel_id: int) -> Any:
    panel = _managed_panel(panel_id)
    form = SessionForm()
    if form.validate_on_submit():
        services.add_session(
            actor=current_user,
            panel=panel,
            title=form.title.data,
            held_on=form.held_on.data,
            hours=form.hours.data,
            location=form.location.data or "",
        )
        flash(_("The session was added."), "success")
        return redirect(url_for("panels.manage_panel", panel_id=panel.id))
    return render_template("panels/form_page.html", panel=panel, form=form, kind="session"), 400


@bp.route("/<int:panel_id>/sessions/<int:session_id>", methods=["GET", "POST"])
@permission_required("panels.manage")
def record_attendance(panel_id: int, session_id: int) -> Any:
    panel = _managed_panel(panel_id)
    session = _part_of(panel, PanelSession, session_id)
    members = services.panel_members(panel, include_dropped=True)
    form = ActionForm()
    done = _submit_form(
        form,
        lambda: services.record_attendance(
            actor=current_user,
            panel=panel,
            session=session,
            attendance={
                m.id: request.form.get(f"attendance-{m.id}", Attendance.ABSENT)
                for m in members
                if m.candidate.user_id is not None
            },
        ),
        success=lambda recorded: ngettext(
            "Attendance recorded for %(num)d member.",
            "Attendance recorded for %(num)d members.",
            recorded,
        ),
        then=url_for("panels.manage_panel", panel_id=panel.id),
    )
    if done is not None:
        return done
    return render_template(
        "panels/attendance.html",
        panel=panel,
        session=session,
        members=members,
        recorded=services.session_attendance(session),
        form=form,
    ), (400 if request.method == "POST" else 200)


@bp.post("/<int:panel_id>/materials")
@permission_required("panels.manage")
def add_material(panel_id: int) -> Any:
    panel = _managed_panel(panel_id)
    form = MaterialForm()
    done = _submit_form(
        form,
        lambda: services.add_material(
            actor=current_user,
            panel=panel,
            title=form.title.data,
            url=form.url.data or "",
            text=form.text.data or "",
        ),
        success=_("The material was added."),
        then=url_for("panels.manage_panel", panel_id=panel.id),
    )
    return done or render_template(
        "panels/form_page.html", panel=panel, form=form, kind="material"
    ), 400


@bp.post("/<int:panel_id>/recommendations")
@permission_required("panels.manage")
def add_recommendation(panel_id: int) -> Any:
    panel = _managed_panel(panel_id)
    form = RecommendationForm()
    if form.validate_on_submit():
        services.add_recommendation(
            actor=current_user, panel=panel, title=form.title.data, text=form.text.data or ""
        )
        flash(_("The recommendation was recorded and waits for the county's response."), "success")
        return redirect(url_for("panels.manage_panel", panel_id=panel.id))
    return render_template(
        "panels/form_page.html", panel=panel, form=form, kind="recommendation"
    ), 400
