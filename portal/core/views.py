"""Health check, language switch and the audit log viewer."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from portal.core.audit import AuditFilter, audit_page
from portal.core.forms import AuditFilterForm
from portal.core.i18n import LOCALES
from portal.core.permissions import permission_required, public
from portal.core.urls import safe_next_url
from portal.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/healthz")
@public
def healthz():  # type: ignore[no-untyped-def]
    healthy = db.is_reachable()
    return jsonify(status="ok" if healthy else "unavailable", database=healthy), (
        200 if healthy else 503
    )


@bp.get("/language/<code>")
@public
def set_language(code: str):  # type: ignore[no-untyped-def]
    if code in LOCALES:
        session["locale"] = code
        if current_user.is_authenticated:
            from portal.accounts.services import set_user_locale

            set_user_locale(user=current_user, locale=code)
    return redirect(safe_next_url(request.args.get("next"), fallback=url_for("public.home")))


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
