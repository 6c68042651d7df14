"""Where impact reports get the cost of activities from, without knowing the fees domain.

The fees domain registers a provider at import time; reports call ``cost_rows``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from portal.impact.metrics import CostRow

CostProvider = Callable[[date, date], Iterable[CostRow]]
_providers: list[CostProvider] = []


def register_cost_provider(provider: CostProvider) -> None:
    """Add a source of ``CostRow``s (fees and travel per activity and day, both inclusive)."""
    if provider not in _providers:
        _providers.append(provider)


def cost_rows(start: date, end: date) -> list[CostRow]:
    """All costs incurred between ``start`` and ``end`` (inclusive) from every provider."""
    rows: list[CostRow] = []
    for provider in _providers:
        rows.extend(provider(start, end))
    return rows
