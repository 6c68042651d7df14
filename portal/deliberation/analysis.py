"""Re-analyse a Polis export from its raw vote log.

Used by ``flask --app wsgi deliberation analyse DIR --json``: the opinion groups,
representative statements and consensus are recomputed from ``votes.csv`` alone (latest vote
per participant and statement), with moderated-out comments excluded, and can be compared
with the groups Polis itself exported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score

from portal.deliberation import math as dmath
from portal.deliberation.polis_io import NO_GROUP, PolisExport, read_export


@dataclass(frozen=True, eq=False)
class ExportAnalysis:
    """The math result of an export together with the id mappings back to the export."""

    voter_ids: np.ndarray  # participant index -> export voter id
    comment_ids: np.ndarray  # statement index -> export comment id
    result: dmath.MathResult
    seconds: float


def analyse(export: PolisExport, *, seed: int = 0, cluster_dimensions: int = 2) -> ExportAnalysis:
    """Recompute the opinion map of a read export from scratch (see
    :func:`portal.deliberation.math.compute` for ``cluster_dimensions``)."""
    start = time.perf_counter()
    votes = export.votes
    voter_ids, participant = np.unique(votes.voter_id, return_inverse=True)
    comment_ids = np.unique(
        np.concatenate(
            [np.array([c.comment_id for c in export.comments], dtype=np.int64), votes.comment_id]
        )
    )
    statement = np.searchsorted(comment_ids, votes.comment_id)
    p, s, v = dmath.latest_votes(participant, statement, votes.vote, votes.timestamp)
    moderated = np.isin(comment_ids, export.moderated_out_ids())
    result = dmath.compute(
        p,
        s,
        v,
        n_participants=len(voter_ids),
        n_statements=len(comment_ids),
        moderated_out=moderated,
        seed=seed,
        cluster_dimensions=cluster_dimensions,
    )
    return ExportAnalysis(
        voter_ids=voter_ids,
        comment_ids=comment_ids,
        result=result,
        seconds=time.perf_counter() - start,
    )


def _share(count: int, seen: int) -> float:
    return round(count / seen, 4) if seen else 0.0


def _representative_json(
    rep: dmath.RepresentativeStatement, comment_ids: np.ndarray
) -> dict[str, Any]:
    return {
        "statement": int(comment_ids[rep.statement]),
        "direction": rep.direction,
        "agree_share": _share(rep.n_agree, rep.n_seen),
        "disagree_share": _share(rep.n_disagree, rep.n_seen),
        "repness": round(rep.repness, 4),
        "repness_test": round(rep.repness_test, 4),
        "n_agree": rep.n_agree,
        "n_disagree": rep.n_disagree,
        "n_seen": rep.n_seen,
        "significant": rep.significant,
    }


def _consensus_json(c: dmath.ConsensusStatement, comment_ids: np.ndarray) -> dict[str, Any]:
    return {
        "statement": int(comment_ids[c.statement]),
        "direction": c.direction,
        "agree_share": _share(c.n_agree, c.n_seen),
        "disagree_share": _share(c.n_disagree, c.n_seen),
        "probability": round(c.probability, 4),
        "probability_test": round(c.probability_test, 4),
        "n_seen": c.n_seen,
    }


def analysis_to_json(analysis: ExportAnalysis) -> dict[str, Any]:
    """JSON-able summary: clustered count, groups with members and representative
    statements (export ids), agree-then-disagree consensus, and compute seconds."""
    r = analysis.result
    groups = [
        {
            "id": gid,
            "size": len(members),
            "members": [int(x) for x in analysis.voter_ids[members]],
            "representative": [_representative_json(rep, analysis.comment_ids) for rep in reps],
        }
        for gid, members, reps in zip(r.group_ids, r.group_members, r.representative, strict=True)
    ]
    return {
        "participants_clustered": r.n_clustered,
        "groups": groups,
        "consensus": [
            _consensus_json(c, analysis.comment_ids)
            for c in (*r.consensus_agree, *r.consensus_disagree)
        ],
        "seconds": round(analysis.seconds, 4),
    }


def analyse_export(
    directory: str | Path, *, seed: int = 0, cluster_dimensions: int = 2
) -> dict[str, Any]:
    """Read a Polis export folder and return the JSON-able analysis (see
    :func:`analysis_to_json`); ``seconds`` covers reading and computing."""
    start = time.perf_counter()
    export = read_export(directory)
    analysis = analyse(export, seed=seed, cluster_dimensions=cluster_dimensions)
    out = analysis_to_json(analysis)
    out["seconds"] = round(time.perf_counter() - start, 4)
    return out


@dataclass(frozen=True)
class GroupComparison:
    """Agreement between recomputed groups and the groups in the export."""

    adjusted_rand_index: float
    participants_compared: int
    clustered_only_here: int
    clustered_only_in_export: int


def compare_with_export_groups(export: PolisExport, analysis: ExportAnalysis) -> GroupComparison:
    """Adjusted Rand index between our groups and the export's ``group-id`` column, over
    the participants both clustered."""
    if export.participants is None:
        raise ValueError("the export has no participants-votes.csv to compare with")
    pv = export.participants
    theirs = np.full(len(analysis.voter_ids), NO_GROUP, dtype=np.int64)
    pos = np.searchsorted(analysis.voter_ids, pv.participant)
    found = (pos < len(analysis.voter_ids)) & (
        analysis.voter_ids[np.minimum(pos, len(analysis.voter_ids) - 1)] == pv.participant
    )
    theirs[pos[found]] = pv.group_id[found]
    ours = np.asarray(analysis.result.group)
    both = (ours >= 0) & (theirs != NO_GROUP)
    ari = float(adjusted_rand_score(theirs[both], ours[both])) if both.any() else float("nan")
    return GroupComparison(
        adjusted_rand_index=ari,
        participants_compared=int(both.sum()),
        clustered_only_here=int(((ours >= 0) & (theirs == NO_GROUP)).sum()),
        clustered_only_in_export=int(((ours < 0) & (theirs != NO_GROUP)).sum()),
    )


def compare_export_directory(
    directory: str | Path, *, seed: int = 0, cluster_dimensions: int = 2
) -> GroupComparison:
    """Read, re-analyse and compare an export folder with its own ``group-id`` column."""
    export = read_export(directory)
    analysis = analyse(export, seed=seed, cluster_dimensions=cluster_dimensions)
    return compare_with_export_groups(export, analysis)


__all__ = [
    "ExportAnalysis",
    "GroupComparison",
    "analyse",
    "analyse_export",
    "analysis_to_json",
    "compare_export_directory",
    "compare_with_export_groups",
]
