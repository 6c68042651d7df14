"""Recomputing and storing opinion maps, outside the vote requests.

A recompute takes a lease on the conversation's :class:`MathState` row (an ``UPDATE ...
WHERE lease_until < now``), so only one process recomputes a conversation at a time however
many web workers, threads or cron jobs ask. Results are stored with the time, the number of
votes and the last vote event they reflect, and with the state the next update needs to
keep groups stable (in-conversation set, centres, group ids, k smoother).

:func:`schedule_recompute` is the debounce used by the web process: the first vote after a
quiet period starts a timer; when it fires, one recompute covers every vote cast meanwhile.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from sklearn.metrics import adjusted_rand_score
from sqlalchemy import func, or_, select, update

from portal.core.db import utcnow
from portal.deliberation import math as dmath
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
from portal.impact.models import OutputKind
from portal.impact.services import record_participation, register_output

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
#: Seconds between the first vote of a burst and the recompute that covers the burst.
DEBOUNCE_SECONDS = 10.0
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


def _acquire(conversation_id: int, owner: str) -> bool:
    now = utcnow()
    if db.session.get(MathState, conversation_id) is None:
        db.session.add(MathState(conversation_id=conversation_id))
        db.session.commit()
    taken = db.session.execute(
        update(MathState)
        .where(
            MathState.conversation_id == conversation_id,
            or_(MathState.lease_until.is_(None), MathState.lease_until < now),
        )
        .values(lease_owner=owner[:80], lease_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return taken.rowcount == 1


def _release(conversation_id: int) -> None:
    db.session.rollback()
    db.session.execute(
        update(MathState)
        .where(MathState.conversation_id == conversation_id)
        .values(lease_owner="", lease_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def is_due(conversation_id: int) -> bool:
    """Whether votes or moderation changed since the stored result."""
    state = db.session.get(MathState, conversation_id)
    last_event = db.session.scalar(
        select(func.max(VoteEvent.id)).where(VoteEvent.conversation_id == conversation_id)
    )
    if state is None:
        return True
    return bool(state.needs_update) or int(last_event or 0) != state.last_event_id


def recompute_conversation(*, conversation_id: int, owner: str = "", force: bool = False) -> bool:
    """Recompute and store the opinion map if anything changed (or ``force``), and commit.

    Returns False when nothing was due or another process holds the lease.
    """
    if not force and not is_due(conversation_id):
        return False
    owner = owner or f"{os.getpid()}-{threading.get_ident()}"
    if not _acquire(conversation_id, owner):
        return False
    try:
        _compute_and_store(conversation_id)
    except BaseException:
        log.exception("recompute of conversation %s failed", conversation_id)
        _release(conversation_id)
        raise
    return True


def recompute_due() -> list[int]:
    """Recompute every conversation whose result is out of date; returns their ids."""
    done = []
    for (conversation_id,) in db.session.execute(select(Conversation.id).order_by(Conversation.id)):
        if recompute_conversation(conversation_id=conversation_id, owner="cli"):
            done.append(conversation_id)
    return done


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
        result = dmath.compute(
            p,
            s,
            v,
            n_participants=len(participant_ids),
            n_statements=len(statement_ids),
            moderated_out=moderated,
            previous=previous,
            seed=SEED,
        )
        groups_now = np.asarray(result.group, dtype=np.int64)
        summary.update(_summary(result, statement_ids, meta))
        polis = np.array([-1 if r[2] is None else int(r[2]) for r in people], dtype=np.int64)
        if (polis >= 0).any():
            summary["comparison"] = _comparison(polis, groups_now)
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
    state_row.lease_owner = ""
    state_row.lease_until = None
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


def _comparison(polis: np.ndarray, ours: np.ndarray) -> dict[str, Any]:
    both = (polis >= 0) & (ours >= 0)
    ari = float(adjusted_rand_score(polis[both], ours[both])) if both.any() else None
    polis_ids, polis_sizes = np.unique(polis[polis >= 0], return_counts=True)
    return {
        "adjusted_rand_index": None if ari is None else round(ari, 4),
        "compared": int(both.sum()),
        "polis_group_sizes": {
            str(int(g)): int(n) for g, n in zip(polis_ids, polis_sizes, strict=True)
        },
    }


# --- the debounce in web processes -------------------------------------------------------------

_timers: dict[int, threading.Timer] = {}
_timers_lock = threading.Lock()


def schedule_recompute(app: Flask, conversation_id: int, delay: float = DEBOUNCE_SECONDS) -> None:
    """Recompute ``conversation_id`` in a background thread of this process after ``delay``
    seconds, unless one is already pending. The database lease keeps other processes from
    computing the same conversation at the same time."""
    if not app.config.get("DELIBERATION_BACKGROUND_RECOMPUTE", not app.testing):
        return
    with _timers_lock:
        if conversation_id in _timers:
            return
        timer = threading.Timer(delay, _run_recompute, args=(app, conversation_id))
        timer.daemon = True
        _timers[conversation_id] = timer
    timer.start()


def _run_recompute(app: Flask, conversation_id: int) -> None:
    try:
        with app.app_context():
            recompute_conversation(conversation_id=conversation_id)
    except Exception:  # a failed recompute must not kill the worker; it is logged above
        log.exception("background recompute failed")
    finally:
        with _timers_lock:
            _timers.pop(conversation_id, None)


# --- impact chain --------------------------------------------------------------------------------


def register_report_outputs(conversation: Conversation, activity: Any) -> None:
    """Register the consensus and each group's view as outputs (flushes only)."""
    state = db.session.get(MathState, conversation.id)
    summary = state.summary if state and state.summary else {}
    texts = {
        s.id: s.text
        for s in db.session.scalars(
            select(Statement).where(Statement.conversation_id == conversation.id)
        )
    }
    language = conversation.language_list[0] if conversation.languages else "fi"
    topic = conversation.topic(language)
    from portal.deliberation.services import ZERO_HOURS, first_vote_dates, group_label

    with force_locale(language):
        consensus_lines = [
            _(
                "%(share)s %% agree: %(text)s",
                share=round(c["agree_share"] * 100),
                text=texts.get(c["statement_id"], ""),
            )
            if c["direction"] == "agree"
            else _(
                "%(share)s %% disagree: %(text)s",
                share=round(c["disagree_share"] * 100),
                text=texts.get(c["statement_id"], ""),
            )
            for c in summary.get("consensus", [])
        ]
        if consensus_lines:
            register_output(
                activity=activity,
                kind=OutputKind.CONSENSUS,
                title=_("Consensus: %(topic)s", topic=topic)[:200],
                text="\n".join(consensus_lines),
                source_type="deliberation_consensus",
                source_id=conversation.id,
            )
        for group in summary.get("groups", []):
            lines = [
                _(
                    "%(share)s %% agree: %(text)s",
                    share=round(r["agree_share"] * 100),
                    text=texts.get(r["statement_id"], ""),
                )
                if r["direction"] == "agree"
                else _(
                    "%(share)s %% disagree: %(text)s",
                    share=round(r["disagree_share"] * 100),
                    text=texts.get(r["statement_id"], ""),
                )
                for r in group["representative"]
            ]
            register_output(
                activity=activity,
                kind=OutputKind.OPINION_GROUP_VIEW,
                title=_(
                    "Opinion group %(label)s (%(size)s participants): %(topic)s",
                    label=group_label(group["id"]),
                    size=group["size"],
                    topic=topic,
                )[:200],
                text="\n".join(lines),
                source_type=f"deliberation_group_{group['id']}",
                source_id=conversation.id,
            )
    from portal.accounts.models import User

    for user_id, first in first_vote_dates(conversation.id).items():
        user = db.session.get(User, user_id)
        if user is not None and user.erased_at is None:
            record_participation(
                activity=activity,
                user=user,
                occurred_on=first,
                hours=ZERO_HOURS,
                role="participant",
                event_type="deliberation",
                event_id=conversation.id,
            )


__all__ = [
    "PreviousState",
    "is_due",
    "load_state",
    "recompute_conversation",
    "recompute_due",
    "register_report_outputs",
    "schedule_recompute",
]
