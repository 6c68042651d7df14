"""Net Promoter Score and statement figures of customer feedback.

Pure module (standard library and NumPy only). The query layer passes score columns and
group keys; the functions here return the figures the feedback reports show.

NPS
    Answers to the recommendation question (0-10) are *promoters* (9-10), *passives*
    (7-8) or *detractors* (0-6). NPS = 100 * (promoters - detractors) / n, so it lies in
    [-100, 100]. Reports show it as a whole number: the exact value is computed with
    fractions and rounded **half away from zero** (-34.5 → -35, 79.5 → 80), so the same
    counts always give the same figure whatever the floating-point path. Shares are the
    unrounded fractions 0-1; presentation rounds them.

95 % interval
    The adjusted-Wald interval for NPS of Rocks (2016), which his simulations found to
    have the best coverage of six methods for small and large samples:
    add 3 to n, ¾ to the promoters and ¾ to the detractors, and use the variance of the
    difference of two proportions of one trinomial sample::

        n' = n + 3,  p' = (P + 3/4) / n',  d' = (D + 3/4) / n'
        NPS' = p' - d'
        SE = sqrt((p' + d' - (p' - d')²) / n')
        interval = 100 * (NPS' ± z*SE), clipped to [-100, 100], z = 1.959964 for 95 %

    Sources: B. Rocks, "Interval Estimation for the 'Net Promoter Score'", *The American
    Statistician* 70(4), 2016, 365-372, doi:10.1080/00031305.2016.1158124; summarised by
    J. Lewis and J. Sauro, "Evaluating NPS Confidence Intervals with Real-World Data",
    MeasuringU, 2021 ("add a constant of 3 to the sample size, ¾ to the number of
    detractors, and ¾ to the number of promoters"). The interval is centred on the
    adjusted estimate NPS', not on the reported NPS, and is defined even for n = 0.

Small cells
    A cell with fewer than 5 answers is *suppressed* (no figures shown, open texts neither)
    and one with fewer than 30 is *indicative*; :func:`reliability` names the class.

Statements
    Statements of the national customer-feedback model are answered on 1-5 with a
    separate "can't say" (stored as 0 or ``None``), which is excluded from the mean and
    the distribution but counted.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import floor, sqrt
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "CANT_SAY",
    "INDICATIVE_BELOW",
    "PASSIVE_MIN",
    "PROMOTER_MIN",
    "SUPPRESS_BELOW",
    "Z95",
    "NpsResult",
    "Reliability",
    "StatementSummary",
    "adjusted_wald_interval",
    "classify_scores",
    "nps_by_group",
    "nps_from_counts",
    "nps_from_scores",
    "reliability",
    "round_half_away",
    "statement_summary",
    "statements_by_group",
]

PROMOTER_MIN: Final = 9
PASSIVE_MIN: Final = 7
SCORE_MAX: Final = 10
SUPPRESS_BELOW: Final = 5
INDICATIVE_BELOW: Final = 30
# Two-sided 95 % normal quantile (scipy.stats.norm.ppf(0.975)), kept literal so the
# module does not need SciPy.
Z95: Final = 1.959963984540054
CANT_SAY: Final = 0
STATEMENT_SCALE: Final = (1, 2, 3, 4, 5)

Reliability = Literal["suppressed", "indicative", "reliable"]


def reliability(n: int) -> Reliability:
    """Class of a report cell with ``n`` answers: suppressed (< 5), indicative (< 30)."""
    if n < SUPPRESS_BELOW:
        return "suppressed"
    if n < INDICATIVE_BELOW:
        return "indicative"
    return "reliable"


def round_half_away(value: Fraction | float) -> int:
    """Round to a whole number with halves away from zero (the rule reports use)."""
    exact = value if isinstance(value, Fraction) else Fraction(value)
    magnitude = floor(abs(exact) + Fraction(1, 2))
    return magnitude if exact >= 0 else -magnitude


@dataclass(frozen=True, slots=True)
class NpsResult:
    """NPS figures of one group of answers.

    ``nps_exact`` is the unrounded score in points, ``nps`` the reported whole number;
    both are ``None`` when n = 0. ``ci95`` is the adjusted-Wald interval in points.
    """

    n: int
    promoters: int
    passives: int
    detractors: int
    promoter_share: float | None
    passive_share: float | None
    detractor_share: float | None
    nps_exact: float | None
    nps: int | None
    ci95: tuple[float, float]
    reliability: Reliability

    @property
    def suppressed(self) -> bool:
        return self.reliability == "suppressed"

    @property
    def indicative(self) -> bool:
        return self.reliability == "indicative"


def adjusted_wald_interval(
    promoters: int, passives: int, detractors: int, *, z: float = Z95
) -> tuple[float, float]:
    """Adjusted-Wald interval for NPS (Rocks 2016) in points, clipped to [-100, 100]."""
    n_adj = promoters + passives + detractors + 3
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    centre = p - d
    se = sqrt(max(p + d - centre * centre, 0.0) / n_adj)
    return (max(-100.0, 100.0 * (centre - z * se)), min(100.0, 100.0 * (centre + z * se)))


def nps_from_counts(promoters: int, passives: int, detractors: int, *, z: float = Z95) -> NpsResult:
    """NPS, shares, interval and reliability class from the three counts."""
    if min(promoters, passives, detractors) < 0:
        raise ValueError("counts must not be negative")
    n = promoters + passives + detractors
    if n:
        exact = Fraction(100 * (promoters - detractors), n)
        shares = (promoters / n, passives / n, detractors / n)
        nps_exact: float | None = float(exact)
        nps: int | None = round_half_away(exact)
    else:
        shares = (None, None, None)
        nps_exact = nps = None
    return NpsResult(
        n=n,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        promoter_share=shares[0],
        passive_share=shares[1],
        detractor_share=shares[2],
        nps_exact=nps_exact,
        nps=nps,
        ci95=adjusted_wald_interval(promoters, passives, detractors, z=z),
        reliability=reliability(n),
    )


def classify_scores(scores: npt.ArrayLike) -> npt.NDArray[np.int8]:
    """-1 for detractors, 0 for passives, +1 for promoters; rejects scores outside 0-10."""
    values = np.asarray(scores)
    if (
        values.size
        and not np.issubdtype(values.dtype, np.integer)
        and not (np.all(np.isfinite(values)) and np.all(values == np.round(values)))
    ):
        raise ValueError("scores must be whole numbers 0-10")
    values = values.astype(np.int64, copy=False)
    if values.size and (values.min() < 0 or values.max() > SCORE_MAX):
        raise ValueError("scores must be whole numbers 0-10")
    out = np.zeros(values.shape, dtype=np.int8)
    out[values >= PROMOTER_MIN] = 1
    out[values < PASSIVE_MIN] = -1
    return out


def nps_from_scores(scores: npt.ArrayLike, *, z: float = Z95) -> NpsResult:
    """NPS of one group of 0-10 scores."""
    bands = classify_scores(scores)
    return nps_from_counts(
        int(np.count_nonzero(bands == 1)),
        int(np.count_nonzero(bands == 0)),
        int(np.count_nonzero(bands == -1)),
        z=z,
    )


def nps_by_group(
    scores: npt.ArrayLike, groups: Sequence[Hashable] | npt.ArrayLike, *, z: float = Z95
) -> dict[Hashable, NpsResult]:
    """NPS of every group at once: ``groups[i]`` is the key of ``scores[i]``.

    Keys may be any hashable (tuples for several grouping columns). Counting is one
    ``np.unique`` and one ``np.bincount`` call, so a million answers take well under a
    second; the result is ordered by key.
    """
    bands = classify_scores(scores)
    # Columns: detractors (band -1), passives (0), promoters (+1).
    uniques, counts = _counts_by_group(bands.astype(np.int64) + 1, groups, 3, "scores")
    return {
        key: nps_from_counts(int(promoters), int(passives), int(detractors), z=z)
        for key, (detractors, passives, promoters) in zip(uniques, counts, strict=True)
    }


def _counts_by_group(
    codes: npt.NDArray[np.int64], groups: Sequence[Hashable] | npt.ArrayLike, width: int, what: str
) -> tuple[list[Hashable], npt.NDArray[np.int64]]:
    """Distinct keys of ``groups`` in sorted order and, per key, how many items have each of
    the codes 0 to ``width - 1`` (``codes[i]`` is the code of the item keyed ``groups[i]``)."""
    if len(groups) != len(codes):
        raise ValueError(f"{what} and groups must have the same length")
    if not len(codes):
        return [], np.zeros((0, width), dtype=np.int64)
    uniques, inverse = _factorise(groups)
    flat = np.bincount(inverse * width + codes, minlength=len(uniques) * width)
    return uniques, flat.reshape(len(uniques), width).astype(np.int64, copy=False)


def _factorise(groups: Sequence[Hashable] | npt.ArrayLike) -> tuple[list[Hashable], np.ndarray]:
    """Distinct keys in sorted order and, per item, the index of its key.

    Tuple keys (several grouping columns) are factorised column by column and combined
    into one integer code, which is an order of magnitude faster than sorting an object
    array of tuples.
    """
    items = groups if isinstance(groups, np.ndarray) else list(groups)
    if len(items) and isinstance(items[0], tuple):
        width = len(items[0])
        if any(len(item) != width for item in items):
            raise ValueError("every group key must have the same number of parts")
        columns = [np.asarray([item[i] for item in items]) for i in range(width)]
        levels, codes = zip(*(np.unique(c, return_inverse=True) for c in columns), strict=True)
        combined = np.ravel_multi_index(codes, tuple(len(level) for level in levels))
        present, inverse = np.unique(combined, return_inverse=True)
        positions = np.unravel_index(present, tuple(len(level) for level in levels))
        keys = [
            tuple(_plain(level[i]) for level, i in zip(levels, row, strict=True))
            for row in zip(*positions, strict=True)
        ]
        return keys, inverse
    uniques, inverse = np.unique(np.asarray(items), return_inverse=True)
    return [_plain(key) for key in uniques], inverse


def _plain(key: object) -> Hashable:
    return key.item() if isinstance(key, np.generic) else key  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class StatementSummary:
    """Figures of one statement on the 1-5 scale; "can't say" is counted apart."""

    n: int  # answers on the scale, "can't say" excluded
    cant_say: int
    mean: float | None
    counts: tuple[int, int, int, int, int]  # answers 1..5
    shares: tuple[float, float, float, float, float] | None
    reliability: Reliability


def _statement_values(values: Iterable[int | None]) -> npt.NDArray[np.int64]:
    array = np.asarray([CANT_SAY if value is None else value for value in values], dtype=np.int64)
    if array.size and (array.min() < CANT_SAY or array.max() > STATEMENT_SCALE[-1]):
        raise ValueError("statement answers must be 1-5 or 0/None for can't say")
    return array


def _summary(counts: npt.NDArray[np.int64]) -> StatementSummary:
    cant_say = int(counts[0])
    scale = tuple(int(c) for c in counts[1:])
    n = sum(scale)
    mean = (sum(v * c for v, c in zip(STATEMENT_SCALE, scale, strict=True)) / n) if n else None
    shares = tuple(c / n for c in scale) if n else None
    return StatementSummary(n, cant_say, mean, scale, shares, reliability(n))  # type: ignore[arg-type]


def statement_summary(values: Iterable[int | None]) -> StatementSummary:
    """Mean and distribution of one statement's answers (1-5; 0 or ``None`` = can't say)."""
    array = _statement_values(values)
    return _summary(np.bincount(array, minlength=6))


def statements_by_group(
    values: Iterable[int | None], groups: Sequence[Hashable] | npt.ArrayLike
) -> dict[Hashable, StatementSummary]:
    """:func:`statement_summary` for every group at once, ordered by key."""
    uniques, counts = _counts_by_group(_statement_values(values), groups, 6, "values")
    return {key: _summary(row) for key, row in zip(uniques, counts, strict=True)}
