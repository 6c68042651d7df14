"""Channels run by staff: sending SMS surveys and the gateway's inbound webhook."""

from __future__ import annotations

import hmac
from typing import Any

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.core.forms import choice_list
from portal.core.permissions import permission_required, public
from portal.extensions import csrf, limiter
from portal.feedback import labels, services
from portal.feedback.forms import ImportForm, SmsForm
from portal.feedback.services import FeedbackError
from portal.feedback.views.admin import entry_units
from portal.feedback.views.blueprint import bp, unit_options


@bp.route("/sms", methods=["GET", "POST"])
@permission_required("feedback.enter")
def send_sms() -> Any:
    units = entry_units()
    form = SmsForm()
    form.unit.choices = choice_list(unit_options(units))
    if form.validate_on_submit():
        unit = {u.id: u for u in units}.get(form.unit.data)
        try:
            if unit is None:
                raise FeedbackError("unit_required")
            services.send_sms_survey(unit=unit, phone=form.phone.data, language=form.language.data)
        except FeedbackError as error:
            form.phone.errors.append(labels.error_message(error))
        else:
            flash(_("The SMS survey was sent. The phone number was not stored."), "success")
            return redirect(url_for("feedback.send_sms"))
    return render_template("feedback/sms.html", form=form, units=units), (
        422 if form.errors else 200
    )


@bp.route("/sms/inbound", methods=["POST"])
@public
@csrf.exempt  # called by the SMS operator, authenticated by the shared secret
@limiter.limit("600 per minute")
def sms_inbound() -> Any:
    secret = current_app.config["PORTAL"].feedback_sms_inbound_secret
    given = request.headers.get("X-Sms-Secret", "")
    if not secret or not hmac.compare_digest(secret, given):
        return jsonify({"error": "unauthorised"}), 401
    data = request.get_json(silent=True) or request.form
    answer = services.receive_sms_reply(
        sender=str(data.get("from", "")), text=str(data.get("text", ""))
    )
    return jsonify({"stored": answer is not None}), 200


@bp.route("/import", methods=["GET", "POST"])
@permission_required("feedback.enter")
def import_answers() -> Any:
    units = entry_units()
    form = ImportForm()
    form.unit.choices = choice_list([(0, "–"), *unit_options(units)])
    report = None
    status = 200
    if form.validate_on_submit():
        default = {u.id: u for u in units}.get(form.unit.data or 0)
        try:
            report = services.import_answers(
                data=form.file.data.read(), allowed_units=units, default_unit=default
            )
        except FeedbackError as error:
            form.file.errors.append(labels.error_message(error))
            status = 422
        else:
            if report.errors:
                status = 422
            else:
                flash(
                    _(
                        "%(stored)s answers were imported (%(repeated)s were there already).",
                        stored=report.stored,
                        repeated=report.repeated,
                    ),
                    "success",
                )
                return redirect(url_for("feedback.import_answers"))
    elif form.errors:
        status = 422
    messages = (
        [
            (line, labels.error_message(FeedbackError(code, **params)))
            for line, code, params in report.errors
        ]
        if report
        else []
    )
    return render_template(
        "feedback/import.html", form=form, units=units, row_errors=messages
    ), status
