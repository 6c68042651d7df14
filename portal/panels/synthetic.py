"""Synthetic volunteer pools shaped like the county's, for benchmarks, tests and demos (pure).

A real volunteer pool is skewed against the population it should represent: older people,
women and residents of Tampere volunteer more often, speakers of other languages less. The
draw's quotas correct for that, and a pool skewed this way is what makes a fair draw hard.
The shares below are rounded from the county's population structure and are fixed here, so
that a seed always gives the same pool even when the population tables are updated.

Four features with 17 categories: gender (3), age band (7), municipality group (4) and
language (3). :func:`county_quotas` puts each category's quota a few seats either side of
its population share, the way coordinators set them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from portal.panels.selection import Candidate, Category

COUNTY_SHARES: Mapping[str, Mapping[str, float]] = {
    "gender": {"woman": 0.505, "man": 0.49, "other": 0.005},
    "age": {
        "15-24": 0.139,
        "25-34": 0.161,
        "35-44": 0.150,
        "45-54": 0.134,
        "55-64": 0.148,
        "65-74": 0.145,
        "75+": 0.123,
    },
    "municipality": {
        "Tampere": 0.48,
        "neighbouring towns": 0.32,
        "northern towns": 0.09,
        "southern towns": 0.11,
    },
    "language": {"fi": 0.91, "sv": 0.004, "other": 0.086},
}

# How much more (or less) likely than its population share each group is to volunteer.
VOLUNTEER_SKEW: Mapping[str, Mapping[str, float]] = {
    "gender": {"woman": 1.25, "man": 0.75, "other": 1.0},
    "age": {
        "15-24": 0.45,
        "25-34": 0.7,
        "35-44": 0.85,
        "45-54": 1.0,
        "55-64": 1.35,
        "65-74": 1.7,
        "75+": 1.1,
    },
    "municipality": {
        "Tampere": 1.6,
        "neighbouring towns": 1.0,
        "northern towns": 0.7,
        "southern towns": 0.8,
    },
    "language": {"fi": 1.0, "sv": 0.6, "other": 0.5},
}


def county_pool(size: int, seed: int, skew: float = 1.0) -> list[Candidate]:
    """``size`` volunteers with ids ``v0001``..., drawn from the skewed county shares.

    ``skew`` is an exponent on :data:`VOLUNTEER_SKEW`: 0 draws from the population shares,
    2 from a pool twice as lopsided as the usual one.
    """
    rng = np.random.default_rng(seed)
    columns: dict[str, np.ndarray] = {}
    for feature, shares in COUNTY_SHARES.items():
        values = list(shares)
        weights = np.array([shares[v] * VOLUNTEER_SKEW[feature][v] ** skew for v in values])
        picks = rng.choice(len(values), size=size, p=weights / weights.sum())
        columns[feature] = np.array(values, dtype=object)[picks]
    return [
        Candidate(f"v{i + 1:04d}", {feature: str(columns[feature][i]) for feature in columns})
        for i in range(size)
    ]


def county_quotas(
    k: int, seed: int, widths: Sequence[int] = (2, 3), shares: Mapping = COUNTY_SHARES
) -> tuple[Category, ...]:
    """Quotas of ``round(share * k)`` plus or minus a width drawn from ``widths`` seats."""
    rng = np.random.default_rng(seed)
    quotas = []
    for feature, values in shares.items():
        total = sum(values.values())
        for value, share in values.items():
            expected = round(share / total * k)
            width = int(rng.choice(widths))
            quotas.append(
                Category(feature, value, max(0, expected - width), min(k, expected + width))
            )
    return tuple(quotas)


def people_csv(candidates: Iterable[Candidate], features: Sequence[str]) -> str:
    """The pool as a ``people.csv`` text (``id`` plus one column per feature)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", *features])
    for cand in candidates:
        writer.writerow([cand.id, *(cand.features[f] for f in features)])
    return out.getvalue()


def categories_csv(categories: Iterable[Category]) -> str:
    """The quotas as a ``categories.csv`` text (``feature,value,min,max``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["feature", "value", "min", "max"])
    for cat in categories:
        writer.writerow([cat.feature, cat.value, cat.min, cat.max])
    return out.getvalue()
