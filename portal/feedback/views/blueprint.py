"""The feedback blueprint and helpers its route modules share."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from flask import Blueprint, current_app, request

from portal.accounts.models import OrgUnit
from portal.core.i18n import current_locale
from portal.core.views_helpers import submit_form
from portal.feedback import labels
from portal.feedback.services import LANGUAGES

bp = Blueprint("feedback", __name__, url_prefix="/feedback")

submit_feedback_form = partial(submit_form, messages=labels.error_message)
"""The shared form submission, explaining a broken rule with feedback's own messages."""


def chosen_language(value: str | None = None) -> str:
    """The language asked for in the link or form, else the page's locale."""
    wanted = value or request.values.get("lang")
    return wanted if wanted in LANGUAGES else current_locale()


def unit_options(units: Iterable[OrgUnit]) -> list[tuple[int, str]]:
    """The units as (id, name in the page's language) pairs for a unit choice."""
    locale = current_locale()
    return [(unit.id, unit.name(locale)) for unit in units]


def intake_limit() -> str:
    return current_app.config["PORTAL"].feedback_rate_limit


def kiosk_limit() -> str:
    return current_app.config["PORTAL"].feedback_kiosk_rate_limit


def kiosk_key() -> str:
    """Rate-limit kiosks per device (the token in the address), not per network address:
    several tablets of one waiting room share a network address."""
    return "kiosk:" + str((request.view_args or {}).get("token", ""))
