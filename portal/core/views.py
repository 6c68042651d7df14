"""Health check, the audit log viewer and the undelivered mail list."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal.core.audit import AuditFilter, audit_page
from portal.core.forms import CSRF_MESSAGE, ActionForm, AuditFilterForm
from portal.core.mail import mask_address, retry_mail, undelivered_messages
from portal.core.models import OutgoingMessage
from portal.core.permissions import permission_required, public
from portal.core.theme import brand_palette
from portal.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/healthz")
@public
def healthz():  # type: ignore[no-untyped-def]
    healthy = db.is_reachable()
    return jsonify(status="ok" if healthy else "unavailable", database=healthy), (
        200 if healthy else 503
    )


@bp.get("/theme.css")
@public
def theme_stylesheet():  # type: ignore[no-untyped-def]
    """The configured brand colour as CSS variables (the CSP allows no inline styles)."""
    palette = brand_palette(current_app.config["PORTAL"].brand_colour)
    css = f":root {{ --brand: {palette.brand}; --brand-dark: {palette.brand_dark}; }}\n"
    response = Response(css, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/theme/logo")
@public
def theme_logo():  # type: ignore[no-untyped-def]
    """The county's logo file, if one is configured."""
    path = current_app.config["PORTAL"].logo_path
    if not path:
        abort(404)
    response = send_file(path, max_age=3600)
    return response


@bp.get("/audit")
@permission_required("audit.view")
def list_audit_entries():  # type: ignore[no-untyped-def]
    form = AuditFilterForm(request.args, meta={"csrf": False})
    page = None
    if form.validate():
        start, end = form.start.data, form.end.data
        page = audit_page(
            AuditFilter(
                action=form.action.data or None,
                object_type=form.object_type.data or None,
                object_id=form.object_id.data or None,
                actor_id=form.actor.data,
                start=datetime.combine(start, time.min, UTC) if start else None,
                end=datetime.combine(end, time.max, UTC) if end else None,
            ),
            page=request.args.get("page", 1, type=int),
        )
    return render_template("core/audit.html", form=form, page=page)


@bp.get("/admin/mail")
@permission_required("admin.manage_mail")
def list_outgoing_mail():  # type: ignore[no-untyped-def]
    return render_template(
        "core/outbox.html",
        messages=undelivered_messages(),
        mask_address=mask_address,
        form=ActionForm(),
    )


@bp.post("/admin/mail/<int:message_id>/retry")
@permission_required("admin.manage_mail")
def retry_outgoing_mail(message_id: int):  # type: ignore[no-untyped-def]
    message = db.get_or_404(OutgoingMessage, message_id)
    form = ActionForm()
    if not form.validate_on_submit():
        flash(str(CSRF_MESSAGE), "error")
    elif retry_mail(actor=current_user, message=message):
        flash(_("The message will be sent again."), "success")
    else:
        flash(_("The message is already being sent or has been sent."), "info")
    return redirect(url_for("core.list_outgoing_mail"))
