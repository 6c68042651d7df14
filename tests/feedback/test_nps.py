"""NPS, its adjusted-Wald interval, suppression and statement summaries."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.feedback.batch import FeedbackInputCode, FeedbackInputError, nps_table
from portal.feedback.nps import (
    adjusted_wald_interval,
    classify_scores,
    nps_by_group,
    nps_from_counts,
    nps_from_scores,
    reliability,
    round_half_away,
    statement_summary,
    statements_by_group,
)

SEED_CHANNELS = {  # the seed's example table: detractors, passives, promoters -> NPS
    "web": (175, 13, 82, -34),
    "sms": (198, 367, 1762, 67),
    "kiosk": (253, 286, 3336, 80),
}


def _reference_interval(p: int, q: int, d: int) -> tuple[float, float]:
    # Written out from Rocks (2016) independently of the module: n+3, +3/4 to P and D,
    # variance of the difference of two proportions of one multinomial sample.
    n = p + q + d + 3
    pp, pd = (p + 0.75) / n, (d + 0.75) / n
    z = 1.959963984540054
    half = z * math.sqrt((pp + pd - (pp - pd) ** 2) / n)
    return max(-100, 100 * (pp - pd - half)), min(100, 100 * (pp - pd + half))


def _reference_round(numerator: int, denominator: int) -> int:
    # Half away from zero with integer arithmetic only.
    sign = -1 if numerator * denominator < 0 else 1
    a, b = abs(numerator), abs(denominator)
    return sign * ((2 * a + b) // (2 * b))


@pytest.mark.parametrize("channel", sorted(SEED_CHANNELS))
def test_seed_channel_table_comes_out_exactly(channel):
    detractors, passives, promoters, expected = SEED_CHANNELS[channel]
    scores = [3] * detractors + [7] * passives + [10] * promoters
    result = nps_from_scores(random.Random(channel).sample(scores, len(scores)))
    assert (result.detractors, result.passives, result.promoters) == (
        detractors,
        passives,
        promoters,
    )
    assert result.nps == expected
    n = detractors + passives + promoters
    assert result.nps == _reference_round(100 * (promoters - detractors), n)
    assert result.ci95 == pytest.approx(_reference_interval(promoters, passives, detractors))
    assert result.ci95[0] < result.nps_exact < result.ci95[1]


def test_seed_channel_table_through_the_csv_entry():
    rows = []
    for channel, (d, q, p, _) in SEED_CHANNELS.items():
        rows += [{"channel": channel, "score": str(s)} for s in [0] * d + [8] * q + [9] * p]
    table = {row["channel"]: row for row in nps_table(rows, by=["channel"])}
    assert {c: table[c]["nps"] for c in table} == {c: v[3] for c, v in SEED_CHANNELS.items()}
    web = table["web"]
    assert web["n"] == 270
    assert web["promoter_share"] == round(82 / 270, 4)
    low, high = _reference_interval(82, 13, 175)
    assert web["ci95"] == [round(low, 1), round(high, 1)]


def test_bands_follow_the_nps_definition():
    assert list(classify_scores(range(11))) == [-1] * 7 + [0, 0] + [1, 1]
    with pytest.raises(ValueError):
        classify_scores([11])
    with pytest.raises(ValueError):
        classify_scores([-1])
    with pytest.raises(ValueError):
        classify_scores([7.5])


@given(st.integers(0, 400), st.integers(0, 400), st.integers(0, 400))
def test_counts_match_an_independent_computation(p, q, d):
    result = nps_from_counts(p, q, d)
    n = p + q + d
    assert result.n == n
    assert result.ci95 == pytest.approx(_reference_interval(p, q, d))
    assert -100 <= result.ci95[0] <= result.ci95[1] <= 100
    if n:
        assert result.nps == _reference_round(100 * (p - d), n)
        assert result.promoter_share + result.passive_share + result.detractor_share == (
            pytest.approx(1.0)
        )
    else:
        assert result.nps is None and result.promoter_share is None
    assert result.reliability == ("suppressed" if n < 5 else "indicative" if n < 30 else "reliable")


@given(st.fractions(min_value=-200, max_value=200))
def test_rounding_is_half_away_from_zero(value):
    rounded = round_half_away(value)
    assert abs(value - rounded) <= Fraction(1, 2)
    if abs(value - rounded) == Fraction(1, 2):
        assert abs(rounded) > abs(value)
    assert round_half_away(-value) == -rounded


def test_interval_covers_the_true_nps_about_95_percent_of_the_time():
    # Coverage by simulation: 2,000 samples of n=60 from a known trinomial population.
    rng = np.random.default_rng(2016)
    shares = np.array([0.25, 0.25, 0.5])  # detractors, passives, promoters
    true_nps = 100 * (shares[2] - shares[0])
    covered = 0
    trials = 2000
    for counts in rng.multinomial(60, shares, size=trials):
        low, high = adjusted_wald_interval(int(counts[2]), int(counts[1]), int(counts[0]))
        covered += low <= true_nps <= high
    assert 0.93 <= covered / trials <= 0.97


@settings(max_examples=50)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 10)), max_size=200))
def test_grouping_equals_one_group_at_a_time(pairs):
    groups = [g for g, _ in pairs]
    scores = [s for _, s in pairs]
    grouped = nps_by_group(scores, groups)
    assert sorted(grouped) == sorted(set(groups))
    for key, result in grouped.items():
        assert result == nps_from_scores([s for g, s in pairs if g == key])


def test_grouping_by_several_columns():
    rng = random.Random(5)
    keys = [(rng.choice(["fi", "sv"]), rng.randint(1, 3)) for _ in range(500)]
    scores = [rng.randint(0, 10) for _ in keys]
    grouped = nps_by_group(scores, keys)
    assert list(grouped) == sorted(set(keys))
    for key, result in grouped.items():
        assert result == nps_from_scores([s for k, s in zip(keys, scores, strict=True) if k == key])


def test_a_million_answers_group_quickly():
    import time

    rng = np.random.default_rng(1)
    scores = rng.integers(0, 11, 1_000_000)
    units = rng.integers(0, 400, 1_000_000)
    started = time.perf_counter()
    grouped = nps_by_group(scores, units)
    assert time.perf_counter() - started < 5  # about 0.3 s on an idle two-core machine
    assert sum(r.n for r in grouped.values()) == 1_000_000


def test_reliability_thresholds():
    assert [reliability(n) for n in (0, 4, 5, 29, 30)] == [
        "suppressed",
        "suppressed",
        "indicative",
        "indicative",
        "reliable",
    ]


def test_small_groups_are_suppressed_in_the_table():
    rows = [{"unit": "a", "score": "10"}] * 4 + [{"unit": "b", "score": "2"}] * 6
    table = {row["unit"]: row for row in nps_table(rows, by=["unit"])}
    assert table["a"]["nps"] is None and table["a"]["promoters"] is None
    assert table["a"]["n"] == 4 and table["a"]["reliability"] == "suppressed"
    assert table["b"]["nps"] == -100 and table["b"]["reliability"] == "indicative"
    unsuppressed = {r["unit"]: r for r in nps_table(rows, by=["unit"], suppress=False)}
    assert unsuppressed["a"]["nps"] == 100


@pytest.mark.parametrize(
    ("rows", "by", "code", "line", "column"),
    [
        ([], [], FeedbackInputCode.NO_ROWS, None, None),
        ([{"points": "3"}], [], FeedbackInputCode.COLUMN_MISSING, 1, "score"),
        ([{"score": "3"}], ["unit"], FeedbackInputCode.COLUMN_MISSING, 1, "unit"),
        ([{"score": "3"}, {"score": ""}], [], FeedbackInputCode.SCORE_MISSING, 3, "score"),
        ([{"score": "7.5"}], [], FeedbackInputCode.SCORE_NOT_INTEGER, 2, "score"),
        ([{"score": "=1+1"}], [], FeedbackInputCode.SCORE_NOT_INTEGER, 2, "score"),
        ([{"score": "4"}, {"score": "11"}], [], FeedbackInputCode.SCORE_OUT_OF_RANGE, 3, "score"),
    ],
)
def test_bad_input_names_the_code_line_and_column(rows, by, code, line, column):
    with pytest.raises(FeedbackInputError) as caught:
        nps_table(rows, by=by)
    assert (caught.value.code, caught.value.row, caught.value.column) == (code, line, column)
    assert "\n" not in str(caught.value)


@given(st.lists(st.one_of(st.none(), st.integers(0, 5)), max_size=100))
def test_statement_summary_excludes_cant_say(values):
    summary = statement_summary(values)
    on_scale = [v for v in values if v]
    assert summary.n == len(on_scale)
    assert summary.cant_say == len(values) - len(on_scale)
    assert summary.counts == tuple(on_scale.count(v) for v in range(1, 6))
    if on_scale:
        assert summary.mean == pytest.approx(sum(on_scale) / len(on_scale))
        assert sum(summary.shares) == pytest.approx(1.0)
    else:
        assert summary.mean is None and summary.shares is None


def test_statements_by_group_equal_one_group_at_a_time():
    rng = random.Random(3)
    values = [rng.choice([None, 0, 1, 2, 3, 4, 5]) for _ in range(300)]
    groups = [rng.choice(["kiosk", "web", "paper"]) for _ in values]
    for key, summary in statements_by_group(values, groups).items():
        assert summary == statement_summary(
            [v for v, g in zip(values, groups, strict=True) if g == key]
        )
    with pytest.raises(ValueError):
        statement_summary([6])
