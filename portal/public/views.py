"""Home, privacy notice, accessibility statement and accessibility feedback."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from portal.core.permissions import public
from portal.extensions import limiter
from portal.public import services
from portal.public.forms import AccessibilityFeedbackForm

bp = Blueprint("public", __name__)


@bp.get("/")
@public
def home() -> Any:
    return render_template("public/home.html", activities=services.open_activities())


@bp.get("/privacy")
@public
def privacy_notice() -> Any:
    return render_template("public/privacy.html", settings=current_app.config["PORTAL"])


@bp.get("/accessibility")
@public
def accessibility_statement() -> Any:
    return render_template(
        "public/accessibility.html",
        settings=current_app.config["PORTAL"],
        form=AccessibilityFeedbackForm(),
    )


@bp.route("/accessibility/feedback", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def accessibility_feedback() -> Any:
    form = AccessibilityFeedbackForm()
    if form.validate_on_submit():
        services.send_accessibility_feedback(
            page=form.page.data or "",
            description=form.description.data,
            email=form.email.data or None,
        )
        flash(
            _("Thank you. Your feedback was sent to the county's accessibility contact."), "success"
        )
        return redirect(url_for("public.accessibility_statement"))
    return render_template("public/feedback.html", form=form)
