"""Base clusters and opinion groups, as the Polis math worker computes them.

Pure functions on arrays of projected points. The details follow Polis
(``math/src/polismath/math/clusters.clj`` and ``conversation.clj``) because they decide which
participants end up together:

* Base clusters: k-means with k = 100 on the in-conversation participants in the order of
  their index. Cold start: the first 100 distinct points in that order; warm start: the
  previous centres, with the most distant point split off until there are k. Each point goes
  to the nearest centre (the last one on a tie), empty clusters are dropped, and the loop
  stops when the sorted centres move less than 0.01, after at most 101 steps.
* Groups: weighted k-means on the base centres (weight = size), cold-started from the first
  k distinct centres, 21 steps at most (Polis's group k-means ignores its iteration option
  and uses the default of 20).
* The number of groups is the k in 2..min(5, 2 + n_base // 12) with the best silhouette of
  the base centres (unweighted, a singleton scores 0); the last k wins a tie.

Everything here is deterministic given its inputs: the Polis method has no random start.
The one optional departure, extra seeded starts for the group k-means, is deterministic
given its seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

MAX_BASE_CLUSTERS = 100
#: Polis runs base k-means with ``:base-iters 100``: 101 steps at most.
BASE_MAX_STEPS = 101
#: Polis's group k-means is called with ``:cluster-iters``, a key it ignores, so the
#: default ``max-iters`` of 20 applies: 21 steps at most.
GROUP_MAX_STEPS = 21
#: Sorted centres moving less than this end the k-means loop (``same-clustering?``).
CONVERGENCE_DISTANCE = 0.01
MAX_GROUPS = 5
#: One more possible group per this many base clusters (Polis ``max-k-fn``).
BASE_CLUSTERS_PER_GROUP = 12
#: A newly best number of groups must win this many consecutive updates before it is used.
K_STABILITY_UPDATES = 4
#: Points per block when assigning to centres, so 100k participants stay within memory.
ASSIGN_BLOCK = 65_536


@dataclass(frozen=True)
class KSmoother:
    """State of the group-count smoother that the caller persists between updates."""

    smoothed_k: int
    last_best_k: int
    last_best_count: int


def first_distinct(points: np.ndarray, k: int) -> np.ndarray:
    """The first ``k`` distinct rows of ``points`` in their order (Polis ``init-clusters``)."""
    if len(points) == 0 or k <= 0:
        return np.zeros((0, points.shape[1]))
    _, first = np.unique(points, axis=0, return_index=True)
    return points[np.sort(first)[:k]].astype(np.float64, copy=True)


def _assign_exact(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    k = len(centres)
    labels = np.empty(len(points), dtype=np.int64)
    reversed_centres = centres[::-1]
    for start in range(0, len(points), ASSIGN_BLOCK):
        block = points[start : start + ASSIGN_BLOCK]
        d2 = np.zeros((len(block), k))
        for d in range(points.shape[1]):
            d2 += np.square(block[:, d, None] - reversed_centres[None, :, d])
        labels[start : start + len(block)] = k - 1 - np.argmin(d2, axis=1)
    return labels


def assign_nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for each point; on a tie, the last such centre.

    Polis's ``add-to-closest`` uses ``min-key``, which returns the last of equal minima. A
    k-d tree finds the two nearest centres of every point; the few points whose two nearest
    are equally far are settled by comparing them with every centre.
    """
    k = len(centres)
    if k == 0:
        return np.full(len(points), -1, dtype=np.int64)
    if k == 1 or len(points) * k <= ASSIGN_BLOCK:
        return _assign_exact(points, centres)
    distance, index = cKDTree(centres).query(points, k=2)
    labels = index[:, 0].astype(np.int64)
    tied = distance[:, 0] == distance[:, 1]
    if tied.any():
        labels[tied] = _assign_exact(points[tied], centres)
    return labels


def weighted_means(
    points: np.ndarray, weights: np.ndarray, labels: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean of the points of each label and the total weight per label."""
    total = np.bincount(labels, weights=weights, minlength=k)
    centres = np.column_stack(
        [
            np.bincount(labels, weights=weights * points[:, d], minlength=k)
            for d in range(points.shape[1])
        ]
    ).reshape(k, points.shape[1])
    nonempty = total > 0
    centres[nonempty] /= total[nonempty, None]
    return centres, total


def _sorted_rows(a: np.ndarray) -> np.ndarray:
    if len(a) == 0:
        return a
    return a[np.lexsort(a.T[::-1])]


def same_clustering(old: np.ndarray, new: np.ndarray) -> bool:
    """Polis ``same-clustering?``: the sorted centres pairwise closer than 0.01.

    Like Polis, compares the common prefix when a cluster was dropped.
    """
    a, b = _sorted_rows(old), _sorted_rows(new)
    m = min(len(a), len(b))
    return bool(np.all(np.linalg.norm(a[:m] - b[:m], axis=1) < CONVERGENCE_DISTANCE))


def polis_kmeans(
    points: np.ndarray, weights: np.ndarray, centres: np.ndarray, max_steps: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Polis k-means loop from ``centres``.

    Each step assigns every point to its nearest centre (last on ties), drops empty
    clusters and moves each centre to the weighted mean of its points. Stops after the step
    whose centres are within 0.01 of the previous ones, or after ``max_steps`` steps.
    Returns ``(labels, centres, total weights)``; labels index the returned centres.
    """
    centres = np.asarray(centres, dtype=np.float64)
    labels = np.zeros(len(points), dtype=np.int64)
    totals = np.zeros(len(centres))
    for _ in range(max_steps):
        labels = assign_nearest(points, centres)
        means, totals = weighted_means(points, weights, labels, len(centres))
        keep = totals > 0
        if not keep.all():
            labels = (np.cumsum(keep) - 1)[labels]
            means, totals = means[keep], totals[keep]
        done = same_clustering(centres, means)
        centres = means
        if done:
            break
    return labels, centres, totals


def _split_most_distant(points: np.ndarray, centres: np.ndarray, k: int) -> np.ndarray:
    # Polis ``clean-start-clusters``: while there are fewer clusters than possible, the point
    # farthest from its nearest centre becomes a cluster of its own.
    centres = [np.asarray(c, dtype=np.float64) for c in centres]
    while len(centres) < k:
        distance, _ = cKDTree(np.array(centres)).query(points, k=1)
        far = int(np.argmax(distance))
        if distance[far] <= 0:
            break
        centres.append(points[far].astype(np.float64, copy=True))
    return np.array(centres).reshape(len(centres), points.shape[1])


def base_clusters(
    points: np.ndarray, previous_centres: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Base clusters of the in-conversation projections (rows in participant order).

    Returns ``(labels, centres, sizes)``, empty clusters dropped. Cold start from the first
    100 distinct points; warm start from ``previous_centres`` (the ones that still attract
    a point are kept, then the most distant points are split off up to 100).
    """
    n = len(points)
    dims = points.shape[1]
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, dims)), np.zeros(0, dtype=np.int64)
    points = np.asarray(points, dtype=np.float64)
    k = min(MAX_BASE_CLUSTERS, len(np.unique(points, axis=0)))
    if previous_centres is not None and len(previous_centres):
        start = np.asarray(previous_centres, dtype=np.float64)[:k]
        # Centres nobody is closest to any more would be dropped by the first step anyway.
        used = np.unique(assign_nearest(points, start))
        start = _split_most_distant(points, start[used], k)
    else:
        start = first_distinct(points, k)
    labels, centres, sizes = polis_kmeans(points, np.ones(n), start, BASE_MAX_STEPS)
    return labels, centres, np.rint(sizes).astype(np.int64)


def group_clusters(
    centres: np.ndarray,
    sizes: np.ndarray,
    k: int,
    previous_centres: np.ndarray | None = None,
    *,
    extra_starts: int = 0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Weighted k-means of the base centres into ``k`` groups (fewer if some empty).

    Starts from ``previous_centres`` when there are ``k`` of them, otherwise from the first
    ``k`` distinct base centres (Polis). ``extra_starts`` > 0 also tries that many seeded
    k-means++ starts and keeps the lowest weighted inertia (the Polis start wins ties), a
    deliberate departure that escapes a poor first start. Returns ``(labels,
    group_centres, weighted inertia)``.
    """
    centres = np.asarray(centres, dtype=np.float64)
    weights = np.asarray(sizes, dtype=np.float64)
    if previous_centres is not None and len(previous_centres) == k:
        starts = [np.asarray(previous_centres, dtype=np.float64)]
    else:
        starts = [first_distinct(centres, k)]
    if extra_starts > 0 and len(centres) > k:
        # Imported here: scikit-learn takes a second to import and the Polis path needs none.
        from sklearn.cluster import kmeans_plusplus

        rng = np.random.default_rng(seed)
        for start_seed in rng.integers(0, 2**31 - 1, size=extra_starts):
            init, _ = kmeans_plusplus(
                centres, k, sample_weight=weights, random_state=int(start_seed)
            )
            starts.append(init)
    best: tuple[np.ndarray, np.ndarray, float] | None = None
    for start in starts:
        labels, group_centres, _ = polis_kmeans(centres, weights, start, GROUP_MAX_STEPS)
        d2 = np.square(centres - group_centres[labels]).sum(axis=1)
        inertia = float((weights * d2).sum())
        if best is None or inertia < best[2] - 1e-12 * max(1.0, best[2]):
            best = (labels, group_centres, inertia)
    assert best is not None
    return best


def silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of unweighted points; a point alone in its cluster scores 0.

    Returns -1 when there are fewer than two clusters (no clustering to score).
    """
    labels = np.asarray(labels)
    ids, labels = np.unique(labels, return_inverse=True)
    k = len(ids)
    if k < 2:
        return -1.0
    distance = np.sqrt(np.square(points[:, None, :] - points[None, :, :]).sum(axis=2))
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    sums = np.zeros((len(points), k))
    for c in range(k):
        sums[:, c] = distance[:, labels == c].sum(axis=1)
    own = counts[labels]
    rows = np.arange(len(points))
    with np.errstate(divide="ignore", invalid="ignore"):
        a = sums[rows, labels] / (own - 1.0)
        mean_to = sums / counts
    mean_to[rows, labels] = np.inf
    b = mean_to.min(axis=1)
    denom = np.maximum(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(denom > 0, (b - a) / denom, 0.0)
    s[own <= 1] = 0.0
    return float(s.mean())


def max_groups(n_base: int) -> int:
    """Largest number of groups tried: ``min(5, 2 + n_base // 12)`` (and at most n_base)."""
    return min(MAX_GROUPS, 2 + n_base // BASE_CLUSTERS_PER_GROUP, n_base)


def best_k(silhouettes: list[tuple[int, float]]) -> int:
    """The k with the highest silhouette; the last one on a tie (Polis ``max-key``)."""
    return max(silhouettes, key=lambda ks: (ks[1], ks[0]))[0]


def smooth_k(best: int, previous: KSmoother | None) -> KSmoother:
    """Polis group-count smoother: adopt a new best k after it won 4 updates in a row."""
    if previous is None:
        return KSmoother(smoothed_k=best, last_best_k=best, last_best_count=1)
    count = previous.last_best_count + 1 if best == previous.last_best_k else 1
    smoothed = best if count >= K_STABILITY_UPDATES else previous.smoothed_k
    return KSmoother(smoothed_k=smoothed, last_best_k=best, last_best_count=count)


def match_groups(
    new_labels: np.ndarray, previous_labels: np.ndarray, previous_ids: tuple[int, ...]
) -> np.ndarray:
    """Map new group labels 0..k-1 to ids, keeping the ids of the previous groups.

    Groups are matched by the number of shared participants (Hungarian assignment); new
    groups without a partner get the smallest ids not used by any previous group. Returns an
    array of ids, one per label.
    """
    k = int(new_labels.max()) + 1 if len(new_labels) else 0
    ids = np.full(k, -1, dtype=np.int64)
    if k == 0:
        return ids
    n = min(len(new_labels), len(previous_labels))
    both = (new_labels[:n] >= 0) & (previous_labels[:n] >= 0)
    if previous_ids and both.any():
        # Imported here: scipy.optimize takes a fifth of a second and only updates need it.
        from scipy.optimize import linear_sum_assignment

        prev_ids = np.asarray(previous_ids, dtype=np.int64)
        sorter = np.argsort(prev_ids)
        old = np.asarray(previous_labels[:n])[both]
        found = np.minimum(np.searchsorted(prev_ids, old, sorter=sorter), len(prev_ids) - 1)
        prev_pos = sorter[found]
        valid = prev_ids[prev_pos] == old
        overlap = np.bincount(
            new_labels[:n][both][valid] * len(prev_ids) + prev_pos[valid],
            minlength=k * len(prev_ids),
        ).reshape(k, len(prev_ids))
        rows, cols = linear_sum_assignment(-overlap)
        for r, c in zip(rows, cols, strict=True):
            if overlap[r, c] > 0:
                ids[r] = previous_ids[c]
    # A group that matches none of the previous ones must not inherit the id of one that
    # vanished, or readers would take it for the same group.
    used = {int(i) for i in ids if i >= 0} | {int(i) for i in previous_ids}
    next_id = 0
    for r in range(k):
        if ids[r] < 0:
            while next_id in used:
                next_id += 1
            ids[r] = next_id
            used.add(next_id)
    return ids


def adjusted_rand_index(a: np.ndarray, b: np.ndarray) -> float:
    """Adjusted Rand index of two labelings of the same items (1 = identical partitions).

    Hubert and Arabie's formula on the contingency table; 1.0 when both labelings put
    everything in one cluster (or there is at most one item), as scikit-learn does.
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if len(a) != len(b):
        raise ValueError("labelings must have the same length")
    n = len(a)
    if n <= 1:
        return 1.0
    _, ia = np.unique(a, return_inverse=True)
    _, ib = np.unique(b, return_inverse=True)
    table = np.bincount(ia * (ib.max() + 1) + ib, minlength=(ia.max() + 1) * (ib.max() + 1))

    def pairs(x: np.ndarray) -> float:
        x = x.astype(np.float64)
        return float((x * (x - 1) / 2).sum())

    index = pairs(table)
    rows = pairs(np.bincount(ia))
    cols = pairs(np.bincount(ib))
    total = n * (n - 1) / 2
    expected = rows * cols / total
    maximum = (rows + cols) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)
