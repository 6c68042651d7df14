"""The leximin draw under solver failures, injected into the real computation."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from portal.panels import leximin
from portal.panels.messages import lottery_note_sentence, solver_failure_sentence
from portal.panels.selection import (
    NOTE_PARTIAL,
    Distribution,
    SelectionSolverError,
    leximin_distribution,
    panel_meets_quotas,
    sample_panel,
)
from portal.panels.synthetic import county_pool, county_quotas


@pytest.fixture(scope="module")
def instance():
    # A lopsided pool, so that the lottery has several levels.
    return county_pool(150, 5, skew=2.0), county_quotas(15, 5), 15


def test_infeasible_level_programme_is_retried_with_a_larger_slack(instance, monkeypatch, caplog):
    pool, cats, k = instance
    exact = leximin_distribution(pool, cats, k)
    real = leximin._level_lp
    refused: list[float] = []

    def refuse_the_smallest_slack(shares, fixed, fixed_value, slack):
        # Round-off as HiGHS produces it: fixed levels out of reach at the tightest slack.
        if fixed.any() and slack == leximin._FIX_SLACKS[0]:
            refused.append(slack)
            return "The problem is infeasible."
        return real(shares, fixed, fixed_value, slack)

    monkeypatch.setattr(leximin, "_level_lp", refuse_the_smallest_slack)
    with caplog.at_level(logging.WARNING, logger="portal.panels.leximin"):
        robust = leximin_distribution(pool, cats, k)
    assert refused
    assert isinstance(robust, Distribution) and robust.note == ""
    assert "infeasible" in caplog.text
    # The final lift undoes the slack: the same probabilities as without the failure.
    for cid, p in exact.marginals.items():
        assert robust.marginals[cid] == pytest.approx(p, abs=1e-6)


def test_solver_failure_part_way_returns_the_best_verified_lottery(instance, monkeypatch):
    pool, cats, k = instance
    exact = leximin_distribution(pool, cats, k)
    real = leximin._level_lp

    def fail_after_the_first_level(shares, fixed, fixed_value, slack):
        if fixed.any():
            return "HiGHS crashed"
        return real(shares, fixed, fixed_value, slack)

    monkeypatch.setattr(leximin, "_level_lp", fail_after_the_first_level)
    dist = leximin_distribution(pool, cats, k)
    assert isinstance(dist, Distribution)
    assert dist.note == NOTE_PARTIAL
    probs = np.array([p.probability for p in dist.panels])
    assert probs.sum() == pytest.approx(1.0, abs=1e-9)
    assert sum(dist.marginals.values()) == pytest.approx(k, abs=1e-6)
    assert not panel_meets_quotas(sample_panel(dist, 1), pool, cats)
    # The first level was finished before the failure, so the minimum is still maximin.
    assert dist.min_probability == pytest.approx(exact.min_probability, abs=1e-6)


def test_no_valid_lottery_at_all_is_a_domain_error(instance, monkeypatch):
    pool, cats, k = instance

    def broken_pricing(self, weights):
        raise leximin.SolverFailure("pricing problem failed: solver error")

    monkeypatch.setattr(leximin._Pricer, "best", broken_pricing)
    with pytest.raises(SelectionSolverError) as error:
        leximin_distribution(pool, cats, k)
    assert error.value.code == "solver_failed"
    assert "pricing problem failed" in error.value.diagnostic
    assert not isinstance(error.value, RuntimeError)


def test_notes_and_failures_have_sentences(app):
    with app.test_request_context():
        assert lottery_note_sentence(NOTE_PARTIAL)
        assert lottery_note_sentence("") == ""
        assert solver_failure_sentence(SelectionSolverError.code)
