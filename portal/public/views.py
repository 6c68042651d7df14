"""Home, privacy notice, accessibility statement and feedback, glossary, language switch."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from portal.core.i18n import LOCALE_NAMES, LOCALES, current_locale
from portal.core.permissions import public
from portal.core.urls import safe_next_url
from portal.extensions import limiter
from portal.public import services
from portal.public.forms import AccessibilityFeedbackForm
from portal.public.glossary import GLOSSARY

bp = Blueprint("public", __name__)


@bp.get("/")
@public
def home() -> Any:
    return render_template(
        "public/home.html", activities=services.open_activities(locale=current_locale())
    )


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


@bp.get("/glossary")
@public
def glossary() -> Any:
    """The words the portal uses, in Finnish, Swedish and English."""
    return render_template("public/glossary.html", terms=GLOSSARY, languages=LOCALES)


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


@bp.get("/language/<code>")
@public
def set_language(code: str) -> Any:
    # A link, so that it works everywhere without JavaScript; it only changes this
    # browser's session. The account's language (for email) is saved by a POST on the
    # account page, so a forged link cannot change what a signed-in person is sent.
    if code in LOCALES:
        session["locale"] = code
    return redirect(safe_next_url(request.args.get("next"), fallback=url_for("public.home")))


def language_links() -> list[dict[str, Any]]:
    """Links that switch language and come back to the same page."""
    here = request.full_path.rstrip("?") if request else "/"
    return [
        {
            "code": code,
            "name": LOCALE_NAMES[code],
            "url": url_for("public.set_language", code=code, next=here),
            "current": code == current_locale(),
        }
        for code in LOCALES
    ]


def language_context() -> dict[str, Any]:
    return {"language_links": language_links}
