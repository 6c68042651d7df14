"""Re-analyse a Polis export from its raw vote log, without a database.

Used by ``flask --app wsgi deliberation analyse DIR --json`` (and ``python -m
portal.deliberation.analysis DIR --json``): the opinion groups, representative statements
and consensus are recomputed from ``votes.csv`` (latest vote per participant and statement),
or from the participant matrix when the export has no vote log, with moderated-out and meta
comments zeroed, and compared with the groups Polis itself exported. Pure: reading, NumPy
math and a JSON-able dictionary.

The one deliberate difference from the Polis worker, the exact PCA, is measured on every
analysis: the groups are also computed with Polis's power iteration and both are compared.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from portal.deliberation import math as dmath
from portal.deliberation.clustering import adjusted_rand_index
from portal.deliberation.polis_io import NO_GROUP, PolisExport, read_export


@dataclass(frozen=True, eq=False)
class ExportAnalysis:
    """The math result of an export together with the id mappings back to the export."""

    voter_ids: np.ndarray  # participant index -> export voter id
    comment_ids: np.ndarray  # statement index -> export comment id
    result: dmath.MathResult
    seconds: float
    #: The same recompute with Polis's power-iteration PCA, when asked for.
    polis_pca: dmath.MathResult | None = None


def analyse(
    export: PolisExport,
    *,
    seed: int = 0,
    cluster_dimensions: int = 2,
    compare_pca: bool = False,
) -> ExportAnalysis:
    """Recompute the opinion map of a read export from scratch (see
    :func:`portal.deliberation.math.compute` for ``cluster_dimensions``).

    ``compare_pca`` also recomputes it with Polis's power-iteration PCA
    (:attr:`ExportAnalysis.polis_pca`) so the difference can be shown."""
    start = time.perf_counter()
    votes = export.votes
    voter_ids, participant = np.unique(votes.voter_id, return_inverse=True)
    comment_ids = np.unique(
        np.concatenate(
            [np.array([c.comment_id for c in export.comments], dtype=np.int64), votes.comment_id]
        )
    )
    statement = np.searchsorted(comment_ids, votes.comment_id)
    # Without timestamps (votes from the matrix) there is one vote per pair anyway.
    order = votes.millis() if export.has_vote_times else None
    p, s, v = dmath.latest_votes(participant, statement, votes.vote, order)
    moderated = np.isin(comment_ids, export.moderated_out_ids())
    runs = {}
    for pca in ("exact", "polis") if compare_pca else ("exact",):
        runs[pca] = dmath.compute(
            p,
            s,
            v,
            n_participants=len(voter_ids),
            n_statements=len(comment_ids),
            moderated_out=moderated,
            seed=seed,
            cluster_dimensions=cluster_dimensions,
            pca=pca,
        )
    return ExportAnalysis(
        voter_ids=voter_ids,
        comment_ids=comment_ids,
        result=runs["exact"],
        seconds=time.perf_counter() - start,
        polis_pca=runs.get("polis"),
    )


def _share(count: int, seen: int) -> float:
    return round(count / seen, 4) if seen else 0.0


def _statement_json(
    st: dmath.RepresentativeStatement | dmath.ConsensusStatement, comment_ids: np.ndarray
) -> dict[str, Any]:
    return {
        "statement": int(comment_ids[st.statement]),
        "direction": st.direction,
        "agree_share": _share(st.n_agree, st.n_seen),
        "disagree_share": _share(st.n_disagree, st.n_seen),
    }


def _representative_json(
    rep: dmath.RepresentativeStatement, comment_ids: np.ndarray
) -> dict[str, Any]:
    return {
        **_statement_json(rep, comment_ids),
        "repness": round(rep.repness, 4),
        "repness_test": round(rep.repness_test, 4),
        "n_agree": rep.n_agree,
        "n_disagree": rep.n_disagree,
        "n_seen": rep.n_seen,
        "significant": rep.significant,
    }


def _consensus_json(c: dmath.ConsensusStatement, comment_ids: np.ndarray) -> dict[str, Any]:
    return {
        **_statement_json(c, comment_ids),
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


def _sizes(labels: np.ndarray) -> list[int]:
    labels = labels[labels >= 0]
    return sorted(np.bincount(labels).tolist(), reverse=True) if len(labels) else []


def _export_json(export: PolisExport) -> dict[str, Any]:
    pv = export.participants
    return {
        "votes_source": export.votes_source,
        # "ms", "s" or "none": without a vote log there are no vote times at all.
        "vote_timestamps": export.votes.unit,
        "has_vote_times": export.has_vote_times,
        "comment_timestamps": export.comment_timestamp_unit,
        "participants_file": pv.file_name if pv is not None else None,
        "comment_groups_file": export.comment_groups is not None,
        "comments": len(export.comments),
        "moderated_out": len(export.moderated_out_ids()),
        "meta": len(export.meta_ids()),
        "votes": len(export.votes),
    }


def component_cosines(a: dmath.MathResult, b: dmath.MathResult) -> list[float]:
    """|cos| between the two results' first and second principal components (1 = same axis;
    the sign of a component is arbitrary)."""
    cosines = []
    for i in range(2):
        x, y = a.components[i], b.components[i]
        norm = float(np.linalg.norm(x) * np.linalg.norm(y))
        cosines.append(round(abs(float(x @ y)) / norm, 6) if norm else 0.0)
    return cosines


def _differences_json(export: PolisExport, analysis: ExportAnalysis) -> list[dict[str, Any]]:
    other = analysis.polis_pca
    if other is None:
        return []
    r = analysis.result
    both = (r.group >= 0) & (other.group >= 0)
    cosines = component_cosines(r, other)
    entry: dict[str, Any] = {
        "detail": "pca",
        "portal": "exact",
        "polis": "power_iteration_100",
        "component_cosines": cosines,
        "groups_adjusted_rand_index": round(
            adjusted_rand_index(r.group[both], other.group[both]), 4
        )
        if both.any()
        else None,
        "group_sizes_portal": _sizes(np.asarray(r.group)),
        "group_sizes_polis": _sizes(np.asarray(other.group)),
    }
    if export.participants is not None:
        entry["polis_adjusted_rand_index"] = {
            "portal": _comparison_json(compare_with_export_groups(export, analysis))[
                "adjusted_rand_index"
            ],
            "polis": _comparison_json(
                compare_with_export_groups(
                    export, dataclasses.replace(analysis, result=other, polis_pca=None)
                )
            )["adjusted_rand_index"],
        }
    return [entry]


def _comparison_json(c: GroupComparison) -> dict[str, Any]:
    ari = c.adjusted_rand_index
    return {
        "adjusted_rand_index": round(ari, 4) if np.isfinite(ari) else None,
        "compared": c.participants_compared,
        "clustered_only_here": c.clustered_only_here,
        "clustered_only_in_export": c.clustered_only_in_export,
        "group_sizes_here": list(c.group_sizes_here),
        "group_sizes_in_export": list(c.group_sizes_in_export),
    }


def analyse_export(
    directory: str | Path, *, seed: int = 0, cluster_dimensions: int = 2
) -> dict[str, Any]:
    """Read a Polis export folder and return the JSON-able analysis.

    The keys of :func:`analysis_to_json`, plus ``export`` (what the export held: vote source,
    timestamp units, counts), ``polis_groups`` (agreement with the export's ``group-id``, or
    ``None`` without a participant matrix), ``differences`` (each deliberate departure from
    Polis measured on this data) and ``timing``; ``seconds`` covers reading and computing.
    Raises :class:`~portal.deliberation.polis_io.ExportError` for a malformed export.
    """
    start = time.perf_counter()
    export = read_export(directory, optional_files=False)
    read_seconds = time.perf_counter() - start
    analysis = analyse(export, seed=seed, cluster_dimensions=cluster_dimensions, compare_pca=True)
    out = analysis_to_json(analysis)
    out["participants"] = len(analysis.voter_ids)
    out["statements"] = len(analysis.comment_ids)
    out["export"] = _export_json(export)
    out["polis_groups"] = (
        _comparison_json(compare_with_export_groups(export, analysis))
        if export.participants is not None
        else None
    )
    out["differences"] = _differences_json(export, analysis)
    total = time.perf_counter() - start
    out["timing"] = {
        "read": round(read_seconds, 4),
        "math": round(analysis.seconds, 4),
        "total": round(total, 4),
    }
    out["seconds"] = round(total, 4)
    return out


@dataclass(frozen=True)
class GroupComparison:
    """Agreement between recomputed groups and the groups in the export."""

    adjusted_rand_index: float
    participants_compared: int
    clustered_only_here: int
    clustered_only_in_export: int
    group_sizes_here: tuple[int, ...] = ()
    group_sizes_in_export: tuple[int, ...] = ()


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
    ari = adjusted_rand_index(theirs[both], ours[both]) if both.any() else float("nan")
    exported = pv.group_id[pv.group_id != NO_GROUP]
    return GroupComparison(
        adjusted_rand_index=ari,
        participants_compared=int(both.sum()),
        clustered_only_here=int(((ours >= 0) & (theirs == NO_GROUP)).sum()),
        clustered_only_in_export=int(((ours < 0) & (theirs != NO_GROUP)).sum()),
        group_sizes_here=tuple(_sizes(ours)),
        group_sizes_in_export=tuple(_sizes(exported - exported.min()) if len(exported) else ()),
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


def main(argv: list[str] | None = None) -> None:
    """``python -m portal.deliberation.analysis DIR [--json]``: the ``analyse`` command
    without loading the web application."""
    from portal.deliberation.cli import analyse_command

    analyse_command.main(args=argv, prog_name="python -m portal.deliberation.analysis")


if __name__ == "__main__":
    main()
