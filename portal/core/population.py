"""The county's reference population: municipalities, languages, age bands and gender.

Pure module (standard library only): the impact reports compare participants with these
figures to tell how representative participation is. The figures live in CSV files under
``portal/core/data/`` (see ``SOURCES.md`` there) so the county can update them without
touching code.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Final

__all__ = [
    "AGE_BANDS",
    "GENDERS",
    "LANGUAGES",
    "MIN_PARTICIPANT_AGE",
    "AgeBand",
    "AgeGenderShare",
    "CountyTotals",
    "LanguageShares",
    "Municipality",
    "age_band",
    "age_band_shares",
    "age_gender_shares",
    "county_totals",
    "gender_shares",
    "language_shares",
    "load_age_gender",
    "load_municipalities",
    "municipality_shares",
    "reference_shares",
    "slugify",
]


@dataclass(frozen=True, slots=True)
class AgeBand:
    """An age band: ``min_age`` to ``max_age`` inclusive; ``max_age`` None means open-ended."""

    label: str
    min_age: int
    max_age: int | None

    def contains(self, age: int) -> bool:
        """Whether ``age`` (in whole years) falls in this band."""
        return age >= self.min_age and (self.max_age is None or age <= self.max_age)


# The portal's participants are 15 or over, so the bands start there; these are the bands
# Statistics Finland publishes in ten-year steps, which keeps the reference data simple.
MIN_PARTICIPANT_AGE: Final = 15
AGE_BANDS: Final[tuple[AgeBand, ...]] = (
    AgeBand("15-24", 15, 24),
    AgeBand("25-34", 25, 34),
    AgeBand("35-44", 35, 44),
    AgeBand("45-54", 45, 54),
    AgeBand("55-64", 55, 64),
    AgeBand("65-74", 65, 74),
    AgeBand("75+", 75, None),
)
GENDERS: Final[tuple[str, ...]] = ("woman", "man")
LANGUAGES: Final[tuple[str, ...]] = ("fi", "sv", "other")

_DATA = files("portal.core").joinpath("data")
_MUNICIPALITIES_FILE = "municipalities.csv"
_AGE_GENDER_FILE = "population_age_gender.csv"


def age_band(birth_year: int | None, on_date: date) -> str | None:
    """Return the label of the age band a person born in ``birth_year`` is in on ``on_date``.

    Only the birth year is stored (data minimisation), so the age is the age reached during
    ``on_date``'s year, which is also how Statistics Finland's year-end population tables
    count age. Returns None when the birth year is unknown, in the future, or the person is
    under ``MIN_PARTICIPANT_AGE``.
    """
    if birth_year is None:
        return None
    age = on_date.year - birth_year
    for band in AGE_BANDS:
        if band.contains(age):
            return band.label
    return None


def slugify(name: str) -> str:
    """Return the ASCII slug of a municipality name: ``Mänttä-Vilppula`` → ``mantta-vilppula``."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_name = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


@dataclass(frozen=True, slots=True)
class Municipality:
    """A municipality of the county, with its language shares in percent."""

    slug: str
    name_fi: str
    name_sv: str
    population: int
    fi_pct: float
    sv_pct: float
    other_pct: float


@dataclass(frozen=True, slots=True)
class LanguageShares:
    """Shares (0..1, adding up to 1) of residents by mother tongue."""

    fi: float
    sv: float
    other: float

    def as_mapping(self) -> dict[str, float]:
        """Return the shares keyed by ``LANGUAGES``, the form representativeness expects."""
        return {"fi": self.fi, "sv": self.sv, "other": self.other}


@dataclass(frozen=True, slots=True)
class CountyTotals:
    """County-wide totals over all municipalities."""

    municipalities: int
    population: int
    languages: LanguageShares


@dataclass(frozen=True, slots=True)
class AgeGenderShare:
    """One cell of the reference population: share (0..1) of the county's 15+ residents."""

    age_band: str
    gender: str
    share: float


def _open_text(path: Path | None, default_name: str) -> str:
    if path is None:
        return _DATA.joinpath(default_name).read_text(encoding="utf-8")
    return Path(path).read_text(encoding="utf-8")


def _parse_municipalities(text: str) -> tuple[Municipality, ...]:
    rows = csv.DictReader(text.splitlines())
    result: list[Municipality] = []
    seen: set[str] = set()
    for line_no, row in enumerate(rows, start=2):
        try:
            name_fi = row["name_fi"].strip()
            municipality = Municipality(
                slug=slugify(name_fi),
                name_fi=name_fi,
                name_sv=(row["name_sv"] or "").strip() or name_fi,
                population=int(row["population"]),
                fi_pct=float(row["finnish_speakers_pct"]),
                sv_pct=float(row["swedish_speakers_pct"]),
                other_pct=float(row["other_speakers_pct"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"municipalities: bad row on line {line_no}: {exc}") from exc
        if (
            municipality.population < 0
            or min(municipality.fi_pct, municipality.sv_pct, municipality.other_pct) < 0
        ):
            raise ValueError(f"municipalities: negative figure on line {line_no}")
        if municipality.slug in seen:
            raise ValueError(f"municipalities: duplicate {name_fi!r} on line {line_no}")
        seen.add(municipality.slug)
        result.append(municipality)
    return tuple(result)


@lru_cache(maxsize=1)
def _default_municipalities() -> tuple[Municipality, ...]:
    return _parse_municipalities(_open_text(None, _MUNICIPALITIES_FILE))


def load_municipalities(path: Path | None = None) -> tuple[Municipality, ...]:
    """Load the county's municipalities, in file order.

    ``path`` defaults to the bundled ``portal/core/data/municipalities.csv`` (cached, since
    it does not change while the application runs). Raises ValueError on a malformed row.
    """
    if path is None:
        return _default_municipalities()
    return _parse_municipalities(_open_text(path, _MUNICIPALITIES_FILE))


def _municipalities(
    municipalities: Iterable[Municipality] | None,
) -> tuple[Municipality, ...]:
    return load_municipalities() if municipalities is None else tuple(municipalities)


def language_shares(municipalities: Iterable[Municipality] | None = None) -> LanguageShares:
    """Return the county's language shares, weighted by municipality population.

    The source percentages are rounded (a row may add up to 99.5 or 101), so each row is
    first rescaled to add up to 100; otherwise the rounding of small municipalities would
    leak into the county figure. Raises ValueError if the total population is zero.
    """
    rows = _municipalities(municipalities)
    weighted = [0.0, 0.0, 0.0]
    for m in rows:
        row_total = m.fi_pct + m.sv_pct + m.other_pct
        if row_total <= 0:
            continue
        for i, pct in enumerate((m.fi_pct, m.sv_pct, m.other_pct)):
            weighted[i] += m.population * pct / row_total
    total = sum(weighted)
    if total <= 0:
        raise ValueError("language shares need a positive population")
    return LanguageShares(*(w / total for w in weighted))


def county_totals(municipalities: Iterable[Municipality] | None = None) -> CountyTotals:
    """Return the number of municipalities, total population and language shares."""
    rows = _municipalities(municipalities)
    return CountyTotals(
        municipalities=len(rows),
        population=sum(m.population for m in rows),
        languages=language_shares(rows),
    )


def municipality_shares(municipalities: Iterable[Municipality] | None = None) -> dict[str, float]:
    """Return each municipality's share (0..1) of the county population, keyed by slug."""
    rows = _municipalities(municipalities)
    total = sum(m.population for m in rows)
    if total <= 0:
        raise ValueError("municipality shares need a positive population")
    return {m.slug: m.population / total for m in rows}


def _parse_age_gender(text: str) -> tuple[AgeGenderShare, ...]:
    known_bands = {band.label for band in AGE_BANDS}
    raw: dict[tuple[str, str], float] = {}
    for line_no, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        try:
            band = row["age_band"].strip()
            gender = row["gender"].strip()
            pct = float(row["share_pct"])
        except (KeyError, AttributeError, TypeError, ValueError) as exc:
            raise ValueError(f"age/gender: bad row on line {line_no}: {exc}") from exc
        if band not in known_bands or gender not in GENDERS:
            raise ValueError(f"age/gender: unknown band or gender on line {line_no}")
        if pct < 0:
            raise ValueError(f"age/gender: negative share on line {line_no}")
        if (band, gender) in raw:
            raise ValueError(f"age/gender: duplicate {band} {gender} on line {line_no}")
        raw[(band, gender)] = pct
    expected = {(band.label, gender) for band in AGE_BANDS for gender in GENDERS}
    missing = expected - raw.keys()
    if missing:
        raise ValueError(f"age/gender: missing cells {sorted(missing)}")
    total = sum(raw.values())
    if total <= 0:
        raise ValueError("age/gender: shares add up to zero")
    # Normalised so hand-edited, rounded percentages still form a distribution.
    return tuple(
        AgeGenderShare(band.label, gender, raw[(band.label, gender)] / total)
        for band in AGE_BANDS
        for gender in GENDERS
    )


@lru_cache(maxsize=1)
def _default_age_gender() -> tuple[AgeGenderShare, ...]:
    return _parse_age_gender(_open_text(None, _AGE_GENDER_FILE))


def load_age_gender(path: Path | None = None) -> tuple[AgeGenderShare, ...]:
    """Load the reference shares of the 15+ population by age band and gender.

    Cells come back in ``AGE_BANDS`` then ``GENDERS`` order with shares normalised to add up
    to 1. ``path`` defaults to the bundled ``population_age_gender.csv``. Raises ValueError
    when a band or gender is unknown, missing or repeated, or a share is negative.
    """
    if path is None:
        return _default_age_gender()
    return _parse_age_gender(_open_text(path, _AGE_GENDER_FILE))


def _cells(cells: Iterable[AgeGenderShare] | None) -> tuple[AgeGenderShare, ...]:
    return load_age_gender() if cells is None else tuple(cells)


def age_gender_shares(
    cells: Iterable[AgeGenderShare] | None = None,
) -> dict[tuple[str, str], float]:
    """Return the reference shares keyed by ``(age_band, gender)``."""
    return {(c.age_band, c.gender): c.share for c in _cells(cells)}


def age_band_shares(cells: Iterable[AgeGenderShare] | None = None) -> dict[str, float]:
    """Return the reference shares of the 15+ population by age band (genders summed)."""
    shares = dict.fromkeys((band.label for band in AGE_BANDS), 0.0)
    for c in _cells(cells):
        shares[c.age_band] += c.share
    return shares


def gender_shares(cells: Iterable[AgeGenderShare] | None = None) -> dict[str, float]:
    """Return the reference shares of the 15+ population by gender (age bands summed)."""
    shares = dict.fromkeys(GENDERS, 0.0)
    for c in _cells(cells):
        shares[c.gender] += c.share
    return shares


def reference_shares(dimension: str) -> dict[str, float]:
    """The county population's shares for one dimension of representativeness: ``age_band``,
    ``gender``, ``municipality`` or ``language``."""
    if dimension == "age_band":
        return age_band_shares()
    if dimension == "gender":
        return gender_shares()
    if dimension == "municipality":
        return municipality_shares()
    if dimension == "language":
        return language_shares().as_mapping()
    raise ValueError(f"unknown dimension {dimension!r}")
