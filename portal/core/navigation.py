"""The main navigation: every domain's entries, filtered by what the signed-in user may open."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from portal.core.domains import NavItem, navigation_items
from portal.core.i18n import current_locale
from portal.core.permissions import PUBLIC, user_has_permission


def visible_navigation() -> list[NavItem]:
    """Ways to take part: the same for everyone."""
    return [item for item in navigation_items() if item.access == PUBLIC]


def tool_navigation() -> list[NavItem]:
    """Working tools the signed-in user's roles open, in a navigation of their own."""
    return [
        item
        for item in navigation_items()
        if item.access != PUBLIC and user_has_permission(current_user, item.access)
    ]


def navigation_context() -> dict[str, Any]:
    return {
        "main_navigation": visible_navigation,
        "tool_navigation": tool_navigation,
        "current_locale": current_locale,
    }
