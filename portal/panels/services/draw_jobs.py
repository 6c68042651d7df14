"""Running a draw on the task queue, with progress, a heartbeat and recovery.

:func:`~portal.panels.services.draws.start_draw` stores the draw and its job row and
enqueues :func:`run_panel_draw` once that transaction commits. The task claims the job with
one conditional UPDATE that also counts the attempt, so two workers never compute the same
draw: only a queued job, or a running one whose heartbeat is older than
``panels_draw_stale_seconds``, can be claimed. While the draw runs, the selection reports
progress after every round of its solver (at most seconds apart, even on large pools); each
report writes the fraction and stage for the coordinator's page and the job's
``heartbeat_at``. The stale time must exceed the longest single solve: if it did not, a second
worker would compute the same deterministic draw and the first one's writes would be refused.

A killed worker loses the task message (huey removes it before running it), so the job row
is the source of truth: every consumer re-enqueues unfinished draws as it starts, and a
sweep every minute re-enqueues queued draws nobody picked up and running ones whose
heartbeat went stale. A task that finds its draw running with a fresh heartbeat looks again
once the heartbeat could have gone stale, so a draw whose worker was killed is run again as
soon as that is certain. The draw is deterministic (snapshot, quotas and seed are stored),
so running it again gives the same panel. Writes of a superseded attempt are refused: every
write checks the attempt number it claimed.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from portal.accounts.models import User
from portal.core.db import utcnow
from portal.core.tasks import task
from portal.extensions import db
from portal.panels.messages import explanation_data
from portal.panels.models import (
    DrawStatus,
    Panel,
    PanelDraw,
    PanelDrawJob,
    PanelMember,
    PanelStatus,
)
from portal.panels.selection import Candidate, Feasibility, SelectionSolverError
from portal.panels.selection_io import distribution_to_dict, draw_from_candidates
from portal.panels.services._common import (
    _audit_draw,
    _candidates_by_pseudonym,
    _notify_selected,
    _sync_activity,
    categories_of,
)

log = logging.getLogger(__name__)

# Progress is written at most this often: each write is a small transaction.
PROGRESS_INTERVAL = 0.5
UNFINISHED = (DrawStatus.QUEUED, DrawStatus.RUNNING)


class _Superseded(Exception):
    """Another worker claimed the job after this one's heartbeat went stale."""


def stale_after() -> timedelta:
    """How old a running draw's heartbeat may be before its worker counts as gone."""
    return timedelta(seconds=current_app.config["PORTAL"].panels_draw_stale_seconds)


def heartbeat_is_stale(job: PanelDrawJob, now: datetime | None = None) -> bool:
    """Whether a running job's worker has stopped beating (it will be run again)."""
    beat = job.heartbeat_at or job.updated_at
    return beat < (now or utcnow()) - stale_after()


@task(name="panels.run_panel_draw")
def run_panel_draw(draw_id: int) -> str:
    """Claim the draw's job and compute the draw; returns what happened.

    ``"busy"``: another worker is computing it (checked again later); ``"skipped"``: it
    is finished or gone; otherwise the draw's final status.
    """
    job_id = db.session.scalar(select(PanelDrawJob.id).where(PanelDrawJob.draw_id == draw_id))
    if job_id is None:
        return "skipped"
    attempt = _claim(job_id)
    if attempt is None:
        job = db.session.get(PanelDrawJob, job_id)
        if job is None or job.status != DrawStatus.RUNNING:
            return "skipped"
        beat = job.heartbeat_at or job.updated_at
        wait = (beat + stale_after() - utcnow()).total_seconds()
        run_panel_draw.schedule((draw_id,), delay=max(1.0, wait + 1.0))
        return "busy"
    # The heartbeat is written with the progress, which the draw reports after every round
    # of its solver (seconds apart at most), so no thread of our own is needed.
    try:
        return _compute_draw(job_id, attempt)
    except _Superseded:
        db.session.rollback()
        log.warning("panel draw %s was taken over by another worker", draw_id)
        return "superseded"
    except SelectionSolverError as failure:
        # The quotas admit a panel but the solver gave up: the coordinator gets the translated
        # explanation (by the stored code) and the administrator the solver's own words.
        db.session.rollback()
        log.error("panel draw %s: solver failed: %s", draw_id, failure.diagnostic)
        return _finish(job_id, attempt, DrawStatus.FAILED, error=failure.code)
    except Exception:  # never leave a job "running": record the failure for the coordinator
        db.session.rollback()
        log.exception("panel draw %s failed", draw_id)
        return _finish(job_id, attempt, DrawStatus.FAILED, error="error")


def _claim(job_id: int) -> int | None:
    """Take the job for this worker; returns the attempt number, None when it is taken."""
    now = utcnow()
    claimable = or_(
        PanelDrawJob.status == DrawStatus.QUEUED,
        and_(
            PanelDrawJob.status == DrawStatus.RUNNING,
            or_(
                PanelDrawJob.heartbeat_at.is_(None),
                PanelDrawJob.heartbeat_at < now - stale_after(),
            ),
        ),
    )
    attempt = db.session.scalar(
        update(PanelDrawJob)
        .where(PanelDrawJob.id == job_id, claimable)
        .values(
            status=DrawStatus.RUNNING,
            stage="checking",
            attempt=PanelDrawJob.attempt + 1,
            started_at=now,
            heartbeat_at=now,
            updated_at=now,
        )
        .returning(PanelDrawJob.attempt)
        .execution_options(synchronize_session=False)
    )
    if attempt is not None:
        db.session.execute(
            update(PanelDraw)
            .where(
                PanelDraw.id
                == select(PanelDrawJob.draw_id).where(PanelDrawJob.id == job_id).scalar_subquery()
            )
            .values(status=DrawStatus.RUNNING)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return attempt


def _own_job(job_id: int, attempt: int) -> object:
    return and_(
        PanelDrawJob.id == job_id,
        PanelDrawJob.attempt == attempt,
        PanelDrawJob.status == DrawStatus.RUNNING,
    )


class _Progress:
    def __init__(self, job_id: int, attempt: int) -> None:
        self.job_id = job_id
        self.attempt = attempt
        self.last = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL and fraction < 1.0:
            return
        self.last = now
        written = db.session.execute(
            update(PanelDrawJob)
            .where(_own_job(self.job_id, self.attempt))
            .values(
                fraction=max(0.0, min(1.0, float(fraction))),
                stage="computing",
                message=message[:300],
                heartbeat_at=utcnow(),
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if written.rowcount != 1:  # type: ignore[attr-defined]
            raise _Superseded


def _compute_draw(job_id: int, attempt: int) -> str:
    job = db.session.get(PanelDrawJob, job_id)
    assert job is not None
    draw = job.draw
    candidates = [Candidate(row["id"], row["features"]) for row in draw.snapshot]
    result = draw_from_candidates(
        candidates,
        categories_of(draw.quotas),
        draw.size,
        draw.seed,
        draw.method,  # type: ignore[arg-type]
        progress=_Progress(job_id, attempt),
    )
    if isinstance(result, Feasibility):
        draw.explanation = explanation_data(result)
        return _finish(job_id, attempt, DrawStatus.INFEASIBLE)
    # The job row is written first: it takes the row's lock, so a worker that lost the job
    # meanwhile stops here before writing any member.
    _mark_finished(job_id, attempt, DrawStatus.DONE)
    distribution, selected = result
    draw.distribution = distribution_to_dict(distribution)
    draw.probabilities = dict(distribution.marginals)
    draw.min_probability = distribution.min_probability
    draw.selected = list(selected)
    panel = db.session.get(Panel, draw.panel_id)
    assert panel is not None
    by_pseudonym = _candidates_by_pseudonym(panel, selected)
    for pseudonym in selected:
        db.session.add(
            PanelMember(panel_id=panel.id, candidate_id=by_pseudonym[pseudonym].id, draw_id=draw.id)
        )
    panel.status = PanelStatus.DRAWN
    _sync_activity(panel)
    _notify_selected(panel, [by_pseudonym[p] for p in selected])
    actor = db.session.get(User, draw.created_by_id) if draw.created_by_id else None
    _audit_draw(
        actor,
        "draw",
        draw,
        candidates,
        selected_candidate_ids=sorted(by_pseudonym[p].id for p in selected),
        min_probability=round(distribution.min_probability, 9),
        attempt=attempt,
    )
    db.session.commit()
    return str(DrawStatus.DONE)


def _mark_finished(job_id: int, attempt: int, status: DrawStatus, error: str = "") -> None:
    """Write the final status of the job and its draw (flushes only; raises if superseded)."""
    now = utcnow()
    written = db.session.execute(
        update(PanelDrawJob)
        .where(_own_job(job_id, attempt))
        .values(
            status=status, stage=status, fraction=1.0, error=error, finished_at=now, updated_at=now
        )
        .execution_options(synchronize_session=False)
    )
    if written.rowcount != 1:  # type: ignore[attr-defined]
        raise _Superseded
    job = db.session.get(PanelDrawJob, job_id)
    assert job is not None
    db.session.refresh(job)
    job.draw.status = status
    job.draw.finished_at = now


def _finish(job_id: int, attempt: int, status: DrawStatus, error: str = "") -> str:
    """Record a draw that ended without a panel (infeasible or failed), and commit."""
    try:
        _mark_finished(job_id, attempt, status, error)
    except _Superseded:
        db.session.rollback()
        return "superseded"
    db.session.commit()
    return str(status)


def unfinished_draw_ids(*, only_stalled: bool) -> list[int]:
    """Draws still queued or running; with ``only_stalled``, those nobody is working on:
    queued for longer than the stale time, or running with a stale heartbeat."""
    query = select(PanelDrawJob.draw_id).where(PanelDrawJob.status.in_(UNFINISHED))
    if only_stalled:
        cutoff = utcnow() - stale_after()
        query = query.where(
            or_(
                and_(PanelDrawJob.status == DrawStatus.QUEUED, PanelDrawJob.updated_at < cutoff),
                and_(
                    PanelDrawJob.status == DrawStatus.RUNNING,
                    or_(PanelDrawJob.heartbeat_at.is_(None), PanelDrawJob.heartbeat_at < cutoff),
                ),
            )
        )
    return db.all(query.order_by(PanelDrawJob.id))


def resume_draws_on_worker_start() -> None:
    """Re-enqueue every unfinished draw as a consumer starts (a killed worker lost them)."""
    for draw_id in unfinished_draw_ids(only_stalled=False):
        run_panel_draw(draw_id)


def resume_stalled_draws() -> None:
    """The periodic sweep: re-enqueue draws whose worker went away while consumers run."""
    for draw_id in unfinished_draw_ids(only_stalled=True):
        run_panel_draw(draw_id)
