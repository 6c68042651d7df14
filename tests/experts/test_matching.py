"""The pure ranking of experts for a request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.experts.matching import Candidate, Need, overlaps, rank_candidates, score_candidate

START = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # a Wednesday
END = START + timedelta(hours=2)
NEED = Need(
    starts_at=START,
    ends_at=END,
    areas=frozenset({"mental_health", "substance_use"}),
    service_area_id=10,
    language="fi",
    task_type="staff_training",
)


def _candidate(expert_id: int, **values: object) -> Candidate:
    defaults: dict[str, object] = {
        "areas": frozenset({"mental_health", "substance_use"}),
        "service_area_ids": frozenset({10}),
        "languages": frozenset({"fi"}),
        "willing_tasks": frozenset({"staff_training"}),
    }
    defaults.update(values)
    return Candidate(expert_id=expert_id, **defaults)  # type: ignore[arg-type]


def test_perfect_candidate_scores_100() -> None:
    match = score_candidate(NEED, _candidate(1), max_load=0)
    assert match.score == 100 and match.available
    assert match.matching_areas == ("mental_health", "substance_use")


def test_each_criterion_counts() -> None:
    ranked = rank_candidates(
        NEED,
        [
            _candidate(1, areas=frozenset({"mental_health"})),  # half of the areas
            _candidate(2, languages=frozenset({"sv"})),  # no Finnish
            _candidate(3),
            _candidate(4, service_area_ids=frozenset()),
        ],
    )
    assert [m.expert_id for m in ranked] == [3, 4, 1, 2]
    assert not ranked[-1].speaks_language


def test_fair_distribution_prefers_fewer_assignments() -> None:
    ranked = rank_candidates(
        NEED,
        [_candidate(1, assignments_this_year=6), _candidate(2, assignments_this_year=1)],
    )
    assert [m.expert_id for m in ranked] == [2, 1]
    assert ranked[0].score > ranked[1].score


def test_equal_candidates_are_ordered_by_load_then_id() -> None:
    ranked = rank_candidates(NEED, [_candidate(5), _candidate(3)])
    assert [m.expert_id for m in ranked] == [3, 5]


def test_overlapping_assignment_makes_an_expert_unavailable() -> None:
    busy = ((START + timedelta(hours=1), END + timedelta(hours=1)),)
    ranked = rank_candidates(NEED, [_candidate(1, busy=busy), _candidate(2, areas=frozenset())])
    assert ranked[0].expert_id == 2
    assert not ranked[1].available and ranked[1].overlapping


def test_back_to_back_assignments_do_not_overlap() -> None:
    assert not overlaps(START, END, END, END + timedelta(hours=1))
    match = score_candidate(
        NEED, _candidate(1, busy=((END, END + timedelta(hours=1)),)), max_load=0
    )
    assert match.available


def test_weekday_and_status() -> None:
    wrong_day = score_candidate(NEED, _candidate(1, weekdays=frozenset({0, 1})), max_load=0)
    right_day = score_candidate(NEED, _candidate(2, weekdays=frozenset({2})), max_load=0)
    paused = score_candidate(NEED, _candidate(3, active=False), max_load=0)
    assert not wrong_day.available and right_day.available and not paused.available
    # the local weekday given by the caller wins over the UTC one
    local = Need(starts_at=START, ends_at=END, weekday=1)
    assert score_candidate(local, _candidate(4, weekdays=frozenset({1})), max_load=0).available


def test_no_areas_asked_means_nobody_loses_points_for_them() -> None:
    need = Need(starts_at=START, ends_at=END, language="fi")
    assert score_candidate(need, _candidate(1, areas=frozenset()), max_load=0).score == 75
