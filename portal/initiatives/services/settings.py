"""The threshold rule of each year: its settings and the base it is computed from."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import User
from portal.core.population import county_totals
from portal.core.service_rows import row_for_key
from portal.extensions import db
from portal.initiatives import rules
from portal.initiatives.models import (
    InitiativeSettings,
)
from portal.initiatives.services._common import InitiativeError, audit


@dataclass(frozen=True)
class Rule:
    """The threshold rule in force for a year, with the base it was computed from."""

    year: int
    share: Decimal
    base: int
    base_is_population: bool
    handling_months: int
    collection_months: int

    @property
    def threshold(self) -> int:
        return rules.support_threshold(self.share, self.base)


def rule_for_year(year: int) -> Rule:
    """The settings of ``year``; without a row, the defaults and the county's population."""
    row = db.session.scalars(
        select(InitiativeSettings).where(InitiativeSettings.year == year)
    ).first()
    population = county_totals().population
    if row is None:
        return Rule(
            year=year,
            share=rules.DEFAULT_SUPPORT_SHARE,
            base=population,
            base_is_population=True,
            handling_months=rules.DEFAULT_HANDLING_MONTHS,
            collection_months=6,
        )
    return Rule(
        year=year,
        share=Decimal(row.support_share),
        base=row.eligible_voters if row.eligible_voters is not None else population,
        base_is_population=row.eligible_voters is None,
        handling_months=row.handling_months,
        collection_months=row.collection_months,
    )


def list_settings() -> list[InitiativeSettings]:
    return db.all(select(InitiativeSettings).order_by(InitiativeSettings.year))


def save_settings(
    *,
    actor: User,
    year: int,
    support_share: Decimal,
    eligible_voters: int | None,
    handling_months: int,
    collection_months: int,
) -> InitiativeSettings:
    """Create or update the rule of ``year`` (the share as a fraction, e.g. 0.02)."""
    if not (Decimal(0) < support_share <= Decimal(1)):
        raise InitiativeError("bad_share")
    if eligible_voters is not None and eligible_voters < 1:
        raise InitiativeError("bad_base")
    if not (1 <= handling_months <= 36 and 1 <= collection_months <= 36):
        raise InitiativeError("bad_months")
    row = row_for_key(InitiativeSettings, year=year)
    row.support_share = support_share
    row.eligible_voters = eligible_voters
    row.handling_months = handling_months
    row.collection_months = collection_months
    row.updated_by_id = actor.id
    db.session.flush()
    audit(
        actor,
        "settings_saved",
        "initiative_settings",
        year,
        support_share=str(support_share),
        eligible_voters=eligible_voters,
        handling_months=handling_months,
        collection_months=collection_months,
    )
    db.session.commit()
    return row
