"""The Polis clustering details, checked against a plain re-statement of the Clojure code.

``naive_kmeans`` below follows ``clusters.clj`` line by line in plain Python (dictionaries
of clusters, ``min-key`` returning the last minimum, ``same-clustering?`` on sorted
centres), independent of the vectorised implementation under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score, silhouette_score

from portal.deliberation import clustering as cl
from portal.deliberation import math as dm

from .synthetic import planted_votes


def naive_init(points: list[tuple[float, ...]], k: int) -> list[tuple[float, ...]]:
    seen: list[tuple[float, ...]] = []
    for p in points:
        if p not in seen:
            seen.append(p)
    return seen[:k]


def naive_kmeans(
    points: list[tuple[float, ...]],
    weights: list[float],
    centres: list[tuple[float, ...]],
    max_iters: int,
) -> tuple[list[int], list[tuple[float, ...]]]:
    """Polis ``kmeans``: loop with ``iter`` from max_iters down to 0."""
    clusters = [list(c) for c in centres]
    iters = max_iters
    while True:
        members: list[list[int]] = [[] for _ in clusters]
        for i, p in enumerate(points):
            best, best_d = 0, math.inf
            for j, c in enumerate(clusters):
                d = math.dist(p, c)
                if d <= best_d:  # min-key keeps the last of equal minima
                    best, best_d = j, d
            members[best].append(i)
        new = []
        for m in members:
            if not m:
                continue  # empty clusters are dropped
            w = sum(weights[i] for i in m)
            new.append(
                [sum(weights[i] * points[i][d] for i in m) / w for d in range(len(points[0]))]
            )
        same = all(
            math.dist(a, b) < 0.01 for a, b in zip(sorted(clusters), sorted(new), strict=False)
        )
        if iters == 0 or same:
            labels = [0] * len(points)
            kept = [m for m in members if m]
            for j, m in enumerate(kept):
                for i in m:
                    labels[i] = j
            return labels, [tuple(c) for c in new]
        clusters = new
        iters -= 1


# Coarse coordinates so that duplicates and exact ties actually occur.
POINTS = st.lists(
    st.tuples(st.integers(-6, 6), st.integers(-6, 6)).map(lambda t: (t[0] / 2, t[1] / 2)),
    min_size=1,
    max_size=60,
)


@settings(max_examples=120, deadline=None)
@given(points=POINTS, k=st.integers(1, 8))
def test_kmeans_matches_the_clojure_loop(points: list[tuple[float, float]], k: int) -> None:
    array = np.array(points)
    start = cl.first_distinct(array, k)
    assert [tuple(c) for c in start.tolist()] == naive_init(points, k)
    labels, centres, totals = cl.polis_kmeans(array, np.ones(len(points)), start, 21)
    naive_labels, naive_centres = naive_kmeans(
        points, [1.0] * len(points), naive_init(points, k), 20
    )
    assert labels.tolist() == naive_labels
    assert np.allclose(centres, np.array(naive_centres))
    assert totals.sum() == len(points)


@settings(max_examples=80, deadline=None)
@given(points=POINTS, data=st.data())
def test_weighted_group_kmeans_matches_the_clojure_loop(
    points: list[tuple[float, float]], data: st.DataObject
) -> None:
    sizes = [data.draw(st.integers(1, 30)) for _ in points]
    k = data.draw(st.integers(2, 5))
    labels, centres, _ = cl.group_clusters(np.array(points), np.array(sizes), k)
    naive_labels, naive_centres = naive_kmeans(
        points, [float(s) for s in sizes], naive_init(points, k), 20
    )
    assert labels.tolist() == naive_labels
    assert np.allclose(centres, np.array(naive_centres))


def test_ties_go_to_the_last_centre() -> None:
    points = np.array([[0.0, 0.0], [2.0, 0.0], [1.0, 0.0]])
    centres = np.array([[0.0, 0.0], [2.0, 0.0]])
    # The middle point is as far from both centres: Polis's min-key picks the last.
    assert cl.assign_nearest(points, centres).tolist() == [0, 1, 1]


@settings(max_examples=60, deadline=None)
@given(points=POINTS, data=st.data())
def test_silhouette_matches_scikit_learn(
    points: list[tuple[float, float]], data: st.DataObject
) -> None:
    labels = np.array([data.draw(st.integers(0, 3)) for _ in points])
    array = np.array(points)
    n_labels = len(np.unique(labels))
    if 2 <= n_labels <= len(points) - 1:
        # scikit-learn also scores a singleton 0.
        assert cl.silhouette(array, labels) == pytest.approx(silhouette_score(array, labels))
    elif n_labels < 2:
        assert cl.silhouette(array, labels) == -1.0


def test_k_rule_and_last_k_on_ties() -> None:
    assert [cl.max_groups(n) for n in (1, 2, 11, 12, 24, 36, 100)] == [1, 2, 2, 3, 4, 5, 5]
    assert cl.best_k([(2, 0.5), (3, 0.7), (4, 0.7), (5, 0.1)]) == 4


@settings(max_examples=100, deadline=None)
@given(
    a=st.lists(st.integers(0, 4), min_size=0, max_size=40),
    seed=st.integers(0, 1000),
)
def test_adjusted_rand_index_matches_scikit_learn(a: list[int], seed: int) -> None:
    b = np.random.default_rng(seed).integers(0, 3, size=len(a))
    assert cl.adjusted_rand_index(np.array(a), b) == pytest.approx(
        adjusted_rand_score(a, b), abs=1e-12
    )


def test_base_clusters_start_from_the_first_distinct_points_in_order() -> None:
    p, s, v, _ = planted_votes(400, 20, 2, density=0.6, seed=12)
    r = dm.compute(p, s, v, n_participants=400, n_statements=20)
    inside = np.flatnonzero(r.in_conversation)
    points = np.asarray(r.projection)[inside]
    labels, centres, sizes = cl.base_clusters(points)
    naive_labels, naive_centres = naive_kmeans(
        [tuple(x) for x in points.tolist()],
        [1.0] * len(points),
        naive_init([tuple(x) for x in points.tolist()], 100),
        100,
    )
    assert labels.tolist() == naive_labels
    assert np.allclose(centres, np.array(naive_centres))
    assert np.array_equal(r.base_cluster[inside], labels)
    assert sizes.sum() == len(inside)


def test_moderated_out_columns_count_in_the_projection_scale() -> None:
    # Dense check of Polis's projection: moderated-out columns are zero for everyone, and a
    # zero counts as a vote, so every participant's n includes all of them.
    p, s, v, _ = planted_votes(120, 12, 2, density=0.5, seed=21)
    mod = np.zeros(12, dtype=bool)
    mod[[2, 5]] = True
    r = dm.compute(p, s, v, n_participants=120, n_statements=12, moderated_out=mod)
    dense = np.full((120, 12), np.nan)
    dense[p, s] = v
    dense[:, mod] = 0.0  # Polis zero-out-columns
    voted = ~np.isnan(dense)
    keep = voted.any(axis=1)
    mean = np.nanmean(np.where(voted, dense, np.nan), axis=0)
    centred = np.where(voted, dense - mean, 0.0)
    n = voted.sum(axis=1)
    expected = np.sqrt(12 / np.maximum(n, 1))[:, None] * (centred @ r.components[:2].T)
    assert np.allclose(r.projection[keep], expected[keep])
    # Participants with votes only on unmoderated columns still count the two zeros.
    assert (n[keep] >= 2).all()
