"""Translated sentences for infeasible quotas, failed replacements and solver problems.

The selection module reports conflicts as data (:class:`~portal.panels.selection.Conflict`,
:class:`~portal.panels.selection.QuotaChange`); draws store that data, and this module turns
it into sentences in the reader's language.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask_babel import gettext as _

from portal.core.i18n import current_locale
from portal.panels.features import category_label, feature_label
from portal.panels.selection import NOTE_PARTIAL, Feasibility, Replacement, SelectionSolverError


def explanation_data(report: Feasibility | Replacement) -> dict[str, Any]:
    """The JSON stored with a draw that could not be made."""
    return {
        "conflicts": [asdict(c) for c in report.conflicts],
        "changes": [asdict(c) for c in report.changes],
    }


def _conflict_sentence(conflict: dict[str, Any]) -> str:
    code = conflict["code"]
    required, available = conflict["required"], conflict["available"]
    locale = current_locale()
    category = category_label(conflict["feature"], conflict["value"], locale)
    feature = feature_label(conflict["feature"])
    if code == "too_few_candidates":
        return _(
            "There are %(seats)d seats to fill but only %(available)d candidates to draw from "
            "(%(short)d too few).",
            seats=required,
            available=available,
            short=required - available,
        )
    if code == "min_above_available":
        return _(
            "%(category)s: the minimum is %(minimum)d but only %(available)d candidates belong "
            "to it (%(short)d too few).",
            category=category,
            minimum=required,
            available=available,
            short=required - available,
        )
    if code == "over_max":
        return _(
            "%(category)s: the members staying on the panel are already %(over)d over the maximum.",
            category=category,
            over=available,
        )
    if code == "minimums_exceed_size":
        return _(
            "%(feature)s: the minimums add up to %(total)d, which is %(over)d more than the "
            "%(seats)d seats.",
            feature=feature,
            total=required,
            over=required - available,
            seats=available,
        )
    if code == "maximums_below_size":
        return _(
            "%(feature)s: the maximums, counting only categories that have candidates, add up "
            "to %(total)d, which is %(short)d fewer than the %(seats)d seats.",
            feature=feature,
            total=available,
            short=required - available,
            seats=required,
        )
    if code == "legacy_dead_end":
        return _(
            "The legacy method kept running into dead ends with these quotas. Use the "
            "leximin method, which finds every panel that meets the quotas."
        )
    return _(
        "The quotas conflict when the features are combined: no group of %(seats)d candidates "
        "meets all of them at once.",
        seats=required,
    )


def _change_sentence(change: dict[str, Any]) -> str:
    category = category_label(change["feature"], change["value"], current_locale())
    if change["bound"] == "min":
        return _(
            "%(category)s: lower the minimum from %(old)d to %(new)d.",
            category=category,
            old=change["old"],
            new=change["new"],
        )
    return _(
        "%(category)s: raise the maximum from %(old)d to %(new)d.",
        category=category,
        old=change["old"],
        new=change["new"],
    )


def conflict_sentences(data: dict[str, Any]) -> list[str]:
    return [_conflict_sentence(c) for c in data.get("conflicts", [])]


def change_sentences(data: dict[str, Any]) -> list[str]:
    return [_change_sentence(c) for c in data.get("changes", [])]


def lottery_note_sentence(note: str) -> str:
    """Sentence for :attr:`~portal.panels.selection.Distribution.note` (empty when none)."""
    if note == NOTE_PARTIAL:
        return _(
            "The computation of the fairest lottery stopped early because of a solver problem. "
            "The panel was drawn from the best lottery found before that: every panel in it "
            "meets the quotas and the probabilities shown are exact, but they may be a little "
            "less even than the fairest possible."
        )
    return ""


def solver_failure_sentence(code: str = SelectionSolverError.code) -> str:
    """Sentence for a draw whose lottery could not be computed (``SelectionSolverError``)."""
    if code == SelectionSolverError.code:
        return _(
            "The lottery could not be computed because the optimisation solver failed, "
            "although the quotas can be met. No panel was drawn. Try the draw again; if it "
            "fails again, the details are in the server log."
        )
    return ""
