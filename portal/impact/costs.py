"""Where impact reports get the cost of activities from, without knowing the fees domain.

Domains that incur costs (fees and travel) declare a cost provider in their ``Domain``; the
composition root installs it and reports call :func:`cost_rows`.
"""

from __future__ import annotations

from datetime import date

from portal.core.domains import cost_providers
from portal.impact.metrics import CostRow


def cost_rows(start: date, end: date) -> list[CostRow]:
    """All costs incurred between ``start`` and ``end`` (inclusive) from every provider."""
    rows: list[CostRow] = []
    for provider in cost_providers():
        rows.extend(provider(start, end))
    return rows
