"""The main navigation: one list, filtered by what the signed-in user may open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.core.i18n import LOCALE_NAMES, LOCALES, current_locale
from portal.core.permissions import PUBLIC, user_has_permission


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any
    access: str = PUBLIC  # PUBLIC or a permission name


# Public entries first, then working tools; domains add their entries here.
MAIN_NAVIGATION: tuple[NavItem, ...] = (
    NavItem("public.home", _l("Take part")),
    NavItem("deliberation.list_conversations", _l("Discussions")),
    NavItem("deliberation.manage_conversations", _l("Deliberations"), "deliberation.manage"),
    NavItem("impact.list_outputs", _l("Responses"), "impact.view"),
    NavItem("core.list_audit_entries", _l("Audit log"), "audit.view"),
    NavItem("accounts.list_users", _l("Users"), "admin.manage_users"),
    NavItem("accounts.list_units", _l("Units"), "admin.manage_units"),
)


def visible_navigation() -> list[NavItem]:
    return [
        item
        for item in MAIN_NAVIGATION
        if item.access == PUBLIC or user_has_permission(current_user, item.access)
    ]


def language_links() -> list[dict[str, Any]]:
    """Links that switch language and come back to the same page."""
    here = request.full_path.rstrip("?") if request else "/"
    return [
        {
            "code": code,
            "name": LOCALE_NAMES[code],
            "url": url_for("core.set_language", code=code, next=here),
            "current": code == current_locale(),
        }
        for code in LOCALES
    ]


def navigation_context() -> dict[str, Any]:
    return {
        "main_navigation": visible_navigation,
        "language_links": language_links,
        "current_locale": current_locale,
    }
