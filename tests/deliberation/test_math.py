from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score

from portal.deliberation import math as dm

from .synthetic import planted_votes

# --------------------------------------------------------------------------- vote log


def test_latest_votes_keeps_last_by_timestamp_then_position() -> None:
    participants = np.array([0, 0, 1, 0, 1, 1])
    statements = np.array([0, 0, 0, 1, 0, 0])
    values = np.array([1, -1, 0, 1, 1, -1])
    # Participant 0 changed their mind on statement 0 (later timestamp wins even though it
    # comes first in the log); participant 1 voted twice at the same time: the later row wins.
    timestamps = np.array([20, 10, 5, 7, 9, 9])
    p, s, v = dm.latest_votes(participants, statements, values, timestamps)
    got = {(int(a), int(b)): int(c) for a, b, c in zip(p, s, v, strict=True)}
    assert got == {(0, 0): 1, (0, 1): 1, (1, 0): -1}


def test_latest_votes_without_order_uses_log_position() -> None:
    p, s, v = dm.latest_votes(np.array([3, 3]), np.array([2, 2]), np.array([1, 0]))
    assert list(zip(p.tolist(), s.tolist(), v.tolist(), strict=True)) == [(3, 2, 0)]


def test_vote_matrix_keeps_passes_and_rejects_duplicates() -> None:
    m = dm.vote_matrix(np.array([0, 0, 1]), np.array([0, 1, 1]), np.array([0, 1, -1]), 2, 3)
    assert m.nnz == 3  # the pass is an explicit zero: it counts as seen
    assert m.toarray().tolist() == [[0, 1, 0], [0, -1, 0]]
    with pytest.raises(ValueError, match="duplicate"):
        dm.vote_matrix(np.array([0, 0]), np.array([1, 1]), np.array([1, 1]), 1, 2)
    with pytest.raises(ValueError):
        dm.vote_matrix(np.array([0]), np.array([0]), np.array([2]), 1, 1)


# --------------------------------------------------------------------------- statistics


def test_prop_test_by_hand() -> None:
    # na = 3 of ns = 4: 2·sqrt(5)·(4/5 - 1/2)
    assert dm.prop_test(np.array(3), np.array(4)) == pytest.approx(2 * math.sqrt(5) * 0.3)
    # nothing seen: (0+1)/(0+1) - 1/2 = 1/2, times 2·sqrt(1)
    assert dm.prop_test(np.array(0), np.array(0)) == pytest.approx(1.0)


def test_two_prop_test_by_hand() -> None:
    # counts 3/4 vs 1/4, each +1: 4/5 vs 2/5, pooled 6/10
    expected = (0.8 - 0.4) / math.sqrt(0.6 * 0.4 * (1 / 5 + 1 / 5))
    got = dm.two_prop_test(np.array(3), np.array(1), np.array(4), np.array(4))
    assert got == pytest.approx(expected)
    # Everybody agrees everywhere: pooled proportion 1, defined as 0 rather than 0/0.
    assert dm.two_prop_test(np.array(3), np.array(3), np.array(3), np.array(3)) == 0.0


def test_repness_stats_by_hand() -> None:
    st = dm.repness_stats([9], [0], [10], [1], [8], [10])
    pa = 10 / 12
    assert st.pa[0] == pytest.approx(pa)
    assert st.pd[0] == pytest.approx(1 / 12)
    assert st.pat[0] == pytest.approx(2 * math.sqrt(11) * (10 / 11 - 0.5))
    assert st.ra[0] == pytest.approx(pa / (2 / 12))
    assert st.rd[0] == pytest.approx((1 / 12) / (9 / 12))
    pooled = 12 / 22
    rat = (10 / 11 - 2 / 11) / math.sqrt(pooled * (1 - pooled) * (2 / 11))
    assert st.rat[0] == pytest.approx(rat)
    assert st.rdt[0] == pytest.approx(-(9 / 11 - 1 / 11) / math.sqrt(10 / 22 * 12 / 22 * 2 / 11))


def _stats(rows: list[tuple[int, int, int, int, int, int]]) -> dm.RepnessStats:
    cols = list(zip(*rows, strict=True))
    return dm.repness_stats(*[np.array(c) for c in cols])


def test_select_representative_order_and_directions() -> None:
    # (na, nd, ns, na_rest, nd_rest, ns_rest)
    st = _stats(
        [
            (20, 0, 20, 2, 18, 20),  # 0: strong agree
            (0, 20, 20, 18, 2, 20),  # 1: strong disagree
            (15, 5, 20, 5, 15, 20),  # 2: weaker agree
            (10, 10, 20, 10, 10, 20),  # 3: same as the rest: not representative
            (3, 17, 20, 15, 5, 20),  # 4: weaker disagree
            (14, 6, 20, 4, 16, 20),  # 5: agree
            (16, 4, 20, 4, 16, 20),  # 6: agree
        ]
    )
    eligible = np.ones(7, dtype=bool)
    reps = dm.select_representative(st, eligible)
    assert len(reps) == dm.MAX_REPRESENTATIVE
    assert reps[0].statement == 0 and reps[0].direction == "agree"
    directions = [r.direction for r in reps]
    # agrees before disagrees
    assert directions == sorted(directions, key=lambda d: d != "agree")
    assert 3 not in {r.statement for r in reps}
    # Among the agrees after the first, order by the Polis metric ra·rat·pa·pat.
    agree_metrics = [r.metric for r in reps[1:] if r.direction == "agree"]
    assert agree_metrics == sorted(agree_metrics, reverse=True)
    assert all(r.significant for r in reps)
    # The strongest disagree statement is kept over weaker agrees only if there is room:
    # five slots, best agree + 4 by metric; statement 1 has the highest disagree metric.
    assert 1 in {r.statement for r in reps}


def test_select_representative_without_significant_statements() -> None:
    # Small counts: nothing passes both z-tests, the best agree statement is shown alone.
    st = _stats([(2, 1, 3, 1, 1, 3), (1, 2, 3, 2, 1, 3)])
    reps = dm.select_representative(st, np.ones(2, dtype=bool))
    assert [(r.statement, r.direction, r.significant) for r in reps] == [(0, "agree", False)]
    # No agree at all: nothing to show.
    st = _stats([(0, 3, 3, 0, 3, 3)])
    assert dm.select_representative(st, np.ones(1, dtype=bool)) == ()


def test_select_representative_skips_ineligible() -> None:
    st = _stats([(20, 0, 20, 2, 18, 20), (19, 1, 20, 3, 17, 20)])
    reps = dm.select_representative(st, np.array([False, True]))
    assert [r.statement for r in reps] == [1]


def test_consensus_by_hand() -> None:
    # statement 0: 9/10 agree; 1: 2/10 agree 8/10 disagree; 2: split; 3: 2/2 agree
    # (pa = 3/4 but pat = 2·sqrt(3)·(3/3 - 1/2) = 1.73 > 1.28: consensus too, ranked lower).
    na = np.array([9, 2, 5, 2])
    nd = np.array([1, 8, 5, 0])
    ns = np.array([10, 10, 10, 2])
    agree, disagree = dm.consensus_statements(na, nd, ns, np.ones(4, dtype=bool))
    assert [c.statement for c in agree] == [0, 3]
    assert agree[0].probability == pytest.approx(10 / 12)
    assert agree[1].probability_test == pytest.approx(2 * math.sqrt(3) * 0.5)
    assert [c.statement for c in disagree] == [1]
    assert disagree[0].probability == pytest.approx(9 / 12)
    agree, _ = dm.consensus_statements(na, nd, ns, np.array([False, True, True, True]))
    assert [c.statement for c in agree] == [3]


def test_group_informed_consensus_by_hand() -> None:
    agrees = np.array([[3, 0], [1, 2]])
    seen = np.array([[4, 2], [2, 2]])
    gic = dm.group_informed_consensus(agrees, seen)
    assert gic == pytest.approx([(4 / 6) * (2 / 4), (1 / 4) * (3 / 4)])


# --------------------------------------------------------------------------- routing


def test_statement_priorities_by_hand() -> None:
    pr = dm.statement_priorities(
        agrees=np.array([3, 0]),
        passes=np.array([1, 0]),
        seen=np.array([5, 0]),
        extremity=np.array([0.5, 0.0]),
        meta=np.array([False, False]),
    )
    p, a = 2 / 7, 4 / 7
    expected0 = ((1 - p) * 1.5 * a * (1 + 8 * 2 ** (-1))) ** 2
    expected1 = ((1 - 0.5) * 1 * 0.5 * 9) ** 2
    assert pr == pytest.approx([expected0, expected1])
    meta = dm.statement_priorities(
        np.array([3]), np.array([1]), np.array([5]), np.array([0.5]), [1]
    )
    assert meta[0] == 49.0


def test_result_priorities_use_last_update() -> None:
    p, s, v, _ = planted_votes(200, 10, 2, density=0.5, seed=1)
    r = dm.compute(p, s, v, n_participants=200, n_statements=10)
    pr = dm.result_priorities(r)
    j = 3
    seen = int((s == j).sum())
    agrees = int(((s == j) & (v == 1)).sum())
    passes = int(((s == j) & (v == 0)).sum())
    pp, a = (passes + 1) / (seen + 2), (agrees + 1) / (seen + 2)
    expected = ((1 - pp) * (r.extremity[j] + 1) * a * (1 + 8 * 2 ** (-seen / 5))) ** 2
    assert pr[j] == pytest.approx(expected)


def test_choose_next_statement_respects_masks_and_weights() -> None:
    rng = np.random.default_rng(1)
    priorities = np.array([1.0, 3.0, 100.0, 5.0])
    voted = np.array([False, False, True, False])
    visible = np.array([True, True, True, False])
    draws = [dm.choose_next_statement(priorities, voted, visible, rng) for _ in range(4000)]
    counts = np.bincount(draws, minlength=4)
    assert counts[2] == 0 and counts[3] == 0
    assert counts[1] / counts[0] == pytest.approx(3.0, rel=0.15)
    assert dm.choose_next_statement(priorities, np.ones(4, bool), visible, rng) is None
    # zero priorities: still offers something
    assert dm.choose_next_statement(np.zeros(4), voted, visible, rng) in {0, 1}


# --------------------------------------------------------------------------- in-conversation


def test_in_conversation_threshold_is_seven_or_all_statements() -> None:
    n_votes = np.array([7] * 15 + [6, 0])
    inside = dm.in_conversation(n_votes, n_columns=50)
    assert inside.tolist() == [True] * 15 + [False, False]
    # With only 3 statements, 3 votes are enough.
    assert dm.in_conversation(np.array([3] * 20 + [2]), n_columns=3).tolist() == [True] * 20 + [
        False
    ]


def test_in_conversation_tops_up_to_fifteen_by_vote_count() -> None:
    # 10 qualify, then the top voters (ties by lower index) until there are 15.
    n_votes = np.array([9] * 10 + [2, 5, 5, 1, 4, 5, 3, 0, 0, 6])
    inside = dm.in_conversation(n_votes, n_columns=40)
    assert inside.sum() == 15
    assert set(np.flatnonzero(inside)) == set(range(10)) | {19, 11, 12, 15, 14}
    # Never tops up with participants who have not voted.
    small = dm.in_conversation(np.array([1, 0, 2]), n_columns=40)
    assert small.tolist() == [True, False, True]


def test_in_conversation_once_in_stays_in() -> None:
    n_votes = np.array([8] * 20 + [2])
    previous = np.zeros(20, dtype=bool)  # shorter: participant 20 is new
    previous[3] = True
    # Participant 20 is not in (2 < 7, and 20 qualify); a previously-in participant stays in
    # even if their count is now below the threshold.
    n_votes[3] = 1
    inside = dm.in_conversation(n_votes, n_columns=40, previous=previous)
    assert inside[3] and not inside[20]


# --------------------------------------------------------------------------- PCA / projection


def _small_conversation() -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    p, s, v, _ = planted_votes(60, 12, 2, density=0.7, seed=3)
    return p, s, v, 60, 12


def test_projection_matches_dense_mean_imputed_pca_and_scaling() -> None:
    p, s, v, n, m = _small_conversation()
    r = dm.compute(p, s, v, n_participants=n, n_statements=m, seed=0)
    dense = np.full((n, m), np.nan)
    dense[p, s] = v
    mu = np.nanmean(dense, axis=0)
    filled = np.where(np.isnan(dense), mu, dense) - mu  # mean imputation, then centring
    _, _, vt = np.linalg.svd(filled, full_matrices=False)
    # Same subspace, and each component equal up to sign.
    for i in range(2):
        assert abs(float(vt[i] @ r.components[i])) == pytest.approx(1.0, abs=1e-9)
    assert r.center == pytest.approx(mu)
    counts = np.bincount(p, minlength=n)
    expected = (filled @ r.components.T) * np.sqrt(m / counts)[:, None]
    assert r.projection == pytest.approx(expected)
    # Statements are projected as a participant who agreed only with them.
    one = np.zeros(m)
    one[4] = 1 - mu[4]
    assert r.statement_projection[4] == pytest.approx(np.sqrt(m) * (one @ r.components.T))
    assert r.extremity[4] == pytest.approx(np.linalg.norm(r.statement_projection[4]))


def test_sparse_svd_path_matches_dense(monkeypatch: pytest.MonkeyPatch) -> None:
    p, s, v, _ = planted_votes(400, 30, 3, density=0.3, seed=5)
    dense = dm.compute(p, s, v, n_participants=400, n_statements=30)
    monkeypatch.setattr(dm, "DENSE_SVD_MAX_CELLS", 0)
    sparse = dm.compute(p, s, v, n_participants=400, n_statements=30)
    assert sparse.components == pytest.approx(dense.components, abs=1e-8)
    assert sparse.projection == pytest.approx(dense.projection, abs=1e-7)


@pytest.mark.parametrize(
    ("n", "m", "groups"),
    [(1000, 300, 3), (250, 1200, 3), (1000, 300, 1)],
    ids=["more-participants", "more-statements", "single-axis"],
)
def test_lanczos_matches_dense_svd(n: int, m: int, groups: int) -> None:
    # Larger than the dense threshold, so the sparse Lanczos path runs; "single-axis" has no
    # second opinion axis (its second singular value sits in the noise bulk), the slow case.
    p, s, v, _ = planted_votes(n, m, groups, density=0.3, seed=9)
    x = dm.vote_matrix(p, s, v, n, m)
    mu = np.bincount(x.indices, weights=x.data, minlength=m) / np.bincount(x.indices, minlength=m)
    centred = sp.csr_array((x.data - mu[x.indices], x.indices, x.indptr), shape=(n, m))
    assert n * m > dm.DENSE_SVD_MAX_CELLS
    components, singular = dm.principal_components(centred)
    _, s_dense, vt = np.linalg.svd(centred.toarray(), full_matrices=False)
    assert singular == pytest.approx(s_dense[:2], rel=1e-9)
    if groups > 1:
        for i in range(2):
            assert abs(float(vt[i] @ components[i])) == pytest.approx(1.0, abs=1e-8)
    else:
        assert abs(float(vt[0] @ components[0])) == pytest.approx(1.0, abs=1e-8)
    # eigenvector equation holds for both, even where the second axis is noise
    gram = centred.T @ (centred @ components.T)
    assert gram == pytest.approx(components.T * singular**2, abs=1e-6 * singular[0] ** 2)


def test_projection_scaling_spreads_sparse_voters() -> None:
    # Two opposite camps; participants 0 and 1 hold the same opinions, but participant 1
    # voted on only half of the statements. Without the sqrt(C / n_p) factor the sparse
    # voter collapses towards the centre; with it they land near the full voter.
    rng = np.random.default_rng(0)
    m = 20
    base = rng.choice([-1, 1], size=m)
    camps = np.array([base if i % 2 == 0 else -base for i in range(40)])
    rows = np.where(rng.random((40, m)) < 0.15, -camps, camps)
    rows[0] = rows[1] = base
    p = np.repeat(np.arange(40), m)
    s = np.tile(np.arange(m), 40)
    keep = ~((p == 1) & (s % 2 == 1))
    r = dm.compute(p[keep], s[keep], rows.ravel()[keep], n_participants=40, n_statements=m)
    full, half = r.projection[0], r.projection[1]
    unscaled = half / np.sqrt(m / (m // 2))
    assert r.n_votes[1] == m // 2
    assert np.linalg.norm(half - full) < 0.75 * np.linalg.norm(unscaled - full)
    assert np.linalg.norm(half) / np.linalg.norm(full) > 0.65
    assert dm.projection_scale(np.array([0, 5, 20]), 20) == pytest.approx([np.sqrt(20), 2, 1])


def test_moderated_out_column_is_zeroed_but_counted() -> None:
    p, s, v, n, m = _small_conversation()
    mod = np.zeros(m, dtype=bool)
    mod[2] = True
    r = dm.compute(p, s, v, n_participants=n, n_statements=m, moderated_out=mod)
    assert r.components[:, 2].tolist() == [0.0, 0.0]
    assert r.center[2] == 0.0 and r.extremity[2] == 0.0
    assert r.n_votes.tolist() == np.bincount(p, minlength=n).tolist()
    shown = {x.statement for reps in r.representative for x in reps}
    shown |= {x.statement for x in (*r.consensus_agree, *r.consensus_disagree)}
    assert 2 not in shown
    assert r.group_informed_consensus[2] == 0.0


def test_participants_without_votes_are_not_placed() -> None:
    p, s, v, n, m = _small_conversation()
    r = dm.compute(p, s, v, n_participants=n + 2, n_statements=m + 1)
    assert np.isnan(r.projection[n:]).all()
    assert r.group[n:].tolist() == [-1, -1]
    assert r.extremity[m] == 0.0


# --------------------------------------------------------------------------- clustering


def test_planted_groups_are_recovered() -> None:
    p, s, v, truth = planted_votes(1500, 200, 3, density=0.15, seed=11)
    r = dm.compute(p, s, v, n_participants=1500, n_statements=200, seed=0)
    assert r.n_groups == 3
    clustered = r.group >= 0
    assert adjusted_rand_score(truth[clustered], r.group[clustered]) > 0.95
    assert len(r.base_centers) == dm.MAX_BASE_CLUSTERS
    assert r.base_sizes.sum() == r.in_conversation.sum()
    # members, group array and ids agree with each other
    for gid, members in zip(r.group_ids, r.group_members, strict=True):
        assert (r.group[members] == gid).all()
    assert sum(len(m) for m in r.group_members) == r.n_clustered
    # every group has representative statements, and they agree with how it was planted
    assert all(len(reps) >= 1 for reps in r.representative)


def test_clustering_in_more_dimensions_separates_overlapping_groups() -> None:
    # Four groups: statements 0-79 split {A, B} from {C, D}, 80-149 split C from D and
    # 150-199 split A from B (fewer statements, so a smaller variance). The two leading
    # components are the first two splits, so the 2-D map lays A on top of B; clustering on
    # 4 components keeps them apart.
    rng = np.random.default_rng(3)
    n, m = 2000, 200
    truth = np.repeat(np.arange(4), n // 4)
    p_agree = np.full((4, m), 0.5)
    p_agree[:, :80] = np.array([0.9, 0.9, 0.1, 0.1])[:, None]
    p_agree[2, 80:150], p_agree[3, 80:150] = 0.9, 0.1
    p_agree[0, 150:], p_agree[1, 150:] = 0.9, 0.1
    voted = rng.random((n, m)) < 0.2
    p, s = np.nonzero(voted)
    v = np.where(rng.random(len(p)) < p_agree[truth[p], s], 1, -1)
    flat = dm.compute(p, s, v, n_participants=n, n_statements=m)
    deep = dm.compute(p, s, v, n_participants=n, n_statements=m, cluster_dimensions=4)
    clustered = deep.group >= 0
    assert flat.n_groups == 3
    assert adjusted_rand_score(truth[clustered], flat.group[clustered]) < 0.85

    def four_groups(r: dm.MathResult) -> float:
        labels, _, _ = dm.group_clusters(r.base_centers, r.base_sizes, 4)
        inside = r.base_cluster >= 0
        return adjusted_rand_score(truth[inside], labels[r.base_cluster[inside]])

    # Four groups on the map's two axes cannot separate A from B; on four axes they can.
    # (Polis's first-distinct base-cluster start leaves the silhouette preferring three
    # groups on this instance, so the split is checked on the k = 4 candidate itself.)
    assert four_groups(flat) < 0.85
    assert four_groups(deep) > 0.95
    assert dict(deep.silhouettes)[4] > dict(flat.silhouettes)[4]
    # The map is the same: its two axes are the first two of the four components.
    assert np.allclose(deep.projection, flat.projection, equal_nan=True)
    assert deep.components.shape == (4, m)
    assert deep.group_centers.shape == (deep.n_groups, 4)
    # A previous result in another dimension is not used for warm starts.
    again = dm.compute(p, s, v, n_participants=n, n_statements=m, previous=deep)
    assert again.base_centers.shape[1] == 2


def test_divisive_statements_split_the_groups() -> None:
    p, s, v, _ = planted_votes(800, 30, 2, density=0.5, seed=6)
    r = dm.compute(p, s, v, n_participants=800, n_statements=30)
    assert len(r.divisive) == dm.MAX_DIVISIVE
    top = r.divisive[0]
    shares = []
    for gid in r.group_ids:
        rows = (s == top.statement) & (r.group[p] == gid)
        shares.append((int((v[rows] == 1).sum()) + 1) / (int(rows.sum()) + 2))
    assert top.group_agree_shares == pytest.approx(tuple(shares))
    assert top.variance == pytest.approx(np.var(shares))
    # Planted leanings are 0.9 vs 0.1: a divisive statement splits the groups widely.
    assert abs(shares[0] - shares[1]) > 0.5
    assert [d.variance for d in r.divisive] == sorted(
        (d.variance for d in r.divisive), reverse=True
    )


def test_group_counts_match_direct_counting() -> None:
    p, s, v, _ = planted_votes(500, 25, 2, density=0.5, seed=2)
    r = dm.compute(p, s, v, n_participants=500, n_statements=25)
    for gid, reps in zip(r.group_ids, r.representative, strict=True):
        for rep in reps:
            mine = (s == rep.statement) & (r.group[p] == gid)
            rest = (s == rep.statement) & (r.group[p] != gid) & r.in_conversation[p]
            assert (rep.n_agree, rep.n_disagree, rep.n_seen) == (
                int((v[mine] == 1).sum()),
                int((v[mine] == -1).sum()),
                int(mine.sum()),
            )
            assert rep.n_seen_rest == int(rest.sum())


def test_deterministic_given_data_and_seed() -> None:
    p, s, v, _ = planted_votes(2000, 40, 3, density=0.3, seed=4)
    a = dm.compute(p, s, v, n_participants=2000, n_statements=40, seed=7)
    # Shuffled log order must not matter either.
    order = np.random.default_rng(0).permutation(len(p))
    b = dm.compute(p[order], s[order], v[order], n_participants=2000, n_statements=40, seed=7)
    for name in ("projection", "base_centers", "group", "group_centers", "extremity"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert a.representative == b.representative
    assert a.consensus_agree == b.consensus_agree
    assert a.silhouettes == b.silhouettes


def test_k_smoother_adopts_new_k_after_four_updates() -> None:
    state = dm.smooth_k(2, None)
    assert state.smoothed_k == 2
    history = []
    for _ in range(4):
        state = dm.smooth_k(3, state)
        history.append(state.smoothed_k)
    assert history == [2, 2, 2, 3]
    # An interruption resets the count.
    state = dm.smooth_k(4, state)
    state = dm.smooth_k(4, state)
    state = dm.smooth_k(3, state)
    assert (state.smoothed_k, state.last_best_k, state.last_best_count) == (3, 3, 1)


def test_match_groups_keeps_identity() -> None:
    previous = np.array([5, 5, 5, 2, 2, -1, 2])
    new = np.array([0, 0, 1, 1, 1, 1, 2])
    ids = dm.match_groups(new, previous, (2, 5))
    # new 0 overlaps most with old 5, new 1 with old 2; new 2 gets the smallest free id.
    assert ids.tolist() == [5, 2, 0]
    assert dm.match_groups(new, previous, (5, 2)).tolist() == [5, 2, 0]
    # Nothing to match against: fresh ids.
    assert dm.match_groups(new, np.full(7, -1), (2, 5)).tolist() == [0, 1, 3]


def test_stable_across_updates() -> None:
    p, s, v, truth = planted_votes(1600, 60, 3, density=0.4, seed=8)
    # Votes arrive in a random order; the first update sees 70 % of them and none from the
    # last 100 participants, the second sees everything.
    arrival = np.random.default_rng(1).permutation(len(p))
    early = arrival[: int(0.7 * len(p))]
    early = early[p[early] < 1500]
    first = dm.compute(p[early], s[early], v[early], n_participants=1500, n_statements=60)
    second = dm.compute(p, s, v, n_participants=1600, n_statements=60, previous=first)
    assert first.n_groups == second.n_groups == 3
    assert first.group_ids == second.group_ids
    both = (first.group >= 0) & (second.group[:1500] >= 0)
    # Same ids for (nearly) the same people, not merely the same partition.
    assert np.mean(first.group[both] == second.group[:1500][both]) > 0.9
    assert second.in_conversation[:1500][first.in_conversation].all()
    assert second.k_smoother.last_best_count == first.k_smoother.last_best_count + 1
    clustered = second.group >= 0
    assert adjusted_rand_score(truth[clustered], second.group[clustered]) > 0.9


def test_single_voter_and_empty_conversation() -> None:
    r = dm.compute(
        np.array([0, 0]), np.array([0, 1]), np.array([1, -1]), n_participants=1, n_statements=2
    )
    assert r.n_groups == 1 and r.group.tolist() == [0]
    empty = dm.compute(
        np.array([], int), np.array([], int), np.array([], int), n_participants=3, n_statements=2
    )
    assert empty.n_groups == 0 and empty.n_clustered == 0


@settings(max_examples=200, deadline=None)
@given(
    seen=st.lists(st.integers(0, 400), min_size=1, max_size=30),
    voting=st.integers(0, 400),
)
def test_enough_voters_is_five_and_a_tenth(seen: list[int], voting: int) -> None:
    mask = dm.enough_voters(np.array(seen), voting, minimum=5, share=0.10)
    # Whole numbers only: n >= 10 % of voting  <=>  10 n >= voting.
    assert mask.tolist() == [n >= 5 and 10 * n >= voting for n in seen]


def test_report_lists_leave_out_thinly_voted_statements() -> None:
    n, m = 300, 24
    # Mild leanings, so no well-voted statement is near-unanimous.
    p, s, v, _ = planted_votes(n, m, 2, density=0.6, seed=11, separation=0.3)
    rng = np.random.default_rng(5)
    # A few extra statements that only a handful of people saw, all agreeing: without a floor
    # they look like perfect consensus.
    thin_p, thin_s = [], []
    for extra in range(4):
        voters = rng.choice(n, size=int(rng.integers(8, 28)), replace=False)
        thin_p.extend(voters.tolist())
        thin_s.extend([m + extra] * len(voters))
    p = np.concatenate([p, thin_p])
    s = np.concatenate([s, thin_s])
    v = np.concatenate([v, np.ones(len(thin_p), dtype=np.int8)])
    polis = dm.compute(p, s, v, n_participants=n, n_statements=m + 4)
    report = dm.compute(
        p,
        s,
        v,
        n_participants=n,
        n_statements=m + 4,
        min_voters=dm.REPORT_MIN_VOTERS,
        min_voter_share=dm.REPORT_MIN_VOTER_SHARE,
    )
    voters = np.bincount(s, minlength=m + 4)
    voting = len(np.unique(p))
    needed = max(dm.REPORT_MIN_VOTERS, math.ceil(dm.REPORT_MIN_VOTER_SHARE * voting))
    listed = [c.statement for c in (*report.consensus_agree, *report.consensus_disagree)]
    listed += [d.statement for d in report.divisive]
    assert listed and all(voters[j] >= needed for j in listed)
    # Polis lists at least one of the thin statements; the report rule drops exactly those.
    polis_agree = [c.statement for c in polis.consensus_agree]
    assert any(voters[j] < needed for j in polis_agree)
    assert [c.statement for c in report.consensus_agree] == [
        c.statement
        for c in dm.consensus_statements(
            polis.statement_agrees,
            polis.statement_disagrees,
            polis.statement_seen,
            (polis.statement_seen > 0) & (voters >= needed),
        )[0]
    ]
    # The groups themselves do not depend on the report rule.
    assert np.array_equal(report.group, polis.group)
