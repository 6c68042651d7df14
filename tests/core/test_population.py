"""Tests for the county's reference population (portal.core.population)."""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from portal.core import population
from portal.core.population import (
    AGE_BANDS,
    GENDERS,
    AgeGenderShare,
    Municipality,
    age_band,
    age_band_shares,
    age_gender_shares,
    county_totals,
    gender_shares,
    language_shares,
    load_age_gender,
    load_municipalities,
    municipality_shares,
    slugify,
)

DATA = Path(population.__file__).with_name("data")


# --- age bands ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth_year", "on_date", "expected"),
    [
        (2009, date(2024, 1, 1), "15-24"),  # 2024 - 2009 = 15: first year of the first band
        (2010, date(2024, 12, 31), None),  # 14: too young to be a participant
        (2000, date(2024, 6, 1), "15-24"),  # 24: last year of the band
        (1999, date(2024, 6, 1), "25-34"),  # 25
        (1980, date(2024, 2, 29), "35-44"),  # 44 on a leap day
        (1979, date(2024, 2, 29), "45-54"),  # 45
        (1960, date(2024, 1, 1), "55-64"),  # 64
        (1959, date(2024, 1, 1), "65-74"),  # 65
        (1950, date(2024, 1, 1), "65-74"),  # 74
        (1949, date(2024, 1, 1), "75+"),  # 75
        (1910, date(2024, 1, 1), "75+"),  # 114: open-ended band
        (None, date(2024, 1, 1), None),  # unknown birth year
        (2030, date(2024, 1, 1), None),  # birth year in the future: bad data, not a band
    ],
)
def test_age_band(birth_year: int | None, on_date: date, expected: str | None) -> None:
    assert age_band(birth_year, on_date) == expected


def test_age_bands_are_contiguous_and_cover_every_adult_age() -> None:
    # Each band starts the year after the previous one ends, and only the last is open.
    assert AGE_BANDS[0].min_age == population.MIN_PARTICIPANT_AGE
    for previous, band in itertools.pairwise(AGE_BANDS):
        assert previous.max_age is not None
        assert band.min_age == previous.max_age + 1
    assert AGE_BANDS[-1].max_age is None
    for age in range(15, 120):
        assert sum(band.contains(age) for band in AGE_BANDS) == 1


# --- municipalities -------------------------------------------------------------------


def test_bundled_municipalities_match_the_shared_source_file() -> None:
    municipalities = load_municipalities()
    with (DATA / "municipalities.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(municipalities) == len(rows) == 23
    tampere = next(m for m in municipalities if m.name_fi == "Tampere")
    assert tampere == Municipality(
        slug="tampere",
        name_fi="Tampere",
        name_sv="Tammerfors",
        population=260646,
        fi_pct=88.0,
        sv_pct=0.5,
        other_pct=11.0,
    )
    assert len({m.slug for m in municipalities}) == len(municipalities)


def test_slugify_strips_finnish_letters() -> None:
    assert slugify("Mänttä-Vilppula") == "mantta-vilppula"
    assert slugify("Hämeenkyrö") == "hameenkyro"
    assert slugify(" Pälkäne ") == "palkane"


def test_county_totals_add_up_the_municipalities() -> None:
    totals = county_totals()
    assert totals.municipalities == 23
    # Sum of the population column of municipalities.csv, added up by hand:
    # 16402+10351+6713+1657+34315+1697+2020+25036+9234+36486+8860+6092+21204+2595+6203
    # +4002+23444+260646+4495+20859+4550+6165+33731 = 546757
    assert totals.population == 546757
    assert totals.languages == language_shares()


def test_language_shares_are_population_weighted_and_row_normalised() -> None:
    small = (
        # Row adds up to 100: 90 / 10 / 0.
        Municipality("a", "A", "A", 1000, 90.0, 10.0, 0.0),
        # Row adds up to 101 (rounded source): 96/101, 0, 5/101.
        Municipality("b", "B", "B", 3000, 96.0, 0.0, 5.0),
    )
    shares = language_shares(small)
    # fi: (1000*0.90 + 3000*96/101) / 4000 = (900 + 2851.485...) / 4000 = 0.937871...
    assert shares.fi == pytest.approx((900 + 3000 * 96 / 101) / 4000)
    # sv: 1000*0.10 / 4000 = 0.025
    assert shares.sv == pytest.approx(0.025)
    # other: 3000*5/101 / 4000 = 0.037128...
    assert shares.other == pytest.approx(3000 * 5 / 101 / 4000)
    assert math.fsum(shares.as_mapping().values()) == pytest.approx(1.0)


def test_county_language_shares_are_plausible() -> None:
    shares = language_shares()
    # Pirkanmaa is overwhelmingly Finnish-speaking with a small Swedish minority.
    assert 0.90 < shares.fi < 0.95
    assert 0.0 < shares.sv < 0.01
    assert math.fsum((shares.fi, shares.sv, shares.other)) == pytest.approx(1.0)


def test_municipality_shares() -> None:
    shares = municipality_shares()
    assert math.fsum(shares.values()) == pytest.approx(1.0)
    assert shares["tampere"] == pytest.approx(260646 / 546757)
    two = (
        Municipality("a", "A", "A", 1, 100.0, 0.0, 0.0),
        Municipality("b", "B", "B", 3, 100.0, 0.0, 0.0),
    )
    assert municipality_shares(two) == {"a": 0.25, "b": 0.75}


def test_zero_population_is_rejected() -> None:
    empty = (Municipality("a", "A", "A", 0, 100.0, 0.0, 0.0),)
    with pytest.raises(ValueError):
        language_shares(empty)
    with pytest.raises(ValueError):
        municipality_shares(())


def test_malformed_municipality_file_is_rejected(tmp_path: Path) -> None:
    header = (
        "name_fi,name_sv,population,finnish_speakers_pct,swedish_speakers_pct,other_speakers_pct"
    )
    path = tmp_path / "m.csv"
    path.write_text(f"{header}\nA,A,many,90,5,5\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        load_municipalities(path)
    path.write_text(f"{header}\nA,A,10,90,5,5\nA,A,20,90,5,5\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate"):
        load_municipalities(path)
    path.write_text(f"{header}\nÄ,,10,90,5,5\n", encoding="utf-8")
    (only,) = load_municipalities(path)
    assert (only.slug, only.name_sv) == ("a", "Ä")  # Swedish name falls back to Finnish


# --- age and gender -------------------------------------------------------------------


def test_bundled_age_gender_shares_form_a_distribution() -> None:
    cells = load_age_gender()
    assert [(c.age_band, c.gender) for c in cells] == [
        (band.label, gender) for band in AGE_BANDS for gender in GENDERS
    ]
    assert math.fsum(c.share for c in cells) == pytest.approx(1.0)
    assert all(0 < c.share < 0.2 for c in cells)
    # Women outnumber men among the oldest residents, as in every Finnish region.
    shares = age_gender_shares()
    assert shares[("75+", "woman")] > shares[("75+", "man")]


def test_age_and_gender_marginals() -> None:
    cells = (
        AgeGenderShare("15-24", "woman", 0.1),
        AgeGenderShare("15-24", "man", 0.2),
        AgeGenderShare("75+", "woman", 0.3),
        AgeGenderShare("75+", "man", 0.4),
    )
    bands = age_band_shares(cells)
    # 15-24: 0.1 + 0.2; 75+: 0.3 + 0.4; bands without cells are listed as 0.
    assert bands["15-24"] == pytest.approx(0.3)
    assert bands["75+"] == pytest.approx(0.7)
    assert bands["35-44"] == 0.0
    assert list(bands) == [band.label for band in AGE_BANDS]
    genders = gender_shares(cells)
    # woman: 0.1 + 0.3; man: 0.2 + 0.4
    assert genders == {"woman": pytest.approx(0.4), "man": pytest.approx(0.6)}


def _write_age_gender(path: Path, rows: list[tuple[str, str, str]]) -> None:
    lines = ["age_band,gender,share_pct", *(",".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_edited_age_gender_file_is_normalised(tmp_path: Path) -> None:
    path = tmp_path / "ag.csv"
    # Every cell 5 %: 14 cells add up to 70, so each becomes 5/70 = 1/14.
    _write_age_gender(path, [(b.label, g, "5") for b in AGE_BANDS for g in GENDERS])
    cells = load_age_gender(path)
    assert all(c.share == pytest.approx(1 / 14) for c in cells)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda rows: rows[:-1],  # a cell missing
        lambda rows: [*rows, rows[0]],  # a cell repeated
        lambda rows: [("0-14", "woman", "5"), *rows[1:]],  # a band the portal does not use
        lambda rows: [("15-24", "other", "5"), *rows[1:]],  # a gender not in the statistics
        lambda rows: [("15-24", "woman", "-1"), *rows[1:]],  # negative share
        lambda rows: [("15-24", "woman", "x"), *rows[1:]],  # not a number
    ],
)
def test_bad_age_gender_file_is_rejected(
    tmp_path: Path, mutate: Callable[[list[tuple[str, str, str]]], list[tuple[str, str, str]]]
) -> None:
    path = tmp_path / "ag.csv"
    rows = [(b.label, g, "7") for b in AGE_BANDS for g in GENDERS]
    _write_age_gender(path, mutate(rows))
    with pytest.raises(ValueError):
        load_age_gender(path)


def test_sources_note_documents_both_files() -> None:
    note = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    assert "municipalities.csv" in note
    assert "population_age_gender.csv" in note
    assert "approximation" in note
