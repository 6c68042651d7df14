"""How the pool compares with the county's population (representativeness)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.core.population import (
    AGE_BANDS,
    age_band,
    age_band_shares,
    gender_shares,
    language_shares,
    municipality_shares,
)
from portal.extensions import db
from portal.pool import validation as checks
from portal.pool.models import MemberStatus, PoolMember
from portal.pool.services._common import _today
from portal.pool.services.members import municipalities


@dataclass(frozen=True)
class CompositionRow:
    key: str
    label: str
    count: int
    share: float
    population_share: float | None

    @property
    def ratio(self) -> float | None:
        if not self.population_share:
            return None
        return self.share / self.population_share


def pool_composition(*, locale: str) -> dict[str, list[CompositionRow]]:
    """Active and paused members by age band, gender, municipality and language vs the county."""

    def grouped(column: Any) -> list[tuple[Any, int]]:
        return list(
            db.session.execute(
                select(column, func.count())
                .select_from(PoolMember)
                .join(User, User.id == PoolMember.user_id)
                .where(PoolMember.status.in_((MemberStatus.ACTIVE, MemberStatus.PAUSED)))
                .group_by(column)
            )
        )

    ages: Counter[str] = Counter()
    genders: Counter[str] = Counter()
    places: Counter[int | None] = Counter()
    languages: Counter[str] = Counter()
    today = _today()
    for birth_year, count in grouped(User.birth_year):
        ages[age_band(birth_year, today) or "unknown"] += count
    for gender, count in grouped(User.gender):
        genders[gender or "undisclosed"] += count
    for municipality_id, count in grouped(User.municipality_id):
        places[municipality_id] += count
    for language, count in grouped(User.language):
        languages[language or "other"] += count
    total = sum(genders.values())

    def share(count: int) -> float:
        return count / total if total else 0.0

    age_ref = age_band_shares()
    gender_ref = gender_shares()
    place_ref = municipality_shares()
    language_ref = language_shares().as_mapping()
    result: dict[str, list[CompositionRow]] = {}
    result["age_band"] = [
        CompositionRow(
            band.label,
            band.label,
            ages[band.label],
            share(ages[band.label]),
            age_ref.get(band.label),
        )
        for band in AGE_BANDS
    ]
    result["gender"] = [
        CompositionRow(key, key, genders[key], share(genders[key]), gender_ref.get(key))
        for key in checks.GENDERS
    ]
    result["municipality"] = [
        CompositionRow(
            item.slug,
            item.name(locale),
            places[item.id],
            share(places[item.id]),
            place_ref.get(item.slug),
        )
        for item in municipalities()
    ]
    result["municipality"].append(
        CompositionRow("other", "other", places[None], share(places[None]), None)
    )
    result["language"] = [
        CompositionRow(key, key, languages[key], share(languages[key]), language_ref.get(key))
        for key in checks.LANGUAGES
    ]
    return result


def active_member_count() -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(PoolMember)
            .where(PoolMember.status.in_((MemberStatus.ACTIVE, MemberStatus.PAUSED)))
        )
        or 0
    )
