"""Synthetic conversations with planted opinion groups for the deliberation tests."""

from __future__ import annotations

import numpy as np


def planted_votes(
    n_participants: int,
    n_statements: int,
    n_groups: int,
    density: float,
    seed: int,
    separation: float = 0.8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Synthetic conversation with planted opinion groups.

    Each group agrees with probability ``0.5 ± separation/2`` per statement (random sign per
    group and statement), passes 10 % of the time. Returns participants, statements, values
    and the planted group of every participant.
    """
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_groups, size=n_participants)
    lean = rng.choice([-1.0, 1.0], size=(n_groups, n_statements))
    p_agree = 0.5 + lean * separation / 2
    voted = rng.random((n_participants, n_statements)) < density
    p, s = np.nonzero(voted)
    u = rng.random(len(p))
    values = np.where(u < p_agree[truth[p], s], 1, -1).astype(np.int8)
    values[rng.random(len(p)) < 0.1] = 0
    return p, s, values, truth
