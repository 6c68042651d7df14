"""Translated names of the impact chain's codes (kinds, decisions, statuses, categories)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from portal.impact.models import ActivityKind, Decision, ImplementationStatus, OutputKind


def kind_labels() -> dict[str, object]:
    return {
        ActivityKind.COUNCIL: _l("Council or influence body"),
        ActivityKind.PANEL: _l("Resident panel"),
        ActivityKind.DELIBERATION: _l("Online deliberation"),
        ActivityKind.INITIATIVE: _l("Initiative"),
        ActivityKind.EXPERT_ASSIGNMENT: _l("Experience expert assignment"),
        ActivityKind.WORKSHOP: _l("Workshop"),
        ActivityKind.FEEDBACK: _l("Feedback campaign"),
    }


def output_kind_labels() -> dict[str, object]:
    return {
        OutputKind.RECOMMENDATION: _l("Recommendation"),
        OutputKind.STATEMENT: _lp("council output", "Statement"),
        OutputKind.OPINION_GROUP_VIEW: _l("View of an opinion group"),
        OutputKind.CONSENSUS: _l("Shared view"),
        OutputKind.INITIATIVE_PROPOSAL: _l("Proposal of an initiative"),
        OutputKind.FEEDBACK: _l("Feedback"),
    }


def decision_labels() -> dict[str, object]:
    return {
        Decision.ACCEPTED: _l("Accepted"),
        Decision.PARTLY_ACCEPTED: _l("Partly accepted"),
        Decision.NOT_ACCEPTED: _l("Not accepted"),
        Decision.UNDER_CONSIDERATION: _l("Under consideration"),
    }


def status_labels() -> dict[str, object]:
    return {
        ImplementationStatus.NOT_STARTED: _l("Not started"),
        ImplementationStatus.IN_PROGRESS: _l("In progress"),
        ImplementationStatus.DONE: _l("Done"),
        ImplementationStatus.NOT_APPLICABLE: _l("Nothing to implement"),
    }


def granularity_labels() -> dict[str, object]:
    return {"month": _l("Month"), "quarter": _l("Quarter")}


def dimension_labels() -> dict[str, object]:
    return {
        "age_band": _l("Age"),
        "gender": _l("Gender"),
        "municipality": _l("Municipality"),
        "language": _l("Language"),
    }


def category_labels() -> dict[str, object]:
    """Names of gender and language categories (age bands and municipalities name themselves)."""
    return {
        "woman": _l("Women"),
        "man": _l("Men"),
        "fi": _l("Finnish"),
        "sv": _l("Swedish"),
        "other": _l("Other languages"),
    }
