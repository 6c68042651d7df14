"""Tests for the fair stratified panel draw (pure module, no application needed)."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from portal.panels.selection import (
    Candidate,
    Category,
    Distribution,
    Feasibility,
    SelectionInputError,
    check_feasibility,
    derive_seed,
    draw_replacement,
    gini_coefficient,
    legacy_distribution,
    legacy_panel,
    leximin_distribution,
    panel_meets_quotas,
    propose_quotas,
    sample_panel,
    sample_panels,
)

# --------------------------------------------------------------------------- helpers


def people(spec: dict[tuple[str, ...], int], features: Sequence[str]) -> list[Candidate]:
    """Build candidates from counts per combination of feature values."""
    result = []
    for values, count in spec.items():
        for _ in range(count):
            result.append(
                Candidate(f"c{len(result):03d}", dict(zip(features, values, strict=True)))
            )
    return result


def leximin(cands, cats, k) -> Distribution:
    dist = leximin_distribution(cands, cats, k)
    assert isinstance(dist, Distribution), dist
    return dist


def profile_counts(dist: Distribution, seats: Sequence[int]) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for values, n in zip(dist.group_values, seats, strict=True):
        for feature, value in zip(dist.features, values, strict=True):
            counts[(feature, value)] += n
    return counts


def assert_every_panel_meets_quotas(dist: Distribution) -> None:
    for panel in dist.panels:
        assert sum(panel.seats) == dist.panel_size
        assert all(0 <= s <= len(g) for s, g in zip(panel.seats, dist.groups, strict=True))
        counts = profile_counts(dist, panel.seats)
        for cat in dist.categories:
            assert cat.min <= counts[(cat.feature, cat.value)] <= cat.max, (cat, panel)


def brute_force_leximin(cands: list[Candidate], cats: list[Category], k: int) -> dict[str, float]:
    """Leximin by definition over all panels, without dual prices or candidate groups.

    At each level, a candidate is fixed only when an LP shows its probability cannot exceed
    the current level while everyone unfixed keeps at least that level.
    """
    ids = [c.id for c in cands]
    panels = []
    for combo in itertools.combinations(range(len(cands)), k):
        counts = Counter((f, v) for i in combo for f, v in cands[i].features.items())
        if all(cat.min <= counts[(cat.feature, cat.value)] <= cat.max for cat in cats):
            panels.append(combo)
    member = np.zeros((len(ids), len(panels)))
    for j, combo in enumerate(panels):
        member[list(combo), j] = 1
    n_panels = len(panels)
    fixed: dict[int, float] = {}
    while len(fixed) < len(ids):
        free = [i for i in range(len(ids)) if i not in fixed]
        # Rows "probability of i >= floor", written as -member[i] @ lottery <= -floor.
        kept = [(-member[i], -(value - 1e-9)) for i, value in fixed.items()]
        # Maximise the smallest free probability z over (lottery, z).
        a_ub = [np.append(row, 0.0) for row, _ in kept]
        a_ub += [np.append(-member[i], 1.0) for i in free]
        b_ub = [bound for _, bound in kept] + [0.0] * len(free)
        cost = np.zeros(n_panels + 1)
        cost[-1] = -1
        res = linprog(
            cost,
            A_ub=np.array(a_ub),
            b_ub=b_ub,
            A_eq=np.append(np.ones(n_panels), 0.0)[None, :],
            b_eq=[1],
            bounds=[(0, None)] * n_panels + [(None, None)],
            method="highs",
        )
        level = res.x[-1]
        # Fix whoever cannot rise above the level while every other free one keeps it.
        rows = kept + [(-member[i], -(level - 1e-9)) for i in free]
        a_level = np.array([row for row, _ in rows])
        b_level = [bound for _, bound in rows]
        for i in free:
            best = linprog(
                -member[i],
                A_ub=a_level,
                b_ub=b_level,
                A_eq=np.ones((1, n_panels)),
                b_eq=[1],
                method="highs",
            )
            if -best.fun <= level + 1e-6:
                fixed[i] = level
    return {ids[i]: v for i, v in fixed.items()}


# --------------------------------------------------------------------------- leximin


def test_symmetric_pool_gives_everyone_k_over_n():
    cands = people({("f",): 6, ("m",): 6}, ["gender"])
    cats = [Category("gender", "f", 2, 3), Category("gender", "m", 2, 3)]
    dist = leximin(cands, cats, 5)
    for p in dist.marginals.values():
        assert p == pytest.approx(5 / 12, abs=1e-7)
    assert dist.min_probability == pytest.approx(5 / 12, abs=1e-7)


def test_skewed_pool_hand_computed():
    # Exactly 1 of the 2 women and 3 of the 8 men sit on every panel of 4.
    cands = people({("f",): 2, ("m",): 8}, ["gender"])
    cats = [Category("gender", "f", 1, 1), Category("gender", "m", 3, 3)]
    dist = leximin(cands, cats, 4)
    women = [c.id for c in cands if c.features["gender"] == "f"]
    for cid, p in dist.marginals.items():
        assert p == pytest.approx(0.5 if cid in women else 3 / 8, abs=1e-7)


def test_second_level_rises_after_first_is_fixed():
    # One seat for the four women (1/4 each); the two men can then both always sit.
    cands = people({("f", "old"): 2, ("f", "young"): 2, ("m", "old"): 2}, ["gender", "age"])
    cats = [
        Category("gender", "f", 1, 1),
        Category("gender", "m", 0, 3),
        Category("age", "old", 0, 3),
        Category("age", "young", 0, 3),
    ]
    dist = leximin(cands, cats, 3)
    for c in cands:
        expected = 0.25 if c.features["gender"] == "f" else 1.0
        assert dist.marginals[c.id] == pytest.approx(expected, abs=1e-7)


@pytest.mark.parametrize("instance", range(8))
def test_matches_brute_force_leximin(instance):
    rng = random.Random(instance)
    features = ["a", "b"]
    cands = [Candidate(f"x{i}", {"a": rng.choice("pq"), "b": rng.choice("rst")}) for i in range(8)]
    k = 3 + instance % 2
    # Quotas loosely around a random panel, so that at least that panel is feasible.
    witness = rng.sample(cands, k)
    cats = []
    for feature in features:
        for value in sorted({c.features[feature] for c in cands}):
            seated = sum(c.features[feature] == value for c in witness)
            cats.append(
                Category(
                    feature, value, max(0, seated - rng.randint(0, 1)), seated + rng.randint(0, 1)
                )
            )
    expected = brute_force_leximin(cands, cats, k)
    got = leximin(cands, cats, k).marginals
    for cid, p in expected.items():
        assert got[cid] == pytest.approx(p, abs=1e-6), cid
    # The smallest probability is at least what any other lottery could guarantee.
    assert min(got.values()) >= min(expected.values()) - 1e-7


def test_distribution_is_clean_and_consistent():
    cands = people({("f", "y"): 3, ("f", "o"): 9, ("m", "y"): 2, ("m", "o"): 6}, ["gender", "age"])
    cats = [
        Category("gender", "f", 3, 4),
        Category("gender", "m", 3, 4),
        Category("age", "y", 2, 3),
        Category("age", "o", 4, 6),
    ]
    dist = leximin(cands, cats, 7)
    probs = [p.probability for p in dist.panels]
    assert sum(probs) == pytest.approx(1.0, abs=1e-12)
    assert all(p > 0 for p in probs)
    assert sum(dist.marginals.values()) == pytest.approx(7, abs=1e-6)
    # Marginal = sum over panels of probability x chance of being picked within the group.
    for gi, members in enumerate(dist.groups):
        expected = sum(p.probability * p.seats[gi] / len(members) for p in dist.panels)
        for cid in members:
            assert dist.marginals[cid] == pytest.approx(expected, abs=1e-12)
    assert_every_panel_meets_quotas(dist)


def test_progress_is_reported_up_to_completion():
    cands = people({("f", "y"): 3, ("f", "o"): 5, ("m", "y"): 4, ("m", "o"): 4}, ["g", "a"])
    cats = [
        Category("g", "f", 2, 3),
        Category("g", "m", 2, 3),
        Category("a", "y", 1, 5),
        Category("a", "o", 1, 5),
    ]
    seen: list[tuple[float, str]] = []
    leximin_distribution(cands, cats, 5, progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for _, m in seen)


# --------------------------------------------------------------------------- sampling


@pytest.fixture(scope="module")
def realistic() -> tuple[list[Candidate], list[Category], Distribution]:
    rng = np.random.default_rng(7)
    ages = ["16-29", "30-49", "50-64", "65+"]
    towns = ["Tampere", "neighbour", "rest"]
    cands = [
        Candidate(
            f"p{i:03d}",
            {
                "age": ages[int(rng.choice(4, p=[0.1, 0.2, 0.3, 0.4]))],
                "gender": ["f", "m"][int(rng.choice(2, p=[0.6, 0.4]))],
                "town": towns[int(rng.choice(3, p=[0.6, 0.25, 0.15]))],
            },
        )
        for i in range(150)
    ]
    cats = list(
        propose_quotas(
            {
                "age": {"16-29": 0.22, "30-49": 0.3, "50-64": 0.24, "65+": 0.24},
                "gender": {"f": 0.5, "m": 0.5},
                "town": {"Tampere": 0.48, "neighbour": 0.3, "rest": 0.22},
            },
            12,
            slack=0.3,
        )
    )
    return cands, cats, leximin(cands, cats, 12)


def test_quotas_hold_on_every_distribution_panel_and_1000_samples(realistic):
    cands, cats, dist = realistic
    assert_every_panel_meets_quotas(dist)
    panels = sample_panels(dist, "public-seed", 1000)
    assert all(len(p) == 12 and len(set(p)) == 12 for p in panels)
    assert not [p for p in panels if panel_meets_quotas(p, cands, cats)]


def test_sampled_frequencies_match_marginals(realistic):
    cands, _, dist = realistic
    panels = sample_panels(dist, 99, 4000)
    freq = Counter(cid for p in panels for cid in p)
    # Binomial standard error is below 0.008 for 4000 draws; allow four of them.
    for c in cands:
        assert freq[c.id] / 4000 == pytest.approx(dist.marginals[c.id], abs=0.032)


def test_same_seed_same_panel_regardless_of_input_order(realistic):
    cands, cats, dist = realistic
    shuffled = list(reversed(cands))
    again = leximin(shuffled, list(reversed(cats)), 12)
    assert sample_panel(dist, 4711) == sample_panel(again, 4711)
    assert sample_panel(dist, "4711") == sample_panel(dist, 4711)
    assert derive_seed(" 4711 ") == derive_seed(4711)


def test_different_seeds_give_different_panels(realistic):
    _, _, dist = realistic
    panels = {sample_panel(dist, seed) for seed in range(20)}
    assert len(panels) >= 18


# --------------------------------------------------------------------------- infeasibility


def test_minimums_above_panel_size_are_explained():
    cands = people({("f",): 20, ("m",): 20}, ["gender"])
    cats = [Category("gender", "f", 17, 20), Category("gender", "m", 15, 20)]
    report = check_feasibility(cands, cats, 30)
    assert isinstance(report, Feasibility) and not report.feasible
    assert "feature gender: minimums sum to 32 > panel size 30" in report.explanation
    assert sum(c.old - c.new for c in report.changes) == 2


def test_too_few_candidates_in_category_is_explained():
    cands = people({("16-24",): 3, ("25+",): 30}, ["age"])
    cats = [Category("age", "16-24", 5, 8), Category("age", "25+", 0, 30)]
    report = check_feasibility(cands, cats, 10)
    assert not report.feasible
    assert "age 16-24: min 5 but only 3 candidates" in report.explanation
    assert [c.describe() for c in report.changes] == ["age 16-24: lower min from 5 to 3"]


def test_maximums_below_panel_size_are_explained():
    cands = people({("f",): 10, ("m",): 10}, ["gender"])
    cats = [Category("gender", "f", 0, 4), Category("gender", "m", 0, 4)]
    report = check_feasibility(cands, cats, 10)
    assert not report.feasible
    assert "feature gender: maximums sum to 8 < panel size 10" in report.explanation


def test_panel_larger_than_pool_is_explained():
    cands = people({("f",): 3}, ["gender"])
    report = check_feasibility(cands, [Category("gender", "f", 0, 5)], 5)
    assert report.explanation == ("panel size 5 but only 3 candidates",)


def test_joint_conflict_gets_smallest_quota_changes():
    # Every feature is fine alone, but there are no young women: two seats cannot hold two
    # women and two young people at once.
    cands = people({("f", "old"): 4, ("m", "young"): 4}, ["gender", "age"])
    cats = [
        Category("gender", "f", 2, 2),
        Category("gender", "m", 0, 2),
        Category("age", "young", 2, 2),
        Category("age", "old", 0, 2),
    ]
    result = leximin_distribution(cands, cats, 2)
    assert isinstance(result, Feasibility) and not result.feasible
    assert any("combined" in line for line in result.explanation)
    total = sum(abs(c.new - c.old) for c in result.changes)
    assert total == 2  # one seat must go to an old person or a man: two bounds move by one
    fixed = {(c.feature, c.value): c for c in cats}
    for change in result.changes:
        cat = fixed[(change.feature, change.value)]
        bounds = {"min": cat.min, "max": cat.max, change.bound: change.new}
        fixed[(change.feature, change.value)] = Category(
            cat.feature, cat.value, bounds["min"], bounds["max"]
        )
    assert check_feasibility(cands, list(fixed.values()), 2).feasible


def test_unknown_category_value_is_a_clear_input_error():
    cands = [Candidate("a", {"gender": "f"}), Candidate("b", {"gender": "x"})]
    with pytest.raises(SelectionInputError) as error:
        check_feasibility(cands, [Category("gender", "f", 0, 1)], 1)
    assert error.value.problems == (
        "candidate b: gender value 'x' is not a category of gender (categories: f)",
    )


def test_missing_feature_and_duplicate_ids_are_input_errors():
    cands = [Candidate("a", {"gender": "f"}), Candidate("a", {"gender": "m"}), Candidate("b", {})]
    cats = [Category("gender", "f", 0, 1), Category("gender", "m", 0, 1)]
    with pytest.raises(SelectionInputError) as error:
        leximin_distribution(cands, cats, 1)
    assert "candidate a: id appears more than once" in error.value.problems
    assert "candidate b: no value for feature gender" in error.value.problems


# --------------------------------------------------------------------------- legacy


def test_legacy_is_uniform_on_a_symmetric_pool():
    cands = people({("f",): 5, ("m",): 5}, ["gender"])
    cats = [Category("gender", "f", 2, 2), Category("gender", "m", 2, 2)]
    dist = legacy_distribution(cands, cats, 4, runs=2000, seed=1)
    assert isinstance(dist, Distribution)
    for p in dist.marginals.values():
        assert p == pytest.approx(0.4, abs=0.04)
    assert_every_panel_meets_quotas(dist)


def test_leximin_beats_legacy_minimum_on_a_skewed_pool():
    cands = people({("y", "f"): 1, ("y", "m"): 6, ("o", "f"): 14, ("o", "m"): 3}, ["age", "gender"])
    cats = [
        Category("age", "y", 2, 2),
        Category("age", "o", 4, 4),
        Category("gender", "f", 3, 3),
        Category("gender", "m", 3, 3),
    ]
    lex = leximin(cands, cats, 6)
    leg = legacy_distribution(cands, cats, 6, runs=3000, seed="compare")
    assert isinstance(leg, Distribution)
    assert_every_panel_meets_quotas(leg)
    # No lottery can have a larger minimum than leximin; here the greedy one is far below.
    assert lex.min_probability >= leg.min_probability - 0.01
    assert lex.min_probability > 1.2 * leg.min_probability
    assert gini_coefficient(lex.marginals.values()) < gini_coefficient(leg.marginals.values())


def test_legacy_panel_is_reproducible_and_meets_quotas(realistic):
    cands, cats, _ = realistic
    first = legacy_panel(cands, cats, 12, seed=5)
    assert first == legacy_panel(list(reversed(cands)), cats, 12, seed="5")
    assert isinstance(first, tuple) and not panel_meets_quotas(first, cands, cats)


# --------------------------------------------------------------------------- replacement


def test_replacement_keeps_quotas_and_is_reproducible(realistic):
    cands, cats, dist = realistic
    panel = sample_panel(dist, 2024)
    dropped = list(panel[:2])
    result = draw_replacement(panel, dropped, cands, cats, seed="r1")
    assert result.possible
    assert len(result.replacements) == 2
    assert not set(result.replacements) & set(panel)
    assert set(result.panel) == (set(panel) - set(dropped)) | set(result.replacements)
    assert not panel_meets_quotas(result.panel, cands, cats)
    assert draw_replacement(panel, dropped, cands, cats, seed="r1") == result
    others = {draw_replacement(panel, dropped, cands, cats, seed=s).replacements for s in range(8)}
    assert len(others) > 1


def test_replacement_only_from_eligible_candidates():
    # The single young seat must go back to a young person.
    cands = people({("y",): 3, ("o",): 6}, ["age"])
    cats = [Category("age", "y", 1, 1), Category("age", "o", 2, 2)]
    young = {c.id for c in cands if c.features["age"] == "y"}
    panel = ["c000", "c003", "c004"]
    for seed in range(10):
        result = draw_replacement(panel, ["c000"], cands, cats, seed)
        assert result.possible and set(result.replacements) <= young - {"c000"}


def test_replacement_impossible_is_explained():
    cands = people({("y",): 1, ("o",): 6}, ["age"])
    cats = [Category("age", "y", 1, 1), Category("age", "o", 2, 2)]
    result = draw_replacement(["c000", "c001", "c002"], ["c000"], cands, cats, seed=1)
    assert not result.possible
    assert "age y: min 1 but only 0 unselected candidates" in result.explanation
    with pytest.raises(SelectionInputError):
        draw_replacement(["c000", "c001", "c002"], ["c005"], cands, cats, seed=1)


# --------------------------------------------------------------------------- helpers


def test_propose_quotas_hand_computed():
    cats = propose_quotas({"language": {"fi": 0.9, "sv": 0.05, "other": 0.05}}, 20, slack=0.2)
    bounds = {c.value: (c.min, c.max) for c in cats}
    # Expected seats 18, 1, 1; widened by 20 %: 14.4-21.6 and 0.8-1.2, rounded outwards.
    assert bounds == {"fi": (14, 20), "sv": (0, 2), "other": (0, 2)}


def test_propose_quotas_always_feasible_for_the_panel_size():
    rng = random.Random(3)
    for _ in range(50):
        shares = {v: rng.random() for v in "abcde"}
        k = rng.randint(5, 80)
        cats = propose_quotas({"f": shares}, k, slack=rng.choice([0.0, 0.1, 0.3]))
        assert sum(c.min for c in cats) <= k <= sum(c.max for c in cats)
        assert all(0 <= c.min <= c.max <= k and c.max >= 1 for c in cats)


def test_propose_quotas_without_slack_is_exact_for_whole_seats():
    cats = propose_quotas({"g": {"f": 1, "m": 1}}, 30, slack=0)
    assert {(c.value, c.min, c.max) for c in cats} == {("f", 15, 15), ("m", 15, 15)}


def test_gini_coefficient():
    assert gini_coefficient([0.2, 0.2, 0.2]) == 0.0
    assert gini_coefficient([0, 0, 0, 1]) == pytest.approx(0.75)
    values = [Fraction(1), Fraction(3)]
    # Mean absolute difference 1 (pairs counted both ways: 2 / 4) over twice the mean 2.
    assert gini_coefficient(float(v) for v in values) == pytest.approx(0.25)


def test_without_categories_everyone_gets_k_over_n():
    cands = [Candidate(f"id{i}", {}) for i in range(7)]
    dist = leximin(cands, [], 3)
    assert all(p == pytest.approx(3 / 7, abs=1e-9) for p in dist.marginals.values())
    assert len(sample_panel(dist, 1)) == 3


def test_candidates_a_quota_excludes_get_zero_and_others_share_the_seats():
    cands = people({("fi",): 6, ("other",): 2}, ["language"])
    cats = [Category("language", "fi", 0, 3), Category("language", "other", 0, 0)]
    dist = leximin(cands, cats, 3)
    for c in cands:
        expected = 0.5 if c.features["language"] == "fi" else 0.0
        assert dist.marginals[c.id] == pytest.approx(expected, abs=1e-9)
    assert dist.min_probability == 0.0


def test_infeasible_quotas_are_returned_not_raised_by_every_method():
    cands = people({("f",): 2, ("m",): 8}, ["gender"])
    cats = [Category("gender", "f", 3, 4), Category("gender", "m", 0, 8)]
    for result in (
        leximin_distribution(cands, cats, 5),
        legacy_distribution(cands, cats, 5, runs=10),
        legacy_panel(cands, cats, 5, seed=1),
    ):
        assert isinstance(result, Feasibility)
        assert result.explanation[0] == "gender f: min 3 but only 2 candidates"


@st.composite
def pools(draw):
    """Small pools with quotas built around one random panel, so they are always feasible."""
    n = draw(st.integers(4, 10))
    k = draw(st.integers(1, n))
    cands = [
        Candidate(
            f"v{i:02d}",
            {"age": draw(st.sampled_from("yo")), "town": draw(st.sampled_from("abc"))},
        )
        for i in range(n)
    ]
    witness = draw(st.permutations(cands))[:k]
    cats = []
    for feature in ("age", "town"):
        for value in sorted({c.features[feature] for c in cands}):
            seated = sum(c.features[feature] == value for c in witness)
            low = seated - draw(st.integers(0, 2))
            cats.append(Category(feature, value, max(low, 0), seated + draw(st.integers(0, 2))))
    return cands, cats, k


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools())
def test_leximin_properties_on_random_pools(pool):
    cands, cats, k = pool
    dist = leximin(cands, cats, k)
    assert_every_panel_meets_quotas(dist)
    assert sum(p.probability for p in dist.panels) == pytest.approx(1.0, abs=1e-12)
    assert sum(dist.marginals.values()) == pytest.approx(k, abs=1e-6)
    assert all(-1e-9 <= p <= 1 + 1e-9 for p in dist.marginals.values())
    # Nobody can be guaranteed more than the average chance k/n.
    assert dist.min_probability <= k / len(cands) + 1e-7
    # And the probabilities are exactly leximin, found the slow way.
    expected = brute_force_leximin(cands, cats, k)
    assert all(dist.marginals[cid] == pytest.approx(p, abs=1e-6) for cid, p in expected.items())
