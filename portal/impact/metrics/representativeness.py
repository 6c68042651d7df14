"""Representativeness of participants against the population."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from portal.impact.metrics.periods import _ratio


@dataclass(frozen=True, slots=True)
class CategoryShare:
    """One category of a representativeness comparison.

    ``share`` is the category's share of participants whose category is known;
    ``population_share`` its share of the reference population; ``ratio`` is
    ``share / population_share`` (1 = proportional, 2 = twice over-represented).
    """

    category: str
    count: int
    share: float | None
    population_share: float
    ratio: float | None


@dataclass(frozen=True, slots=True)
class Representativeness:
    """Participants compared with the population over one dimension.

    ``index`` is 1 minus the dissimilarity index, ``1 - 0.5 * sum(|p_i - q_i|)``: 1 when
    participants mirror the population exactly, 0 when they share no category. Computed
    over participants with a known category; ``unknown`` counts the others, and
    ``unmatched`` lists values that were given but are not reference categories (a typo
    or a new municipality, say), which are also included in ``unknown``.
    """

    categories: tuple[CategoryShare, ...]
    known: int
    unknown: int
    unmatched: tuple[str, ...]
    index: float | None


def representativeness(
    categories: Iterable[str | None], population_shares: Mapping[str, float]
) -> Representativeness:
    """Compare participants' categories with the population's shares.

    ``categories`` holds one value per distinct participant (an age band, gender,
    municipality slug or language; None when unknown). ``population_shares`` maps each
    reference category to its population share; the shares are normalised to add up to 1
    because published figures are rounded. Works the same for any dimension, e.g. with
    ``portal.core.population.age_band_shares()``.
    """
    total_reference = float(sum(population_shares.values()))
    if any(v < 0 for v in population_shares.values()) or total_reference <= 0:
        raise ValueError("population shares must be non-negative and not all zero")
    reference = {k: float(v) / total_reference for k, v in population_shares.items()}
    # Counter hashes in C; faster than np.unique on object arrays and copes with None.
    counts = Counter(categories)
    known = sum(n for value, n in counts.items() if value in reference)
    unknown = sum(n for value, n in counts.items() if value not in reference)
    unmatched = tuple(
        sorted(str(v) for v in counts if v is not None and v != "" and v not in reference)
    )
    shares: list[CategoryShare] = []
    distance = 0.0
    for category, q in reference.items():
        count = counts.get(category, 0)
        p = _ratio(count, known)
        if p is not None:
            distance += abs(p - q)
        shares.append(
            CategoryShare(
                category=category,
                count=count,
                share=p,
                population_share=q,
                ratio=None if p is None else _ratio(p, q),
            )
        )
    return Representativeness(
        categories=tuple(shares),
        known=known,
        unknown=unknown,
        unmatched=unmatched,
        index=None if known == 0 else 1.0 - 0.5 * distance,
    )
