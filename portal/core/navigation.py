"""The main navigation: one list, filtered by what the signed-in user may open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.core.i18n import LOCALE_NAMES, LOCALES, current_locale
from portal.core.permissions import PUBLIC, user_has_permission
from portal.councils.navigation import COUNCILS_NAVIGATION
from portal.experts.navigation import EXPERTS_NAVIGATION
from portal.fees.navigation import FEES_NAVIGATION
from portal.initiatives import labels as initiative_labels
from portal.panels import labels as panel_labels


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any
    access: str = PUBLIC  # PUBLIC or a permission name


# Public entries first, then working tools; domains add their entries here.
MAIN_NAVIGATION: tuple[NavItem, ...] = (
    NavItem("public.home", _l("Take part")),
    NavItem("initiatives.list_initiatives", initiative_labels.NAV_INITIATIVES),
    NavItem("pool.join", _l("Resident pool")),
    NavItem("pool.list_members", _l("Pool registry"), "pool.manage"),
    NavItem("impact.public_outputs", _l("You said, we did")),
    NavItem("impact.dashboard", _l("Impact"), "impact.view"),
    NavItem("panels.list_panels", panel_labels.NAV_PANELS),
    NavItem("panels.manage_panels", panel_labels.NAV_MANAGE_PANELS, "panels.manage"),
    NavItem("deliberation.list_conversations", _l("Discussions")),
    NavItem("deliberation.manage_conversations", _l("Deliberations"), "deliberation.manage"),
    NavItem("impact.list_outputs", _l("Responses"), "impact.view"),
    *(NavItem(*entry) for entry in COUNCILS_NAVIGATION),
    *(NavItem(*entry) for entry in EXPERTS_NAVIGATION),
    *(NavItem(*entry) for entry in FEES_NAVIGATION),
    NavItem("initiatives.manage", initiative_labels.NAV_HANDLING, "initiatives.decide"),
    NavItem("core.list_audit_entries", _l("Audit log"), "audit.view"),
    NavItem("accounts.list_users", _l("Users"), "admin.manage_users"),
    NavItem("accounts.list_units", _l("Units"), "admin.manage_units"),
)


def visible_navigation() -> list[NavItem]:
    """Ways to take part: the same for everyone."""
    return [item for item in MAIN_NAVIGATION if item.access == PUBLIC]


def tool_navigation() -> list[NavItem]:
    """Working tools the signed-in user's roles open, in a navigation of their own."""
    return [
        item
        for item in MAIN_NAVIGATION
        if item.access != PUBLIC and user_has_permission(current_user, item.access)
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
        "tool_navigation": tool_navigation,
        "language_links": language_links,
        "current_locale": current_locale,
    }
