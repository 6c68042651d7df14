"""Recomputing and storing opinion maps, outside the vote requests.

Results are stored with the time, the number of votes and the last vote event they reflect,
and with the state the next update needs to keep groups stable (in-conversation set,
centres, group ids, k smoother). This module computes and stores; when and where that runs
(a debounced task after votes, a periodic sweep, the CLI, publishing a report) and the lock
that keeps two consumers from computing one conversation at once live in
:mod:`portal.deliberation.services.recompute`, which calls this module and never the reverse.
"""

from __future__ import annotations

import functools
import io
import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, or_, select, update

from portal.core.db import utcnow
from portal.deliberation import math as dmath
from portal.deliberation.analysis import component_cosines
from portal.deliberation.clustering import adjusted_rand_index
from portal.deliberation.models import (
    Conversation,
    MathState,
    Participant,
    Statement,
    StatementStatus,
    Vote,
    VoteEvent,
)
from portal.extensions import db

log = logging.getLogger(__name__)

SEED = 0


@dataclass(frozen=True, eq=False)
class PreviousState:
    """The parts of the last :class:`~portal.deliberation.math.MathResult` an update needs,
    re-indexed to the current participants."""

    in_conversation: np.ndarray
    group: np.ndarray
    base_centers: np.ndarray
    group_centers: np.ndarray
    group_ids: tuple[int, ...]
    k_smoother: dmath.KSmoother

    @property
    def n_groups(self) -> int:
        return len(self.group_ids)


def _save_state(
    result: dmath.MathResult, participant_ids: np.ndarray, statement_ids: np.ndarray
) -> bytes:
    buffer = io.BytesIO()
    ks = result.k_smoother
    np.savez_compressed(
        buffer,
        participant_ids=participant_ids,
        statement_ids=statement_ids,
        projection=np.asarray(result.projection, dtype=np.float32),
        group=np.asarray(result.group, dtype=np.int16),
        in_conversation=np.asarray(result.in_conversation),
        base_centers=np.asarray(result.base_centers),
        group_centers=np.asarray(result.group_centers),
        group_ids=np.asarray(result.group_ids, dtype=np.int64),
        k_smoother=np.array([ks.smoothed_k, ks.last_best_k, ks.last_best_count], dtype=np.int64),
    )
    return buffer.getvalue()


def load_state(blob: bytes | None) -> dict[str, np.ndarray] | None:
    """The stored arrays (never pickles: ``allow_pickle=False``)."""
    if not blob:
        return None
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def _previous(state: dict[str, np.ndarray] | None, participant_ids: np.ndarray) -> Any:
    if state is None or "group_ids" not in state:
        return None
    old_ids = state["participant_ids"]
    n = len(participant_ids)
    in_conv = np.zeros(n, dtype=bool)
    group = np.full(n, -1, dtype=np.int64)
    if len(old_ids):
        pos = np.minimum(np.searchsorted(old_ids, participant_ids), len(old_ids) - 1)
        found = old_ids[pos] == participant_ids
        in_conv[found] = state["in_conversation"][pos[found]]
        group[found] = state["group"][pos[found]]
    ks = state["k_smoother"].tolist()
    return PreviousState(
        in_conversation=in_conv,
        group=group,
        base_centers=state["base_centers"],
        group_centers=state["group_centers"],
        group_ids=tuple(int(i) for i in state["group_ids"].tolist()),
        k_smoother=dmath.KSmoother(*ks),
    )


def is_due(conversation_id: int) -> bool:
    """Whether votes or moderation changed since the stored result."""
    state = db.session.get(MathState, conversation_id)
    last_event = db.session.scalar(
        select(func.max(VoteEvent.id)).where(VoteEvent.conversation_id == conversation_id)
    )
    if state is None:
        return True
    return bool(state.needs_update) or int(last_event or 0) != state.last_event_id


def recompute_conversation(*, conversation_id: int, force: bool = False) -> bool:
    """Recompute and store the opinion map if anything changed (or ``force``), and commit.

    Returns False when nothing was due. The caller holds the conversation's recompute lock.
    """
    if not force and not is_due(conversation_id):
        return False
    if db.session.get(MathState, conversation_id) is None:
        db.session.add(MathState(conversation_id=conversation_id))
        db.session.flush()
    try:
        _compute_and_store(conversation_id)
    except BaseException:
        log.exception("recompute of conversation %s failed", conversation_id)
        db.session.rollback()
        raise
    return True


def due_conversation_ids() -> list[int]:
    """Conversations whose stored map is out of date (new votes, moderation), in one query."""
    last_events = (
        select(VoteEvent.conversation_id, func.max(VoteEvent.id).label("last_event"))
        .group_by(VoteEvent.conversation_id)
        .subquery()
    )
    query = (
        select(Conversation.id)
        .outerjoin(MathState, MathState.conversation_id == Conversation.id)
        .outerjoin(last_events, last_events.c.conversation_id == Conversation.id)
        .where(
            or_(
                MathState.conversation_id.is_(None),
                MathState.needs_update.is_(True),
                func.coalesce(last_events.c.last_event, 0) != MathState.last_event_id,
            )
        )
        .order_by(Conversation.id)
    )
    return list(db.session.scalars(query))


def _compute_and_store(conversation_id: int) -> None:
    started = time.perf_counter()
    last_event = int(
        db.session.scalar(
            select(func.max(VoteEvent.id)).where(VoteEvent.conversation_id == conversation_id)
        )
        or 0
    )
    people = db.session.execute(
        select(
            Participant.id, Participant.blocked, Participant.polis_group, Participant.opinion_group
        )
        .where(Participant.conversation_id == conversation_id)
        .order_by(Participant.id)
    ).all()
    statements = db.session.execute(
        select(Statement.id, Statement.status, Statement.is_meta, Statement.hidden)
        .where(Statement.conversation_id == conversation_id)
        .order_by(Statement.id)
    ).all()
    votes = db.session.execute(
        select(Vote.participant_id, Vote.statement_id, Vote.value).where(
            Vote.conversation_id == conversation_id
        )
    ).all()
    participant_ids = np.array([r[0] for r in people], dtype=np.int64)
    blocked = np.array([bool(r[1]) for r in people], dtype=bool)
    statement_ids = np.array([r[0] for r in statements], dtype=np.int64)
    meta = np.array([bool(r[2]) for r in statements], dtype=bool)
    moderated = np.array(
        [r[1] == StatementStatus.REJECTED or bool(r[2]) or bool(r[3]) for r in statements],
        dtype=bool,
    )
    vote_array = np.array(votes, dtype=np.int64).reshape(-1, 3)
    p = np.searchsorted(participant_ids, vote_array[:, 0])
    s = np.searchsorted(statement_ids, vote_array[:, 1])
    keep = ~blocked[p] if len(p) else np.zeros(0, dtype=bool)
    p, s, v = p[keep], s[keep], vote_array[keep, 2].astype(np.int8)

    state_row = db.session.get(MathState, conversation_id)
    summary: dict[str, Any] = {"participants": len(people), "votes": len(v)}
    blob = None
    groups_now = np.full(len(people), -1, dtype=np.int64)
    if len(v):
        previous = _previous(load_state(state_row.state), participant_ids)
        compute = functools.partial(
            dmath.compute,
            p,
            s,
            v,
            n_participants=len(participant_ids),
            n_statements=len(statement_ids),
            moderated_out=moderated,
            previous=previous,
            seed=SEED,
        )
        result = compute(
            min_voters=dmath.REPORT_MIN_VOTERS, min_voter_share=dmath.REPORT_MIN_VOTER_SHARE
        )
        groups_now = np.asarray(result.group, dtype=np.int64)
        summary.update(_summary(result, statement_ids, meta))
        polis = np.array([-1 if r[2] is None else int(r[2]) for r in people], dtype=np.int64)
        if (polis >= 0).any():
            summary["comparison"] = _comparison(polis, groups_now)
            # An imported conversation can be measured against Polis's own grouping, so the
            # report shows what the portal's deliberate departure from Polis changes.
            polis_method = compute(pca="polis")
            summary["differences"] = [_pca_difference(result, polis_method, polis)]
        blob = _save_state(result, participant_ids, statement_ids)

    # Only rows whose group changed are written.
    old = np.array([-1 if r[3] is None else int(r[3]) for r in people], dtype=np.int64)
    changed = np.flatnonzero(old != groups_now)
    if len(changed):
        db.session.execute(
            update(Participant),
            [
                {
                    "id": int(participant_ids[i]),
                    "opinion_group": None if groups_now[i] < 0 else int(groups_now[i]),
                }
                for i in changed
            ],
        )
    state_row = db.session.get(MathState, conversation_id)
    state_row.summary = summary
    state_row.state = blob
    state_row.computed_at = utcnow()
    state_row.vote_count = len(votes)
    state_row.last_event_id = last_event
    state_row.participant_count = len(people)
    state_row.needs_update = False
    state_row.seconds = round(time.perf_counter() - started, 3)
    db.session.commit()


def _share(count: int, seen: int) -> float:
    return round(count / seen, 4) if seen else 0.0


def _summary(
    result: dmath.MathResult, statement_ids: np.ndarray, meta: np.ndarray
) -> dict[str, Any]:
    sid = statement_ids.tolist()
    groups = []
    for gid, members, reps in zip(
        result.group_ids, result.group_members, result.representative, strict=True
    ):
        groups.append(
            {
                "id": int(gid),
                "size": len(members),
                "representative": [
                    {
                        "statement_id": sid[r.statement],
                        "direction": r.direction,
                        "n_agree": r.n_agree,
                        "n_disagree": r.n_disagree,
                        "n_seen": r.n_seen,
                        "agree_share": _share(r.n_agree, r.n_seen),
                        "disagree_share": _share(r.n_disagree, r.n_seen),
                        "rest_agree_share": _share(r.n_agree_rest, r.n_seen_rest),
                        "repness": round(r.repness, 4),
                        "significant": bool(r.significant),
                    }
                    for r in reps
                ],
            }
        )
    consensus = [
        {
            "statement_id": sid[c.statement],
            "direction": c.direction,
            "n_seen": c.n_seen,
            "agree_share": _share(c.n_agree, c.n_seen),
            "disagree_share": _share(c.n_disagree, c.n_seen),
        }
        for c in (*result.consensus_agree, *result.consensus_disagree)
    ]
    divisive = [
        {"statement_id": sid[d.statement], "shares": [round(x, 4) for x in d.group_agree_shares]}
        for d in result.divisive
    ]
    gic = np.asarray(result.group_informed_consensus)
    eligible = (result.statement_seen > 0) & ~np.asarray(result.moderated_out)
    order = [int(j) for j in np.argsort(-gic, kind="stable") if eligible[j]][:5]
    priorities = dmath.result_priorities(result, meta)
    return {
        "in_conversation": int(np.count_nonzero(result.in_conversation)),
        # The consensus and divisive lists' rule, so the page states the one that was applied.
        "list_rule": {
            "min_voters": dmath.REPORT_MIN_VOTERS,
            "min_voter_share": dmath.REPORT_MIN_VOTER_SHARE,
        },
        "clustered": result.n_clustered,
        "groups": groups,
        "consensus": consensus,
        "divisive": divisive,
        "group_informed_consensus": [
            {"statement_id": sid[j], "value": round(float(gic[j]), 4)} for j in order
        ],
        "priorities": {str(sid[j]): float(priorities[j]) for j in range(len(sid))},
        "counts": {
            str(sid[j]): [
                int(result.statement_agrees[j]),
                int(result.statement_disagrees[j]),
                int(result.statement_seen[j]),
            ]
            for j in range(len(sid))
        },
    }


def _pca_difference(
    result: dmath.MathResult, polis_method: dmath.MathResult, polis: np.ndarray
) -> dict[str, Any]:
    """The exact PCA against Polis's 100 power iterations, both measured against the groups
    in the imported export (the same keys as ``differences`` of ``deliberation analyse``)."""
    return {
        "detail": "pca",
        "portal": "exact",
        "polis": "power_iteration_100",
        "component_cosines": component_cosines(result, polis_method),
        "polis_adjusted_rand_index": {
            "portal": _comparison(polis, np.asarray(result.group))["adjusted_rand_index"],
            "polis": _comparison(polis, np.asarray(polis_method.group))["adjusted_rand_index"],
        },
    }


def _comparison(polis: np.ndarray, ours: np.ndarray) -> dict[str, Any]:
    both = (polis >= 0) & (ours >= 0)
    ari = adjusted_rand_index(polis[both], ours[both]) if both.any() else None
    polis_ids, polis_sizes = np.unique(polis[polis >= 0], return_counts=True)
    return {
        "adjusted_rand_index": None if ari is None else round(ari, 4),
        "compared": int(both.sum()),
        "polis_group_sizes": {
            str(int(g)): int(n) for g, n in zip(polis_ids, polis_sizes, strict=True)
        },
    }


__all__ = [
    "PreviousState",
    "due_conversation_ids",
    "is_due",
    "load_state",
    "recompute_conversation",
]
