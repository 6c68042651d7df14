"""Re-analysis of the real vTaiwan uberx export (CC BY 4.0, see data/ATTRIBUTION.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from portal.deliberation import math as dm
from portal.deliberation.analysis import (
    ExportAnalysis,
    analyse,
    analyse_export,
    compare_with_export_groups,
)
from portal.deliberation.polis_io import NO_GROUP, PolisExport


def test_analyse_export_shape(vtaiwan_dir: Path, vtaiwan: PolisExport) -> None:
    out = analyse_export(vtaiwan_dir)
    json.dumps(out)  # JSON-able as is
    # The original keys keep their meaning; the rest were added alongside them.
    assert set(out) == {
        "participants_clustered",
        "groups",
        "consensus",
        "seconds",
        "participants",
        "statements",
        "export",
        "polis_groups",
        "differences",
        "timing",
    }
    assert out["seconds"] > 0
    assert out["timing"]["total"] == out["seconds"] >= out["timing"]["math"] > 0
    assert out["participants"] == len(set(vtaiwan.votes.voter_id.tolist())) == 1921
    assert out["export"]["has_vote_times"] and out["export"]["vote_timestamps"] == "ms"
    assert out["export"]["moderated_out"] == len(vtaiwan.moderated_out_ids()) == 78
    polis = out["polis_groups"]
    comparison = compare_with_export_groups(vtaiwan, analyse(vtaiwan))
    assert polis["adjusted_rand_index"] == round(comparison.adjusted_rand_index, 4)
    assert polis["group_sizes_in_export"] == [889, 330]
    assert polis["group_sizes_here"] == sorted((g["size"] for g in out["groups"]), reverse=True)
    (pca,) = out["differences"]
    assert pca["detail"] == "pca" and pca["portal"] == "exact"
    # Polis's power iteration converges to the same two axes on this conversation, so the
    # groups do not change: the exact PCA is a difference in method, not in result.
    assert min(pca["component_cosines"]) > 0.999
    assert pca["polis_adjusted_rand_index"]["portal"] == polis["adjusted_rand_index"]
    assert pca["polis_adjusted_rand_index"]["polis"] >= 0.9
    assert sum(g["size"] for g in out["groups"]) == out["participants_clustered"]
    voters = set(vtaiwan.votes.voter_id.tolist())
    moderated = set(vtaiwan.moderated_out_ids().tolist())
    for group in out["groups"]:
        assert set(group) >= {"id", "size", "members", "representative"}
        assert len(group["members"]) == group["size"]
        assert set(group["members"]) <= voters
        assert 1 <= len(group["representative"]) <= 5
        for rep in group["representative"]:
            assert rep["direction"] in {"agree", "disagree"}
            assert rep["statement"] not in moderated
            assert rep["agree_share"] + rep["disagree_share"] <= 1.0
            share = rep["agree_share"] if rep["direction"] == "agree" else rep["disagree_share"]
            assert share > 0.5
            assert rep["repness"] > 1.0
    for c in out["consensus"]:
        assert c["statement"] not in moderated
        assert c["agree_share" if c["direction"] == "agree" else "disagree_share"] > 0.5


def test_in_conversation_count_follows_the_rule(
    vtaiwan: PolisExport, vtaiwan_analysis: ExportAnalysis
) -> None:
    r = vtaiwan_analysis.result
    # Nobody tops up (far more than 15 qualify), so exactly those with >= 7 latest votes.
    assert r.n_clustered == int((r.n_votes >= 7).sum()) == 1218
    pv = vtaiwan.participants
    assert pv is not None
    # Polis clustered 1219: one participant stayed in from an earlier update.
    assert int((pv.group_id != NO_GROUP).sum()) == 1219


def test_groups_agree_with_polis(vtaiwan: PolisExport, vtaiwan_analysis: ExportAnalysis) -> None:
    comparison = compare_with_export_groups(vtaiwan, vtaiwan_analysis)
    # The clustering follows the Polis worker step by step (first-distinct starts, ties to
    # the last centre, 101 and 21 k-means steps, moderated-out columns counted as votes in
    # the projection scale), so a recompute from scratch agrees with the live grouping
    # except where Polis's own update history (warm starts) moved people.
    assert comparison.adjusted_rand_index >= 0.9
    assert comparison.participants_compared == 1218
    assert comparison.clustered_only_here == 0
    assert comparison.clustered_only_in_export == 1
    r = vtaiwan_analysis.result
    assert r.n_groups == 2  # summary.csv: groups = 2
    ours = sorted((len(m) for m in r.group_members), reverse=True)
    pv = vtaiwan.participants
    assert pv is not None
    theirs = sorted(np.bincount(pv.group_id[pv.group_id != NO_GROUP]).tolist(), reverse=True)
    assert theirs == [889, 330]
    assert all(abs(a - b) <= 10 for a, b in zip(ours, theirs, strict=True))


def test_representative_statements_match_polis_groups(
    vtaiwan: PolisExport, vtaiwan_analysis: ExportAnalysis
) -> None:
    """Our top statements per group are the ones Polis's own groups are best described by.

    The expectation is computed from the export's group-id column and its participants-votes
    table (independent of our clustering), with the same formulas.
    """
    pv = vtaiwan.participants
    assert pv is not None
    r = vtaiwan_analysis.result
    clustered = pv.group_id != NO_GROUP
    moderated = np.isin(pv.comment_ids, vtaiwan.moderated_out_ids())
    ours_of_row = r.group[np.searchsorted(vtaiwan_analysis.voter_ids, pv.participant)]

    def counts(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        seen = pv.voted[rows]
        votes = np.where(seen, pv.votes[rows], 0)
        return (votes == 1).sum(0), (votes == -1).sum(0), seen.sum(0)

    for gid, reps in zip(r.group_ids, r.representative, strict=True):
        mine = ours_of_row == gid
        # the export group most of our group's members are in
        polis_gid = np.bincount(pv.group_id[mine & clustered]).argmax()
        inside = clustered & (pv.group_id == polis_gid)
        rest = clustered & (pv.group_id != polis_gid)
        na, nd, ns = counts(inside)
        ra, rd, rs = counts(rest)
        st = dm.repness_stats(na, nd, ns, ra, rd, rs)
        expected = dm.select_representative(st, ~moderated)
        expected_top = {(pv.comment_ids[e.statement], e.direction) for e in expected}
        got = [(vtaiwan_analysis.comment_ids[x.statement], x.direction) for x in reps]
        # The leading statement, and most of the list, coincide.
        assert got[0] in expected_top
        assert len(set(got) & expected_top) >= 3


def test_consensus_statements_are_broadly_agreed(vtaiwan_analysis: ExportAnalysis) -> None:
    r = vtaiwan_analysis.result
    assert len(r.consensus_agree) == 5
    for c in r.consensus_agree:
        # broad agreement: high share among everyone who saw it, and in every group
        assert c.n_agree / c.n_seen > 0.8
        assert r.group_informed_consensus[c.statement] > 0.5**r.n_groups
    probs = [c.probability * c.probability_test for c in r.consensus_agree]
    assert probs == sorted(probs, reverse=True)
