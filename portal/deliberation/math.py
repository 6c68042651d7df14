"""Opinion-group math for deliberations, after the Polis method.

One update takes the vote log of a conversation (participant index, statement index, value
with +1 agree, -1 disagree, 0 pass) and returns the opinion map: a two-dimensional PCA
projection of every participant, base clusters, opinion groups, representative statements
per group, consensus statements and the priorities used to pick the next statement.

The clustering (:mod:`portal.deliberation.clustering`) and the statement statistics
(:mod:`portal.deliberation.repness`) follow the Polis math worker step by step. The one
deliberate difference is the PCA: the two principal components are computed exactly (dense
SVD for small conversations, Lanczos on the sparse centred matrix otherwise, from a
data-derived start vector and with a fixed sign) instead of Polis's 100-step power
iteration warm-started from the previous update, so a recompute gives the same map whatever
the history and stays exact at 100k participants x 2k statements. The subspace is the same
one the power iteration converges to; ``polis_power_iteration`` computes Polis's version so
the difference can be measured on real data.

Participant and statement indices must be stable between updates (append new ones at the
end), because the in-conversation set and group identities are carried over by index.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.linalg import eigh_tridiagonal

from portal.deliberation.clustering import (
    BASE_MAX_STEPS,
    GROUP_MAX_STEPS,
    K_STABILITY_UPDATES,
    MAX_BASE_CLUSTERS,
    MAX_GROUPS,
    KSmoother,
    base_clusters,
    best_k,
    group_clusters,
    match_groups,
    max_groups,
    silhouette,
    smooth_k,
    weighted_means,
)
from portal.deliberation.repness import (
    MAX_CONSENSUS,
    MAX_DIVISIVE,
    MAX_REPRESENTATIVE,
    REPORT_MIN_VOTER_SHARE,
    REPORT_MIN_VOTERS,
    Z_90,
    ConsensusStatement,
    DivisiveStatement,
    RepnessStats,
    RepresentativeStatement,
    consensus_statements,
    divisive_statements,
    enough_voters,
    group_informed_consensus,
    prop_test,
    repness_stats,
    select_representative,
    two_prop_test,
)

AGREE = 1
DISAGREE = -1
PASS = 0

IN_CONVERSATION_MIN_VOTES = 7
IN_CONVERSATION_MIN_PARTICIPANTS = 15
META_PRIORITY = 49.0
#: Below this many matrix cells a dense SVD is both exact and faster than Lanczos.
DENSE_SVD_MAX_CELLS = 250_000
LANCZOS_MAX_STEPS = 200
LANCZOS_RTOL = 1e-10
#: Polis ``:pca-iters``.
POLIS_POWER_ITERATIONS = 100

__all__ = [
    "AGREE",
    "BASE_MAX_STEPS",
    "DISAGREE",
    "GROUP_MAX_STEPS",
    "IN_CONVERSATION_MIN_PARTICIPANTS",
    "IN_CONVERSATION_MIN_VOTES",
    "K_STABILITY_UPDATES",
    "MAX_BASE_CLUSTERS",
    "MAX_CONSENSUS",
    "MAX_DIVISIVE",
    "MAX_GROUPS",
    "MAX_REPRESENTATIVE",
    "META_PRIORITY",
    "PASS",
    "REPORT_MIN_VOTERS",
    "REPORT_MIN_VOTER_SHARE",
    "Z_90",
    "ConsensusStatement",
    "DivisiveStatement",
    "KSmoother",
    "MathResult",
    "RepnessStats",
    "RepresentativeStatement",
    "base_clusters",
    "choose_next_statement",
    "compute",
    "consensus_statements",
    "enough_voters",
    "group_clusters",
    "group_informed_consensus",
    "in_conversation",
    "latest_votes",
    "match_groups",
    "polis_power_iteration",
    "principal_components",
    "projection_scale",
    "prop_test",
    "repness_stats",
    "result_priorities",
    "select_representative",
    "smooth_k",
    "statement_priorities",
    "two_prop_test",
    "vote_matrix",
]


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

    def __post_init__(self) -> None:
        # A result is cached and read by many requests: no reader may change it in place.
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

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


def polis_power_iteration(
    centred: sp.csr_array,
    n_components: int = 2,
    iterations: int = POLIS_POWER_ITERATIONS,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Principal components as Polis computes them (``pca.clj`` ``powerit-pca``).

    Power iteration on ``centred.T @ centred`` for ``iterations`` steps (or until the
    eigenvalue estimate repeats exactly), then the component is factored out of the data and
    the next one found the same way. Polis starts from the previous update's components or a
    random vector; this starts from ``start`` or all ones, so it is deterministic. Used to
    measure how much the exact PCA differs from Polis's on real data, not by :func:`compute`
    unless asked.
    """
    n_cols = centred.shape[1]
    components = np.zeros((n_components, n_cols))
    values = np.zeros(n_components)
    found: list[np.ndarray] = []

    def deflate(v: np.ndarray) -> np.ndarray:
        for pc in found:
            v = v - pc * (pc @ v)
        return v

    for i in range(min(n_components, *centred.shape)):
        vector = np.ones(n_cols) if start is None else np.array(start[i], dtype=np.float64)
        last = eigval = 0.0
        for step in range(iterations + 1):
            product = deflate(centred.T @ (centred @ deflate(vector)))
            eigval = float(np.linalg.norm(product))
            if eigval == 0.0:
                break
            vector = product / eigval
            if step == iterations or eigval == last:
                break
            last = eigval
        components[i] = vector
        values[i] = np.sqrt(eigval)
        found.append(components[i] / max(np.linalg.norm(components[i]), 1e-300))
    return _sign_fix(components), values


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
    pca: str = "exact",
    group_starts: int = 0,
    min_voters: int = 0,
    min_voter_share: float = 0.0,
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

    ``pca="polis"`` uses Polis's power iteration (:func:`polis_power_iteration`) instead of
    the exact components, to measure the difference. ``group_starts`` > 0 tries that many
    seeded k-means++ starts for the groups besides Polis's own start and keeps the lowest
    weighted inertia (see :func:`~portal.deliberation.clustering.group_clusters`); only then
    does ``seed`` matter, since the Polis method has no random start.
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
    if pca == "polis":
        components, singular = polis_power_iteration(centred, cluster_dimensions)
    elif pca == "exact":
        components, singular = principal_components(centred, cluster_dimensions)
    else:
        raise ValueError("pca must be 'exact' or 'polis'")
    # Columns that carry no information (moderated out or never voted) get exactly zero
    # loadings rather than SVD round-off, so their statements sit at the origin.
    components[:, mod | ~(col_seen > 0)] = 0.0

    cluster_space = centred @ components.T
    # Polis zeroes a moderated-out column for everyone (a 0 is a vote in its projection), so
    # every participant counts every such column as voted when scaling.
    scale_votes = n_votes
    if mod.any():
        rows = np.repeat(np.arange(n_participants), n_votes)
        on_moderated = np.bincount(rows[mod[indices]], minlength=n_participants)
        scale_votes = n_votes - on_moderated + int(np.count_nonzero(mod & voted_cols))
    cluster_space *= projection_scale(scale_votes, n_columns)[:, None]
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
        points, None if previous is None else previous.base_centers
    )
    base_cluster = np.full(n_participants, -1, dtype=np.int64)
    base_cluster[in_idx] = base_labels

    # Choose the number of groups by silhouette on the base centres.
    n_base = len(base_centres)
    max_k = max_groups(n_base)
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
        candidates[k] = group_clusters(
            base_centres,
            base_sizes,
            k,
            prev_centres,
            extra_starts=group_starts,
            seed=seed + k,
        )
        silhouettes.append((k, silhouette(base_centres, candidates[k][0])))
    top_k = best_k(silhouettes) if silhouettes else (1 if n_base else 0)
    smoother = smooth_k(top_k, None if previous is None else previous.k_smoother)
    chosen_k = smoother.smoothed_k if smoother.smoothed_k in candidates else top_k
    if chosen_k in candidates:
        base_group, group_centres, _ = candidates[chosen_k]
        # Drop groups emptied by k-means and relabel 0..k-1.
        used, base_group = np.unique(base_group, return_inverse=True)
        group_centres = group_centres[used]
    elif n_base:
        # Too few base clusters to split: everyone in one group.
        base_group = np.zeros(n_base, dtype=np.int64)
        group_centres, _ = weighted_means(
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
    # The consensus and divisive lists may ask for more voters than Polis does (the report
    # asks for :data:`REPORT_MIN_VOTERS` and :data:`REPORT_MIN_VOTER_SHARE`); 0 is Polis.
    listed = eligible & enough_voters(
        col_seen, int(np.count_nonzero(n_votes)), minimum=min_voters, share=min_voter_share
    )
    consensus_agree, consensus_disagree = consensus_statements(
        col_agree, col_disagree, col_seen, listed
    )
    gic = group_informed_consensus(group_agree[:k_final], group_seen[:k_final])
    gic[mod] = 0.0

    divisive = divisive_statements(group_agree[:k_final], group_seen[:k_final], listed)

    return MathResult(
        n_participants=n_participants,
        n_statements=n_statements,
        seed=seed,
        cluster_dimensions=cluster_dimensions,
        moderated_out=mod,
        center=center,
        components=components,
        singular_values=singular,
        n_votes=n_votes,
        projection=projection,
        in_conversation=inside,
        base_cluster=base_cluster,
        base_centers=base_centres,
        base_sizes=base_sizes,
        group=group,
        group_ids=group_ids,
        group_members=group_members,
        group_centers=group_centres,
        silhouettes=tuple(silhouettes),
        k_smoother=smoother,
        statement_projection=statement_projection,
        extremity=extremity,
        statement_agrees=col_agree,
        statement_disagrees=col_disagree,
        statement_seen=col_seen,
        representative=tuple(representative),
        consensus_agree=consensus_agree,
        consensus_disagree=consensus_disagree,
        group_informed_consensus=gic,
        divisive=tuple(divisive),
    )
