"""The threshold and due-date arithmetic at its boundaries (pure, no application)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.initiatives import rules
from portal.initiatives.similarity import normalise_title, similar_titles, title_similarity

TWO_PERCENT = Decimal("0.02")


@pytest.mark.parametrize(
    ("base", "threshold"),
    [(1000, 20), (1001, 21), (999, 20), (50, 1), (1, 1), (0, 0), (500_000, 10_000)],
)
def test_threshold_is_the_ceiling_of_two_percent(base: int, threshold: int) -> None:
    assert rules.support_threshold(TWO_PERCENT, base) == threshold


def test_exactly_two_percent_reaches_the_threshold_and_one_less_does_not() -> None:
    threshold = rules.support_threshold(TWO_PERCENT, 1000)
    assert rules.progress(20, TWO_PERCENT, 1000).reached
    assert not rules.progress(19, TWO_PERCENT, 1000).reached
    assert rules.Progress(supports=threshold - 1, threshold=threshold).missing == 1
    # a share that is not exact in binary floating point stays exact in Decimal
    assert rules.support_threshold(Decimal("0.07"), 100) == 7


def test_county_population_gives_a_realistic_threshold() -> None:
    from portal.core.population import county_totals

    population = county_totals().population
    threshold = rules.support_threshold(TWO_PERCENT, population)
    assert threshold * 50 >= population > (threshold - 1) * 50


@given(base=st.integers(min_value=1, max_value=5_000_000))
def test_threshold_is_the_smallest_count_reaching_the_share(base: int) -> None:
    threshold = rules.support_threshold(TWO_PERCENT, base)
    assert Decimal(threshold) >= TWO_PERCENT * base
    assert Decimal(threshold - 1) < TWO_PERCENT * base


def test_bad_rule_values_are_refused() -> None:
    with pytest.raises(ValueError, match="share"):
        rules.support_threshold(Decimal("1.5"), 10)
    with pytest.raises(ValueError, match="base"):
        rules.support_threshold(TWO_PERCENT, -1)
    with pytest.raises(ValueError, match="months"):
        rules.add_months(date(2026, 1, 1), -1)


@pytest.mark.parametrize(
    ("submitted", "due"),
    [
        (date(2026, 8, 31), date(2027, 2, 28)),  # month end, common year
        (date(2027, 8, 31), date(2028, 2, 29)),  # month end, leap year
        (date(2027, 8, 29), date(2028, 2, 29)),
        (date(2027, 8, 30), date(2028, 2, 29)),
        (date(2028, 2, 29), date(2028, 8, 29)),  # from a leap day
        (date(2026, 12, 31), date(2027, 6, 30)),  # over the year end, 30-day month
        (date(2026, 7, 15), date(2027, 1, 15)),
        (date(2026, 1, 1), date(2026, 7, 1)),
        (date(2026, 3, 31), date(2026, 9, 30)),
    ],
)
def test_due_date_is_six_months_with_month_end_clamping(submitted: date, due: date) -> None:
    assert rules.due_date(submitted) == due


def test_add_months_handles_february_and_year_steps() -> None:
    assert rules.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert rules.add_months(date(2100, 1, 31), 1) == date(2100, 2, 28)  # not a leap year
    assert rules.add_months(date(2026, 5, 17), 0) == date(2026, 5, 17)
    assert rules.add_months(date(2026, 11, 30), 14) == date(2028, 1, 30)


@given(start=st.dates(min_value=date(2000, 1, 1), max_value=date(2200, 1, 1)))
def test_due_date_is_never_more_than_six_months_away(start: date) -> None:
    due = rules.due_date(start)
    assert (due.year - start.year) * 12 + due.month - start.month == 6
    assert due.day <= start.day


def test_progress_ratio_is_capped_and_accessible_values_are_whole() -> None:
    progress = rules.progress(30, TWO_PERCENT, 1000)
    assert progress.ratio == 1.0
    assert progress.missing == 0
    assert rules.progress(5, TWO_PERCENT, 1000).ratio == 0.25


def test_similar_titles_catch_reordering_and_inflection() -> None:
    assert normalise_title("Uimahalli Nokialle!") == ("uimahalli", "nokialle")
    assert title_similarity("Uimahalli Nokialle", "Nokialle uimahalli") == 1.0
    assert title_similarity("Uimahallin aukioloajat", "Uimahalli aukioloajat") > 0.8
    assert title_similarity("Uimahalli Nokialle", "Hammashoito Oriveteen") < 0.6
    found = similar_titles(
        "Terveysaseman iltavastaanotto",
        [(1, "Iltavastaanotto terveysasemalle"), (2, "Esteetön kulku kirjastoon")],
    )
    assert [ident for ident, _ in found] == [1]
    assert similar_titles("ja tai", [(1, "ja tai")]) == []
