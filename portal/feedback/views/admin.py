"""Setting feedback up: questionnaires, the theme taxonomy, kiosk devices, paper entry."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.core.forms import ActionForm, choice_list
from portal.core.permissions import Role, permission_required
from portal.extensions import db
from portal.feedback import labels, services
from portal.feedback.forms import DeviceForm, EntryForm, QuestionnaireForm, ThemeForm
from portal.feedback.models import (
    Channel,
    Entry,
    FeedbackTheme,
    KioskDevice,
    QuestionKind,
    Questionnaire,
)
from portal.feedback.services import FeedbackError, QuestionText, Submission
from portal.feedback.views.blueprint import bp, submit_feedback_form, unit_options


def _all_units() -> list[OrgUnit]:
    return list(
        db.session.scalars(
            select(OrgUnit).where(OrgUnit.kind != OrgUnitKind.COUNTY).order_by(OrgUnit.name_fi)
        )
    )


def entry_units() -> list[OrgUnit]:
    """Units a person may type answers in for: coordinators all, staff their own."""
    if current_user.has_role(Role.COORDINATOR):
        return _all_units()
    return services.visible_units(current_user)


# --- questionnaires ------------------------------------------------------------------------


@bp.route("/questionnaires")
@permission_required("feedback.questionnaires")
def list_questionnaires() -> Any:
    services.ensure_seed_questionnaires()
    db.session.commit()
    rows = [(q, services.answer_count(q)) for q in services.all_questionnaires()]
    return render_template(
        "feedback/questionnaires.html", rows=rows, channel_labels=labels.channel_labels()
    )


@bp.route("/questionnaires/<int:questionnaire_id>", methods=["GET", "POST"])
@permission_required("feedback.questionnaires")
def edit_questionnaire(questionnaire_id: int) -> Any:
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    if questionnaire is None:
        abort(404)
    form = QuestionnaireForm(obj=questionnaire)
    error = None
    if form.validate_on_submit():
        texts = []
        for question in questionnaire.questions:
            if request.form.get(f"remove_{question.id}") == "1" and question.kind == "statement":
                continue
            texts.append(
                QuestionText(
                    kind=question.kind,
                    code=question.code,
                    fi=request.form.get(f"fi_{question.id}", question.text_fi),
                    sv=request.form.get(f"sv_{question.id}", question.text_sv),
                    en=request.form.get(f"en_{question.id}", question.text_en),
                    plain_fi=request.form.get(f"plain_fi_{question.id}", question.plain_fi),
                    plain_sv=request.form.get(f"plain_sv_{question.id}", question.plain_sv),
                    source=question.source,
                )
            )
        new_fi = request.form.get("new_fi", "").strip()
        if new_fi:
            texts.insert(
                len([t for t in texts if t.kind in ("nps", "statement")]),
                QuestionText(
                    kind="statement",
                    code="county_" + secrets.token_hex(3),
                    fi=new_fi,
                    sv=request.form.get("new_sv", ""),
                    en=request.form.get("new_en", ""),
                ),
            )
        try:
            saved = services.save_questionnaire(
                actor=current_user,
                questionnaire=questionnaire,
                titles=(form.title_fi.data, form.title_sv.data or "", form.title_en.data or ""),
                questions=texts,
            )
        except FeedbackError as problem:
            error = labels.error_message(problem)
        else:
            flash(
                _("The questionnaire was saved as version %(version)s.", version=saved.version),
                "success",
            )
            return redirect(url_for("feedback.edit_questionnaire", questionnaire_id=saved.id))
    return render_template(
        "feedback/questionnaire.html",
        questionnaire=questionnaire,
        form=form,
        error=error,
        answered=services.answer_count(questionnaire),
    ), (422 if error or form.errors else 200)


# --- themes --------------------------------------------------------------------------------


@bp.route("/themes")
@permission_required("feedback.themes")
def list_themes() -> Any:
    themes = services.all_themes()
    db.session.commit()
    suggestions = services.theme_suggestions() if request.args.get("suggest") == "1" else None
    return render_template("feedback/themes.html", themes=themes, suggestions=suggestions)


@bp.route("/themes/new", methods=["GET", "POST"])
@bp.route("/themes/<int:theme_id>", methods=["GET", "POST"])
@permission_required("feedback.themes")
def edit_theme(theme_id: int | None = None) -> Any:
    theme = db.session.get(FeedbackTheme, theme_id) if theme_id else None
    if theme_id and theme is None:
        abort(404)
    form = ThemeForm(obj=theme)
    if request.method == "GET" and theme is None and request.args.get("terms"):
        form.rules_fi.data = "\n".join(request.args.get("terms", "").split())[:4000]
    done = submit_feedback_form(
        form,
        lambda: services.save_theme(
            actor=current_user,
            theme=theme,
            code=form.code.data or "",
            names=(form.name_fi.data, form.name_sv.data or "", form.name_en.data or ""),
            rules=(
                form.rules_fi.data or "",
                form.rules_sv.data or "",
                form.rules_en.data or "",
            ),
            is_active=form.is_active.data,
            from_suggestion=bool(request.args.get("terms")),
        ),
        success=_("The theme was saved."),
        then=url_for("feedback.list_themes"),
        error_field=form.code,
    )
    return done or (
        render_template("feedback/theme.html", form=form, theme=theme),
        422 if form.errors else 200,
    )


# --- kiosk devices -------------------------------------------------------------------------


@bp.route("/devices", methods=["GET", "POST"])
@permission_required("feedback.devices")
def list_devices() -> Any:
    form = DeviceForm()
    units = _all_units()
    form.unit.choices = choice_list(unit_options(units))
    created = None
    if form.validate_on_submit():
        unit = db.session.get(OrgUnit, form.unit.data)
        if unit is None:
            abort(400)
        _device, secret = services.create_kiosk_device(unit=unit, name=form.name.data)
        created = url_for("feedback.kiosk", token=secret, _external=True)
    return render_template(
        "feedback/devices.html",
        form=form,
        devices=services.kiosk_devices(),
        created=created,
        units={u.id: u for u in units},
        revoke_form=ActionForm(),
    )


@bp.route("/devices/<int:device_id>/revoke", methods=["POST"])
@permission_required("feedback.devices")
def revoke_device(device_id: int) -> Any:
    device = db.session.get(KioskDevice, device_id)
    if device is None:
        abort(404)
    if ActionForm().validate_on_submit():
        services.revoke_kiosk_device(device)
        flash(_("The device can no longer send feedback."), "success")
    return redirect(url_for("feedback.list_devices"))


# --- paper entry ---------------------------------------------------------------------------


_STATEMENT_KINDS = (QuestionKind.STATEMENT, QuestionKind.BILINGUAL)


@bp.route("/entry", methods=["GET", "POST"])
@permission_required("feedback.enter")
def enter_paper() -> Any:
    units = entry_units()
    questionnaire = services.current_questionnaire(Channel.PAPER)
    db.session.commit()  # the national seed, when this is the first use
    statements = [q for q in questionnaire.questions if q.kind in _STATEMENT_KINDS]
    form = EntryForm()
    form.unit.choices = choice_list(unit_options(units))
    if request.method == "GET":
        form.submitted_on.data = date.today()
    if form.validate_on_submit():
        unit = {u.id: u for u in units}.get(form.unit.data)
        if unit is None:
            abort(403)
        if form.submitted_on.data > date.today():
            form.submitted_on.errors.append(_("The date cannot be in the future."))
        else:
            try:
                services.submit_answer(
                    Submission(
                        unit=unit,
                        channel=Channel.PAPER,
                        language=form.language.data,
                        score=form.score.data,
                        statements={
                            q.code: int(value)
                            for q in statements
                            if (value := request.form.get(f"q_{q.code}", "")).isdigit()
                        },
                        open_text=form.open_text.data or "",
                        entry=Entry.STAFF,
                        submitted_on=form.submitted_on.data,
                    ),
                    submission_id=services.submission_id_from_token(
                        request.form.get("token", ""), unit_id=0, channel=Channel.PAPER
                    ),
                    questionnaire=questionnaire,
                )
            except FeedbackError as problem:
                form.open_text.errors.append(labels.error_message(problem))
            else:
                flash(_("The paper answer was saved. Type in the next one."), "success")
                return redirect(url_for("feedback.enter_paper", unit=unit.id))
    elif request.method == "GET" and request.args.get("unit", type=int):
        form.unit.data = request.args.get("unit", type=int)
    return render_template(
        "feedback/entry.html",
        form=form,
        units=units,
        statements=statements,
        values=request.form,
        token=services.issue_form_token(0, Channel.PAPER),
    ), (422 if form.errors else 200)
