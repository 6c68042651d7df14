"""What each domain holds about a person, for export (GDPR art. 15/20) and erasure.

Each domain declares its handlers in its ``plugin`` module (:class:`~portal.core.domains.Domain`
``personal_data``); the accounts domain calls them all when a person downloads or erases
their data.
"""

from __future__ import annotations

from portal.core.domains import PersonalDataHandler, personal_data_handlers

__all__ = ["PersonalDataHandler", "handlers"]


def handlers() -> list[PersonalDataHandler]:
    return personal_data_handlers()
