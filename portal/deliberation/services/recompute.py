"""When the opinion map is recomputed: after votes (debounced), every minute, on demand.

After a vote commits, :func:`request_recompute` schedules :func:`recompute_after_votes`
``deliberation_recompute_delay_seconds`` later, so one recompute covers a burst of votes.
Scheduling costs nothing on most votes: a process remembers for that long that it already
asked for a conversation (no round trip at all), and across processes a pending flag set
with the queue storage's atomic ``put_if_empty`` (Redis ``HSETNX``, an ``INSERT`` on the
SQLite queue) lets only the first vote of a burst enqueue the task. The task clears the
flag as it starts, so votes cast while it computes schedule the next recompute. A flag
whose task was lost (a killed worker) is taken over once it is clearly older than the
delay, and the minute sweep recomputes such conversations anyway.

Every recompute runs under the conversation's lock on the queue storage (the way huey's
``lock_task`` works, with the time it was taken as the value): two consumers never compute
the same conversation at once. A lock older than :data:`LOCK_EXPIRY`, far longer than any
recompute takes, was left by a killed worker and is taken over.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator

from flask import current_app

from portal.core.errors import DomainError
from portal.core.tasks import enqueue_after_commit, queue, task
from portal.deliberation import results

log = logging.getLogger(__name__)

#: Seconds after which a recompute lock counts as left behind by a killed worker.
LOCK_EXPIRY = 15 * 60
#: How long a caller waits for another recompute of the same conversation to finish.
LOCK_WAIT = 60.0
#: Extra seconds before a pending flag without a running task is taken over.
FLAG_GRACE = 60

_asked_here: dict[int, float] = {}


class RecomputeBusy(DomainError):
    """Another consumer is recomputing the conversation right now."""


def _delay() -> int:
    return int(current_app.config["PORTAL"].deliberation_recompute_delay_seconds)


def _lock_key(conversation_id: int) -> str:
    return f"{queue.name}.lock.deliberation-recompute-{conversation_id}"


def _flag_key(conversation_id: int) -> str:
    return f"{queue.name}.deliberation-recompute-pending-{conversation_id}"


def _take(key: str, expiry: float) -> bool:
    """Set ``key`` to now unless it is set and younger than ``expiry`` seconds."""
    now = time.time()
    if queue.put_if_empty(key, now):
        return True
    since = queue.get(key, peek=True)
    if since is not None and now - float(since) < expiry:
        return False
    # Left behind by a worker that died; of two takers at this moment one may win twice,
    # which costs one extra (identical, deterministic) computation, never a wrong map.
    queue.delete(key)
    return bool(queue.put_if_empty(key, now))


@contextlib.contextmanager
def conversation_lock(conversation_id: int, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the conversation's recompute lock; raises :class:`RecomputeBusy` when another
    holder keeps it for longer than ``wait`` seconds."""
    key = _lock_key(conversation_id)
    deadline = time.monotonic() + wait
    while not _take(key, LOCK_EXPIRY):
        if time.monotonic() >= deadline:
            raise RecomputeBusy("busy")
        time.sleep(0.2)
    try:
        yield
    finally:
        queue.delete(key)


def request_recompute(conversation_id: int, *, committed: bool = False) -> None:
    """Ask for a recompute covering the votes of the current transaction (after commit).

    ``committed``: the votes are committed already (a vote written in one autocommitted
    statement), so the task is scheduled right away; as after a commit, a queue outage is
    logged rather than turned into an error.
    """
    delay = _delay()
    now = time.monotonic()
    if now - _asked_here.get(conversation_id, -float("inf")) < delay:
        return
    _asked_here[conversation_id] = now
    if not committed:
        if _take(_flag_key(conversation_id), delay + FLAG_GRACE):
            enqueue_after_commit(recompute_after_votes, conversation_id, delay=delay)
        return
    try:
        if _take(_flag_key(conversation_id), delay + FLAG_GRACE):
            recompute_after_votes.schedule((conversation_id,), delay=delay)
    except Exception:  # the vote is committed; a queue outage must not turn into a 500
        log.exception("scheduling the recompute of conversation %s failed", conversation_id)


@task(name="deliberation.recompute_conversation")
def recompute_after_votes(conversation_id: int) -> bool:
    """The debounced recompute after votes; tries again later when the lock is taken."""
    try:
        with conversation_lock(conversation_id):
            queue.delete(_flag_key(conversation_id))
            return results.recompute_conversation(conversation_id=conversation_id)
    except RecomputeBusy:
        recompute_after_votes.schedule((conversation_id,), delay=_delay())
        return False


def recompute_now(conversation_id: int, *, force: bool = False, wait: float = LOCK_WAIT) -> bool:
    """Recompute here and now under the lock (CLI, imports, publishing a report).

    Returns False when nothing was due; raises :class:`RecomputeBusy` when another
    recompute of the conversation does not finish within ``wait`` seconds.
    """
    with conversation_lock(conversation_id, wait=wait):
        return results.recompute_conversation(conversation_id=conversation_id, force=force)


def recompute_changed_conversations() -> list[int]:
    """Recompute every conversation whose votes or moderation changed; returns their ids.

    Run every minute by the task consumer and by ``flask --app wsgi deliberation recompute
    --all``; a conversation another consumer is computing right now is left to it.
    """
    done = []
    for conversation_id in results.due_conversation_ids():
        try:
            if recompute_now(conversation_id, wait=0.0):
                done.append(conversation_id)
        except RecomputeBusy:
            log.info("conversation %s is being recomputed elsewhere", conversation_id)
    return done
