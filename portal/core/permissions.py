"""Roles, the permission matrix and the decorators every view uses.

The matrix lives here and nowhere else: a view names the permission it needs, and
``tests/core/test_route_matrix.py`` walks every route with every role against this table.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, request
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])


class Role(enum.StrEnum):
    RESIDENT = "resident"
    STAFF = "staff"
    COORDINATOR = "coordinator"
    EXPERT = "expert"
    DECISION_MAKER = "decision_maker"
    FINANCE_APPROVER = "finance_approver"
    ADMIN = "admin"


R = Role

# permission name -> roles that hold it. Grouped by domain; keep names ``domain.verb``.
PERMISSIONS: dict[str, frozenset[Role]] = {
    # core and accounts
    "audit.view": frozenset({R.COORDINATOR, R.ADMIN}),
    "admin.manage_users": frozenset({R.ADMIN}),
    "admin.manage_units": frozenset({R.ADMIN}),
    "admin.manage_mail": frozenset({R.ADMIN}),
    # impact chain
    "impact.view": frozenset({R.DECISION_MAKER, R.COORDINATOR, R.ADMIN}),
    "impact.respond": frozenset({R.DECISION_MAKER}),
    "impact.record_output": frozenset({R.STAFF, R.COORDINATOR}),
    # resident pool
    "pool.manage": frozenset({R.COORDINATOR}),
    "pool.export": frozenset({R.COORDINATOR}),
    # councils, influence bodies and experience experts
    "councils.manage": frozenset({R.COORDINATOR}),
    "experts.manage": frozenset({R.COORDINATOR}),
    "experts.request": frozenset({R.STAFF, R.COORDINATOR}),
    "experts.own": frozenset({R.EXPERT}),
    # fees and invoicing
    "fees.claim": frozenset({R.EXPERT}),
    "fees.check": frozenset({R.COORDINATOR}),
    "fees.approve": frozenset({R.FINANCE_APPROVER}),
    "fees.see_identifiers": frozenset({R.FINANCE_APPROVER}),
    "fees.configure": frozenset({R.ADMIN}),
    "fees.report": frozenset({R.FINANCE_APPROVER, R.COORDINATOR, R.DECISION_MAKER}),
    # resident panels
    "panels.manage": frozenset({R.COORDINATOR}),
    # initiatives
    "initiatives.check": frozenset({R.COORDINATOR}),
    "initiatives.decide": frozenset({R.COORDINATOR, R.DECISION_MAKER}),
    "initiatives.configure": frozenset({R.COORDINATOR, R.ADMIN}),
    # deliberation
    "deliberation.manage": frozenset({R.COORDINATOR}),
    "deliberation.moderate": frozenset({R.COORDINATOR}),
    # customer feedback: staff handle their own unit's (or service area's) answers; the
    # scope within the permission is decided by ``portal.feedback.services.scope``
    "feedback.handle": frozenset({R.STAFF}),
    "feedback.enter": frozenset({R.STAFF, R.COORDINATOR}),
    "feedback.report": frozenset({R.DECISION_MAKER, R.STAFF, R.COORDINATOR, R.ADMIN}),
    "feedback.questionnaires": frozenset({R.ADMIN}),
    "feedback.themes": frozenset({R.COORDINATOR}),
    "feedback.devices": frozenset({R.ADMIN, R.COORDINATOR}),
}

PUBLIC = "public"
AUTHENTICATED = "authenticated"


def roles_with(permission: str) -> frozenset[Role]:
    return PERMISSIONS[permission]


def user_has_permission(user: Any, permission: str) -> bool:
    """Whether a (possibly anonymous) user holds ``permission`` through any of their roles."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(PERMISSIONS[permission] & user.role_set)


def public(view: F) -> F:
    """Mark a view as open to everyone, so the route walker knows it was meant that way."""
    view.access = PUBLIC  # type: ignore[attr-defined]
    return view


def login_required(view: F) -> F:
    """Any signed-in user may use the view (their own data)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return _to_login()
        return view(*args, **kwargs)

    wrapper.access = AUTHENTICATED  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def permission_required(permission: str) -> Callable[[F], F]:
    """Only users whose roles hold ``permission`` may use the view; others get 403."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return _to_login()
            if not user_has_permission(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        wrapper.access = permission  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def _to_login() -> Any:
    from flask import redirect, url_for

    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
