"""Opinion-group math for deliberations, after the Polis method.

One update takes the vote log of a conversation (participant index, statement index, value
with +1 agree, -1 disagree, 0 pass) and returns the opinion map: a two-dimensional PCA
projection of every participant, base clusters, opinion groups, representative statements
per group, consensus statements and the priorities used to pick the next statement.

Differences from the Polis math worker, all chosen so that a recompute is reproducible and
exact at 100k participants x 2k statements:

* The two principal components are computed exactly (dense SVD for small conversations,
  Lanczos on the sparse centred matrix otherwise) with a fixed, data-derived start vector and a
  deterministic sign, instead of a warm-started power iteration or unseeded mini-batch PCA.
* Base clusters start from seeded k-means++ (or the previous centres when given) and are
  finished with a deterministic assignment pass, so the same vote log, seed and previous
  result always give bit-identical results.
* Group k-means is run from several seeded starts (plus the previous group centres) and the
  lowest weighted inertia wins, so a bad start cannot split a clear group.

Participant and statement indices must be stable between updates (append new ones at the
end), because the in-conversation set and group identities are carried over by index.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.linalg import eigh_tridiagonal
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree
from sklearn.cluster import KMeans, kmeans_plusplus
from sklearn.metrics import silhouette_score

AGREE = 1
DISAGREE = -1
PASS = 0

#: One-sided 90 % z threshold used by every Polis significance test.
Z_90 = 1.2816
IN_CONVERSATION_MIN_VOTES = 7
IN_CONVERSATION_MIN_PARTICIPANTS = 15
MAX_BASE_CLUSTERS = 100
MAX_GROUPS = 5
#: A newly best number of groups must win this many consecutive updates before it is used.
K_STABILITY_UPDATES = 4
MAX_REPRESENTATIVE = 5
MAX_CONSENSUS = 5
MAX_DIVISIVE = 5
META_PRIORITY = 49.0
GROUP_KMEANS_STARTS = 8
KMEANS_INIT_SAMPLE = 10_000
#: Below this many matrix cells a dense SVD is both exact and faster than Lanczos.
DENSE_SVD_MAX_CELLS = 250_000
LANCZOS_MAX_STEPS = 200
LANCZOS_RTOL = 1e-10


@dataclass(frozen=True)
class KSmoother:
    """State of the group-count smoother that the caller persists between updates."""

    smoothed_k: int
    last_best_k: int
    last_best_count: int


@dataclass(frozen=True)
class RepresentativeStatement:
    """A statement that sets a group apart from everyone else (in-conversation only)."""

    statement: int
    direction: str  # "agree" or "disagree"
    n_agree: int
    n_disagree: int
    n_seen: int
    n_agree_rest: int
    n_disagree_rest: int
    n_seen_rest: int
    probability: float  # pa or pd (Laplace-smoothed share within the group)
    probability_test: float  # pat or pdt
    repness: float  # ra or rd
    repness_test: float  # rat or rdt
    significant: bool

    @property
    def metric(self) -> float:
        """Polis ranking metric: repness · repness test · probability · probability test."""
        return self.repness * self.repness_test * self.probability * self.probability_test


@dataclass(frozen=True)
class ConsensusStatement:
    """A statement most participants agree (or disagree) with."""

    statement: int
    direction: str
    n_agree: int
    n_disagree: int
    n_seen: int
    probability: float
    probability_test: float


@dataclass(frozen=True)
class DivisiveStatement:
    """A statement on which the groups' agree shares differ most."""

    statement: int
    variance: float
    group_agree_shares: tuple[float, ...]


@dataclass(frozen=True, eq=False)
class MathResult:
    """Everything one update computes; arrays are read-only.

    Per-participant arrays have length ``n_participants`` (``-1`` / NaN for participants who
    are not clustered or have not voted); per-statement arrays have length ``n_statements``;
    per-group tuples are aligned with ``group_ids`` (sorted ascending). ``components``,
    ``base_centers`` and ``group_centers`` have ``cluster_dimensions`` coordinates, the
    first two of which are the map's.
    """

    n_participants: int
    n_statements: int
    seed: int
    cluster_dimensions: int
    moderated_out: np.ndarray
    center: np.ndarray
    components: np.ndarray
    singular_values: np.ndarray
    n_votes: np.ndarray
    projection: np.ndarray
    in_conversation: np.ndarray
    base_cluster: np.ndarray
    base_centers: np.ndarray
    base_sizes: np.ndarray
    group: np.ndarray
    group_ids: tuple[int, ...]
    group_members: tuple[np.ndarray, ...]
    group_centers: np.ndarray
    silhouettes: tuple[tuple[int, float], ...]
    k_smoother: KSmoother
    statement_projection: np.ndarray
    extremity: np.ndarray
    statement_agrees: np.ndarray
    statement_disagrees: np.ndarray
    statement_seen: np.ndarray
    representative: tuple[tuple[RepresentativeStatement, ...], ...]
    consensus_agree: tuple[ConsensusStatement, ...]
    consensus_disagree: tuple[ConsensusStatement, ...]
    group_informed_consensus: np.ndarray
    divisive: tuple[DivisiveStatement, ...]

    @property
    def n_groups(self) -> int:
        """Number of opinion groups."""
        return len(self.group_ids)

    @property
    def n_clustered(self) -> int:
        """Number of participants placed in a group."""
        return int(np.count_nonzero(self.group >= 0))


# --------------------------------------------------------------------------- vote log


def latest_votes(
    participants: np.ndarray,
    statements: np.ndarray,
    values: np.ndarray,
    order: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep only the latest vote per (participant, statement) pair.

    ``order`` is a timestamp or sequence number; ties (and ``order=None``) fall back to the
    position in the arrays, so a vote later in the log wins. Returns ``(participants,
    statements, values)`` sorted by participant then statement.
    """
    p = np.asarray(participants, dtype=np.int64)
    s = np.asarray(statements, dtype=np.int64)
    v = np.asarray(values, dtype=np.int8)
    if not (len(p) == len(s) == len(v)):
        raise ValueError("participants, statements and values must have the same length")
    n = len(p)
    if n == 0:
        return p, s, v
    pair = p * (int(s.max()) + 1) + s
    # lexsort is stable, so equal timestamps keep log order and the later row wins.
    idx = (
        np.lexsort((np.asarray(order), pair))
        if order is not None
        else np.argsort(pair, kind="stable")
    )
    sorted_pair = pair[idx]
    last = np.ones(n, dtype=bool)
    last[:-1] = sorted_pair[1:] != sorted_pair[:-1]
    keep = idx[last]
    return p[keep], s[keep], v[keep]


def vote_matrix(
    participants: np.ndarray,
    statements: np.ndarray,
    values: np.ndarray,
    n_participants: int,
    n_statements: int,
) -> sp.csr_array:
    """Sparse participants x statements matrix of votes in canonical CSR form.

    Passes are stored as explicit zeros, so ``indptr``/``indices`` give who has seen what.
    Raises ``ValueError`` on duplicate pairs (resolve them with :func:`latest_votes`) or on
    values other than -1, 0, +1.
    """
    v = np.asarray(values)
    if v.size and (v.min() < -1 or v.max() > 1):
        raise ValueError("votes must be -1 (disagree), 0 (pass) or +1 (agree)")
    p = np.asarray(participants)
    s = np.asarray(statements)
    if p.size and (p.min() < 0 or p.max() >= n_participants):
        raise ValueError("participant index out of range")
    if s.size and (s.min() < 0 or s.max() >= n_statements):
        raise ValueError("statement index out of range")
    # Shift to 1..3 so that passes survive the COO->CSR conversion and duplicates show up
    # as a smaller nnz rather than silently summed values.
    shifted = (v.astype(np.int8) + 2).astype(np.int8)
    matrix = sp.coo_array((shifted, (p, s)), shape=(n_participants, n_statements)).tocsr()
    if matrix.nnz != len(v):
        raise ValueError("duplicate votes for a (participant, statement) pair")
    matrix.data -= 2
    return matrix


# --------------------------------------------------------------------------- PCA


def _sign_fix(components: np.ndarray) -> np.ndarray:
    # An SVD determines each component only up to sign; pin it so the map does not flip
    # between identical recomputes: the largest-magnitude loading is positive.
    for i in range(components.shape[0]):
        row = components[i]
        if np.any(row) and row[np.argmax(np.abs(row))] < 0:
            components[i] = -row
    return components


def _lanczos_top(centred: sp.csr_array, start: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` eigenpairs of ``centred.T @ centred`` by Lanczos with full reorthogonalisation.

    One sparse product pair per step and nothing nnz-sized is allocated. Stops when both
    Ritz residuals are below ``LANCZOS_RTOL`` of the largest eigenvalue (exact to rounding),
    when the Krylov space is exhausted (exact), or after ``LANCZOS_MAX_STEPS``: that only
    happens when the second eigenvalue is not separated from the rest of the spectrum, i.e.
    the conversation has a single opinion axis and any second axis is noise, whichever
    method computes it. Either way the result depends only on the data.
    """
    n_cols = centred.shape[1]
    max_steps = min(n_cols, max(LANCZOS_MAX_STEPS, 4 * k))
    basis = np.zeros((n_cols, max_steps))
    alpha = np.zeros(max_steps)
    beta = np.zeros(max_steps)
    q = start / np.linalg.norm(start)
    steps = 0
    values = np.zeros(0)
    vectors = np.zeros((0, 0))
    for j in range(max_steps):
        basis[:, j] = q
        w = centred.T @ (centred @ q)
        alpha[j] = q @ w
        # Full reorthogonalisation (twice) keeps the basis orthonormal in floating point, so
        # no spurious copies of converged eigenvalues appear.
        used = basis[:, : j + 1]
        w -= used @ (used.T @ w)
        w -= used @ (used.T @ w)
        beta[j] = np.linalg.norm(w)
        steps = j + 1
        exhausted = beta[j] <= 1e-12 * max(abs(alpha[: j + 1]).max(), 1e-300)
        if steps >= k and (exhausted or steps % 4 == 0 or steps == max_steps):
            values, vectors = eigh_tridiagonal(alpha[:steps], beta[: steps - 1])
            top = np.argsort(-values)[:k]
            residual = beta[j] * np.abs(vectors[-1, top])
            if exhausted or np.all(residual <= LANCZOS_RTOL * values[top[0]]):
                break
        if exhausted:
            break
        q = w / beta[j]
    if steps == 1:
        values, vectors = np.array([alpha[0]]), np.ones((1, 1))
    elif len(values) != steps:
        values, vectors = eigh_tridiagonal(alpha[:steps], beta[: steps - 1])
    top = np.argsort(-values)[:k]
    ritz = (basis[:, :steps] @ vectors[:, top]).T
    return ritz, np.sqrt(np.maximum(values[top], 0.0))


def principal_components(
    centred: sp.csr_array, n_components: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """Top right singular vectors (n_components x n_statements) and singular values of a
    centred matrix.

    Dense SVD when small; otherwise Lanczos on the sparse matrix (never densified), started
    from the column norms so the result does not depend on a random start.
    """
    n_rows, n_cols = centred.shape
    components = np.zeros((n_components, n_cols))
    singular = np.zeros(n_components)
    if centred.nnz == 0 or not np.any(centred.data):
        return components, singular
    if n_rows * n_cols <= DENSE_SVD_MAX_CELLS or min(n_rows, n_cols) <= n_components + 1:
        _, s, vt = np.linalg.svd(centred.toarray(), full_matrices=False)
        k = min(n_components, len(s))
        components[:k] = vt[:k]
        singular[:k] = s[:k]
    else:
        # Column norms point roughly along the dominant directions and, unlike a random
        # vector, depend only on the data.
        start = np.sqrt(
            np.bincount(centred.indices, weights=np.square(centred.data), minlength=n_cols)
        )
        start = start + start.mean() * 1e-3
        vt, s = _lanczos_top(centred, start, n_components)
        components[: len(s)] = vt
        singular[: len(s)] = s
    # A rank-1 matrix has no meaningful second direction; an arbitrary one would scatter
    # participants along noise.
    tiny = singular <= singular[0] * 1e-10
    components[tiny] = 0.0
    singular[tiny] = 0.0
    return _sign_fix(components), singular


def projection_scale(n_votes: np.ndarray, n_columns: int) -> np.ndarray:
    """Polis sparsity scaling ``sqrt(C / max(n_p, 1))`` for each participant."""
    return np.sqrt(n_columns / np.maximum(np.asarray(n_votes, dtype=np.float64), 1.0))


# --------------------------------------------------------------------------- who is in


def in_conversation(
    n_votes: np.ndarray, n_columns: int, previous: np.ndarray | None = None
) -> np.ndarray:
    """Boolean mask of participants who are clustered.

    In when the vote count (passes included) is at least ``min(7, n_columns)``; if fewer
    than 15 qualify the top voters are added until there are 15 (ties by lower index); a
    participant in the ``previous`` set stays in.
    """
    n_votes = np.asarray(n_votes)
    n = len(n_votes)
    threshold = max(min(IN_CONVERSATION_MIN_VOTES, n_columns), 1)
    inside = n_votes >= threshold
    if previous is not None:
        prev = np.zeros(n, dtype=bool)
        m = min(n, len(previous))
        prev[:m] = np.asarray(previous[:m], dtype=bool)
        inside |= prev & (n_votes > 0)
    missing = IN_CONVERSATION_MIN_PARTICIPANTS - int(inside.sum())
    if missing > 0:
        order = np.lexsort((np.arange(n), -n_votes))
        candidates = order[~inside[order] & (n_votes[order] > 0)]
        inside[candidates[:missing]] = True
    return inside


# --------------------------------------------------------------------------- clustering


def _assign(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    _, labels = cKDTree(centres).query(points, k=1)
    return np.asarray(labels, dtype=np.int64)


def _weighted_means(
    points: np.ndarray, weights: np.ndarray, labels: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    total = np.bincount(labels, weights=weights, minlength=k)
    centres = np.column_stack(
        [
            np.bincount(labels, weights=weights * points[:, d], minlength=k)
            for d in range(points.shape[1])
        ]
    )
    nonempty = total > 0
    centres[nonempty] /= total[nonempty, None]
    return centres, total


def base_clusters(
    points: np.ndarray, seed: int, previous_centres: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """k-means with k = min(100, distinct points) on in-conversation projections.

    Returns ``(labels, centres, sizes)`` with empty clusters dropped. Starts from the
    previous centres when given (Polis warm start), otherwise from seeded k-means++.
    """
    n = len(points)
    if n == 0:
        return (
            np.zeros(0, dtype=np.int64),
            np.zeros((0, points.shape[1])),
            np.zeros(0, dtype=np.int64),
        )
    distinct = np.unique(points, axis=0)
    k = min(MAX_BASE_CLUSTERS, len(distinct))
    if k == len(distinct):
        centres = distinct
    else:
        if previous_centres is not None and len(previous_centres) >= k:
            init = np.asarray(previous_centres[:k], dtype=np.float64)
        else:
            # k-means++ on a seeded subsample: the same spread of starting centres at a
            # fraction of the cost for 100k participants.
            sample = points
            if len(points) > KMEANS_INIT_SAMPLE:
                rng = np.random.default_rng(seed)
                sample = points[np.sort(rng.choice(len(points), KMEANS_INIT_SAMPLE, False))]
            init, _ = kmeans_plusplus(sample, k, random_state=seed)
            if previous_centres is not None and len(previous_centres):
                init[: len(previous_centres)] = previous_centres
        model = KMeans(n_clusters=k, init=init, n_init=1, max_iter=100, tol=1e-4)
        model.fit(points)
        centres = model.cluster_centers_
    # Finish with a single-threaded assignment and mean so the result does not depend on
    # the order in which threads reduced their partial sums.
    labels = _assign(points, centres)
    centres, sizes = _weighted_means(points, np.ones(n), labels, len(centres))
    keep = sizes > 0
    remap = np.cumsum(keep) - 1
    return remap[labels], centres[keep], sizes[keep].astype(np.int64)


def _weighted_lloyd(
    points: np.ndarray, weights: np.ndarray, init: np.ndarray, max_iter: int = 300
) -> tuple[np.ndarray, np.ndarray, float]:
    centres = np.array(init, dtype=np.float64)
    k = len(centres)
    labels = np.full(len(points), -1)
    for _ in range(max_iter):
        d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        new_labels = np.argmin(d2, axis=1)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        means, total = _weighted_means(points, weights, labels, k)
        # An emptied group keeps its centre rather than vanishing, so k stays what was asked.
        centres = np.where(total[:, None] > 0, means, centres)
    d2 = ((points - centres[labels]) ** 2).sum(axis=1)
    return labels, centres, float((weights * d2).sum())


def group_clusters(
    centres: np.ndarray,
    sizes: np.ndarray,
    k: int,
    seed: int,
    previous_centres: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Weighted k-means on base-cluster centres; best of several seeded starts.

    The previous group centres (when there were ``k`` groups) are tried first, so ties keep
    the groups where they were. Returns ``(labels, group_centres, inertia)``.
    """
    weights = np.asarray(sizes, dtype=np.float64)
    starts: list[np.ndarray] = []
    if previous_centres is not None and len(previous_centres) == k:
        starts.append(np.asarray(previous_centres, dtype=np.float64))
    rng = np.random.default_rng(seed)
    for start_seed in rng.integers(0, 2**31 - 1, size=GROUP_KMEANS_STARTS):
        init, _ = kmeans_plusplus(centres, k, sample_weight=weights, random_state=int(start_seed))
        starts.append(init)
    best: tuple[np.ndarray, np.ndarray, float] | None = None
    for init in starts:
        labels, group_centres, inertia = _weighted_lloyd(centres, weights, init)
        if best is None or inertia < best[2] - 1e-12 * max(1.0, best[2]):
            best = (labels, group_centres, inertia)
    assert best is not None
    return best


def _silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    n_labels = len(np.unique(labels))
    if n_labels < 2 or n_labels > len(points) - 1:
        return -1.0
    return float(silhouette_score(points, labels))


def smooth_k(best_k: int, previous: KSmoother | None) -> KSmoother:
    """Polis group-count smoother: adopt a new best k after it won 4 updates in a row."""
    if previous is None:
        return KSmoother(smoothed_k=best_k, last_best_k=best_k, last_best_count=1)
    count = previous.last_best_count + 1 if best_k == previous.last_best_k else 1
    smoothed = best_k if count >= K_STABILITY_UPDATES else previous.smoothed_k
    return KSmoother(smoothed_k=smoothed, last_best_k=best_k, last_best_count=count)


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


# --------------------------------------------------------------------------- statistics


def prop_test(successes: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Polis one-proportion z statistic against 1/2 with a +1 pseudo-count."""
    s = np.asarray(successes, dtype=np.float64) + 1.0
    m = np.asarray(n, dtype=np.float64) + 1.0
    return 2.0 * np.sqrt(m) * (s / m - 0.5)


def two_prop_test(
    succ_in: np.ndarray, succ_out: np.ndarray, n_in: np.ndarray, n_out: np.ndarray
) -> np.ndarray:
    """Polis two-proportion z statistic (group vs rest) with +1 added to all four counts."""
    s1 = np.asarray(succ_in, dtype=np.float64) + 1.0
    s2 = np.asarray(succ_out, dtype=np.float64) + 1.0
    n1 = np.asarray(n_in, dtype=np.float64) + 1.0
    n2 = np.asarray(n_out, dtype=np.float64) + 1.0
    p1, p2 = s1 / n1, s2 / n2
    pooled = (s1 + s2) / (n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
        z = (p1 - p2) / denom
    return np.where(pooled >= 1.0, 0.0, z)


@dataclass(frozen=True, eq=False)
class RepnessStats:
    """Per-statement repness statistics of one group against the rest."""

    na: np.ndarray
    nd: np.ndarray
    ns: np.ndarray
    na_rest: np.ndarray
    nd_rest: np.ndarray
    ns_rest: np.ndarray
    pa: np.ndarray
    pd: np.ndarray
    pat: np.ndarray
    pdt: np.ndarray
    ra: np.ndarray
    rd: np.ndarray
    rat: np.ndarray
    rdt: np.ndarray


def repness_stats(
    na: np.ndarray,
    nd: np.ndarray,
    ns: np.ndarray,
    na_rest: np.ndarray,
    nd_rest: np.ndarray,
    ns_rest: np.ndarray,
) -> RepnessStats:
    """Polis representativeness statistics from group and rest counts (vectorised)."""
    na, nd, ns, na_rest, nd_rest, ns_rest = (
        np.asarray(x, dtype=np.float64) for x in (na, nd, ns, na_rest, nd_rest, ns_rest)
    )
    pa = (na + 1.0) / (ns + 2.0)
    pd = (nd + 1.0) / (ns + 2.0)
    return RepnessStats(
        na=na,
        nd=nd,
        ns=ns,
        na_rest=na_rest,
        nd_rest=nd_rest,
        ns_rest=ns_rest,
        pa=pa,
        pd=pd,
        pat=prop_test(na, ns),
        pdt=prop_test(nd, ns),
        ra=pa / ((na_rest + 1.0) / (ns_rest + 2.0)),
        rd=pd / ((nd_rest + 1.0) / (ns_rest + 2.0)),
        rat=two_prop_test(na, na_rest, ns, ns_rest),
        rdt=two_prop_test(nd, nd_rest, ns, ns_rest),
    )


def _rep_statement(
    st: RepnessStats, j: int, agree: bool, significant: bool
) -> RepresentativeStatement:
    return RepresentativeStatement(
        statement=int(j),
        direction="agree" if agree else "disagree",
        n_agree=int(st.na[j]),
        n_disagree=int(st.nd[j]),
        n_seen=int(st.ns[j]),
        n_agree_rest=int(st.na_rest[j]),
        n_disagree_rest=int(st.nd_rest[j]),
        n_seen_rest=int(st.ns_rest[j]),
        probability=float(st.pa[j] if agree else st.pd[j]),
        probability_test=float(st.pat[j] if agree else st.pdt[j]),
        repness=float(st.ra[j] if agree else st.rd[j]),
        repness_test=float(st.rat[j] if agree else st.rdt[j]),
        significant=bool(significant),
    )


def select_representative(
    st: RepnessStats, eligible: np.ndarray, limit: int = MAX_REPRESENTATIVE
) -> tuple[RepresentativeStatement, ...]:
    """Polis selection of up to ``limit`` representative statements for one group.

    Significant when (rat > z90 and pat > z90) or (rdt > z90 and pdt > z90); direction is
    agree when rat > rdt. The best agree statement comes first, then the other significant
    ones by ra·rat·pa·pat (rd·rdt·pd·pdt for disagree), agrees before disagrees; with none
    significant, only the best agree statement.
    """
    eligible = np.asarray(eligible, dtype=bool)
    agree_metric = st.ra * st.rat * st.pa * st.pat
    disagree_metric = st.rd * st.rdt * st.pd * st.pdt
    repful_agree = st.rat > st.rdt
    metric = np.where(repful_agree, agree_metric, disagree_metric)
    significant = ((st.rat > Z_90) & (st.pat > Z_90)) | ((st.rdt > Z_90) & (st.pdt > Z_90))
    significant &= eligible
    agree_ok = eligible & (st.na > 0) & ((st.pat > Z_90) | ((st.ra > 1.0) & (st.pa > 0.5)))
    best_agree: int | None = None
    if agree_ok.any():
        candidates = np.flatnonzero(agree_ok)
        # Ties go to the lower statement index so the choice is stable.
        best_agree = int(candidates[np.argmax(agree_metric[candidates])])
    if not significant.any():
        if best_agree is None:
            return ()
        return (_rep_statement(st, best_agree, True, bool(significant[best_agree])),)
    chosen: list[RepresentativeStatement] = []
    if best_agree is not None:
        chosen.append(_rep_statement(st, best_agree, True, bool(significant[best_agree])))
    others = np.flatnonzero(significant)
    if best_agree is not None:
        others = others[others != best_agree]
    others = others[np.lexsort((others, -metric[others]))]
    for j in others[: max(limit - len(chosen), 0)]:
        chosen.append(_rep_statement(st, int(j), bool(repful_agree[j]), True))
    # Stable sort keeps the best agree statement first.
    chosen.sort(key=lambda r: r.direction != "agree")
    return tuple(chosen)


def consensus_statements(
    n_agree: np.ndarray,
    n_disagree: np.ndarray,
    n_seen: np.ndarray,
    eligible: np.ndarray,
    limit: int = MAX_CONSENSUS,
) -> tuple[tuple[ConsensusStatement, ...], tuple[ConsensusStatement, ...]]:
    """Agree and disagree consensus: p > 0.5 and p-test > z90, top ``limit`` by p·p-test."""
    na = np.asarray(n_agree, dtype=np.float64)
    nd = np.asarray(n_disagree, dtype=np.float64)
    ns = np.asarray(n_seen, dtype=np.float64)
    eligible = np.asarray(eligible, dtype=bool)
    out = []
    for direction, count in (("agree", na), ("disagree", nd)):
        p = (count + 1.0) / (ns + 2.0)
        pt = prop_test(count, ns)
        ok = np.flatnonzero(eligible & (p > 0.5) & (pt > Z_90))
        ok = ok[np.lexsort((ok, -(p * pt)[ok]))][:limit]
        out.append(
            tuple(
                ConsensusStatement(
                    statement=int(j),
                    direction=direction,
                    n_agree=int(na[j]),
                    n_disagree=int(nd[j]),
                    n_seen=int(ns[j]),
                    probability=float(p[j]),
                    probability_test=float(pt[j]),
                )
                for j in ok
            )
        )
    return out[0], out[1]


def group_informed_consensus(group_agrees: np.ndarray, group_seen: np.ndarray) -> np.ndarray:
    """``GIC_j = Π_g (A_gj + 1) / (S_gj + 2)`` for group x statement count arrays."""
    a = np.asarray(group_agrees, dtype=np.float64)
    s = np.asarray(group_seen, dtype=np.float64)
    return np.prod((a + 1.0) / (s + 2.0), axis=0)


# --------------------------------------------------------------------------- routing


def statement_priorities(
    agrees: np.ndarray,
    passes: np.ndarray,
    seen: np.ndarray,
    extremity: np.ndarray,
    meta: np.ndarray | None = None,
) -> np.ndarray:
    """Polis priority of each statement for choosing what to show next.

    ``p = (P+1)/(S+2)``, ``a = (A+1)/(S+2)``, ``importance = (1-p)(E+1)a`` and
    ``priority = (importance · (1 + 8·2^(-S/5)))²``; meta statements get 49.
    """
    a_count = np.asarray(agrees, dtype=np.float64)
    p_count = np.asarray(passes, dtype=np.float64)
    s_count = np.asarray(seen, dtype=np.float64)
    e = np.asarray(extremity, dtype=np.float64)
    p = (p_count + 1.0) / (s_count + 2.0)
    a = (a_count + 1.0) / (s_count + 2.0)
    importance = (1.0 - p) * (e + 1.0) * a
    # New statements get a boost that fades as they are seen, so they get a fair hearing.
    priority = (importance * (1.0 + 8.0 * np.exp2(-s_count / 5.0))) ** 2
    if meta is not None:
        priority = np.where(np.asarray(meta, dtype=bool), META_PRIORITY, priority)
    return priority


def result_priorities(result: MathResult, meta: np.ndarray | None = None) -> np.ndarray:
    """:func:`statement_priorities` from the counts and extremity of the last update."""
    passes = result.statement_seen - result.statement_agrees - result.statement_disagrees
    return statement_priorities(
        result.statement_agrees, passes, result.statement_seen, result.extremity, meta
    )


def choose_next_statement(
    priorities: np.ndarray,
    voted_mask: np.ndarray,
    visible_mask: np.ndarray,
    rng: np.random.Generator,
) -> int | None:
    """Draw an unvoted visible statement with probability proportional to its priority.

    Returns ``None`` when nothing is left; falls back to a uniform draw when every
    candidate has zero priority.
    """
    candidates = np.flatnonzero(np.asarray(visible_mask, bool) & ~np.asarray(voted_mask, bool))
    if len(candidates) == 0:
        return None
    weights = np.clip(np.asarray(priorities, dtype=np.float64)[candidates], 0.0, None)
    total = weights.sum()
    if not np.isfinite(total) or total <= 0:
        return int(candidates[rng.integers(len(candidates))])
    return int(rng.choice(candidates, p=weights / total))


# --------------------------------------------------------------------------- pipeline


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    a.flags.writeable = False
    return a


def compute(
    participants: np.ndarray,
    statements: np.ndarray,
    values: np.ndarray,
    *,
    n_participants: int,
    n_statements: int,
    moderated_out: np.ndarray | None = None,
    previous: MathResult | None = None,
    seed: int = 0,
    cluster_dimensions: int = 2,
) -> MathResult:
    """Run one update of the opinion-group math on a resolved vote log.

    ``participants``/``statements``/``values`` hold one vote per pair (use
    :func:`latest_votes` first). ``moderated_out`` marks statements whose column is zeroed
    (they still count towards each participant's vote count). ``previous`` carries the
    in-conversation set, base-cluster centres, group centres and ids and the k smoother over
    from the last update; ``None`` recomputes from scratch. Deterministic given the inputs.

    ``cluster_dimensions`` > 2 clusters on that many principal components instead of the
    two of the map (Polis clusters on the map itself): groups that a 2-D projection lays on
    top of each other stay apart. The map (``projection``) is always the first two.
    """
    if cluster_dimensions < 2:
        raise ValueError("cluster_dimensions must be at least 2")
    matrix = vote_matrix(participants, statements, values, n_participants, n_statements)
    indptr, indices, vals = matrix.indptr, matrix.indices, matrix.data
    mod = np.zeros(n_statements, dtype=bool)
    if moderated_out is not None:
        mod[:] = np.asarray(moderated_out, dtype=bool)

    n_votes = np.diff(indptr).astype(np.int64)
    col_seen = np.bincount(indices, minlength=n_statements).astype(np.int64)
    col_agree = np.bincount(indices[vals > 0], minlength=n_statements).astype(np.int64)
    col_disagree = np.bincount(indices[vals < 0], minlength=n_statements).astype(np.int64)
    n_columns = int(np.count_nonzero(col_seen))

    # Mean imputation followed by centring leaves (v - mu_j) on voted cells and 0 elsewhere,
    # so the centred matrix keeps the sparsity of the votes.
    center = np.zeros(n_statements)
    voted_cols = col_seen > 0
    center[voted_cols] = (col_agree - col_disagree)[voted_cols] / col_seen[voted_cols]
    center[mod] = 0.0
    buffer = center[indices]
    np.subtract(vals, buffer, out=buffer)
    if mod.any():
        buffer[mod[indices]] = 0.0
    centred = sp.csr_array((buffer, indices, indptr), shape=matrix.shape, copy=False)
    components, singular = principal_components(centred, cluster_dimensions)
    # Columns that carry no information (moderated out or never voted) get exactly zero
    # loadings rather than SVD round-off, so their statements sit at the origin.
    components[:, mod | ~(col_seen > 0)] = 0.0

    cluster_space = centred @ components.T
    cluster_space *= projection_scale(n_votes, n_columns)[:, None]
    cluster_space[n_votes == 0] = np.nan
    projection = cluster_space[:, :2].copy()
    statement_projection = (np.sqrt(n_columns) * (AGREE - center))[:, None] * components[:2].T
    extremity = np.linalg.norm(statement_projection, axis=1)

    inside = in_conversation(
        n_votes, n_columns, None if previous is None else previous.in_conversation
    )
    in_idx = np.flatnonzero(inside)
    points = cluster_space[in_idx]
    del cluster_space
    # Warm starts only make sense in a space of the same dimension.
    if previous is not None and previous.base_centers.shape[1] != cluster_dimensions:
        previous = dataclasses.replace(previous, base_centers=np.zeros((0, cluster_dimensions)))

    base_labels, base_centres, base_sizes = base_clusters(
        points, seed, None if previous is None else previous.base_centers
    )
    base_cluster = np.full(n_participants, -1, dtype=np.int64)
    base_cluster[in_idx] = base_labels

    # Choose the number of groups by silhouette on the base centres.
    n_base = len(base_centres)
    max_k = min(MAX_GROUPS, 2 + n_base // 12, n_base)
    candidates: dict[int, tuple[np.ndarray, np.ndarray, float]] = {}
    silhouettes: list[tuple[int, float]] = []
    for k in range(2, max_k + 1):
        prev_centres = None
        if (
            previous is not None
            and previous.n_groups == k
            and previous.group_centers.shape[1] == cluster_dimensions
        ):
            prev_centres = previous.group_centers
        candidates[k] = group_clusters(base_centres, base_sizes, k, seed + k, prev_centres)
        silhouettes.append((k, _silhouette(base_centres, candidates[k][0])))
    if silhouettes:
        best_k = max(silhouettes, key=lambda ks: (ks[1], -ks[0]))[0]
    else:
        best_k = 1 if n_base else 0
    smoother = smooth_k(best_k, None if previous is None else previous.k_smoother)
    chosen_k = smoother.smoothed_k if smoother.smoothed_k in candidates else best_k
    if chosen_k in candidates:
        base_group, group_centres, _ = candidates[chosen_k]
        # Drop groups emptied by k-means and relabel 0..k-1.
        used, base_group = np.unique(base_group, return_inverse=True)
        group_centres = group_centres[used]
    elif n_base:
        # Too few base clusters to split: everyone in one group.
        base_group = np.zeros(n_base, dtype=np.int64)
        group_centres, _ = _weighted_means(
            base_centres, base_sizes.astype(np.float64), base_group, 1
        )
    else:
        base_group = np.zeros(0, dtype=np.int64)
        group_centres = np.zeros((0, cluster_dimensions))

    label = np.full(n_participants, -1, dtype=np.int64)
    if n_base:
        label[in_idx] = base_group[base_labels]
    k_final = len(group_centres)
    if previous is not None and previous.n_groups:
        ids_of_label = match_groups(label, previous.group, previous.group_ids)
    else:
        sizes = np.bincount(label[label >= 0], minlength=k_final)
        order = np.lexsort((group_centres[:, 1], group_centres[:, 0], -sizes)) if k_final else []
        ids_of_label = np.empty(k_final, dtype=np.int64)
        ids_of_label[np.asarray(order, dtype=np.int64)] = np.arange(k_final)
    group = np.full(n_participants, -1, dtype=np.int64)
    group[label >= 0] = ids_of_label[label[label >= 0]]
    order_by_id = np.argsort(ids_of_label)
    group_ids = tuple(int(ids_of_label[i]) for i in order_by_id)
    group_centres = group_centres[order_by_id] if k_final else np.zeros((0, cluster_dimensions))
    members_sorted = np.argsort(group, kind="stable")
    counts_by_label = np.bincount(label[label >= 0], minlength=k_final)
    starts = np.concatenate([[0], np.cumsum(counts_by_label[order_by_id])])
    members_sorted = members_sorted[np.count_nonzero(group < 0) :]
    group_members = tuple(
        _readonly(members_sorted[starts[i] : starts[i + 1]].copy()) for i in range(k_final)
    )

    # Counts per group and statement through one sparse product each; the centred buffer is
    # reused so large conversations do not need another nnz-sized array.
    weights = np.zeros((n_participants, k_final + 1))
    if k_final:
        pos = np.searchsorted(np.asarray(group_ids), group[in_idx])
        weights[in_idx, pos] = 1.0
    weights[:, k_final] = inside
    # agree - disagree, agree + disagree and seen (passes included) give all three counts.
    centred.data[:] = vals
    by_value = (centred.T @ weights).T
    np.abs(centred.data, out=centred.data)
    by_decided = (centred.T @ weights).T
    centred.data[:] = 1.0
    group_seen = np.rint((centred.T @ weights).T)
    del buffer, centred
    group_agree = np.rint((by_decided + by_value) / 2.0)
    group_disagree = np.rint((by_decided - by_value) / 2.0)

    eligible = voted_cols & ~mod
    representative = []
    for g in range(k_final):
        st = repness_stats(
            group_agree[g],
            group_disagree[g],
            group_seen[g],
            group_agree[k_final] - group_agree[g],
            group_disagree[k_final] - group_disagree[g],
            group_seen[k_final] - group_seen[g],
        )
        representative.append(select_representative(st, eligible))
    consensus_agree, consensus_disagree = consensus_statements(
        col_agree, col_disagree, col_seen, eligible
    )
    gic = group_informed_consensus(group_agree[:k_final], group_seen[:k_final])
    gic[mod] = 0.0

    divisive: list[DivisiveStatement] = []
    if k_final >= 2:
        shares = (group_agree[:k_final] + 1.0) / (group_seen[:k_final] + 2.0)
        variance = shares.var(axis=0)
        top = np.flatnonzero(eligible & (variance > 0))
        top = top[np.lexsort((top, -variance[top]))][:MAX_DIVISIVE]
        divisive = [
            DivisiveStatement(
                statement=int(j),
                variance=float(variance[j]),
                group_agree_shares=tuple(float(x) for x in shares[:, j]),
            )
            for j in top
        ]

    return MathResult(
        n_participants=n_participants,
        n_statements=n_statements,
        seed=seed,
        cluster_dimensions=cluster_dimensions,
        moderated_out=_readonly(mod),
        center=_readonly(center),
        components=_readonly(components),
        singular_values=_readonly(singular),
        n_votes=_readonly(n_votes),
        projection=_readonly(projection),
        in_conversation=_readonly(inside),
        base_cluster=_readonly(base_cluster),
        base_centers=_readonly(base_centres),
        base_sizes=_readonly(base_sizes),
        group=_readonly(group),
        group_ids=group_ids,
        group_members=group_members,
        group_centers=_readonly(group_centres),
        silhouettes=tuple(silhouettes),
        k_smoother=smoother,
        statement_projection=_readonly(statement_projection),
        extremity=_readonly(extremity),
        statement_agrees=_readonly(col_agree),
        statement_disagrees=_readonly(col_disagree),
        statement_seen=_readonly(col_seen),
        representative=tuple(representative),
        consensus_agree=consensus_agree,
        consensus_disagree=consensus_disagree,
        group_informed_consensus=_readonly(gic),
        divisive=tuple(divisive),
    )
