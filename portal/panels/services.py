"""Business rules of resident panels: set-up, candidates, the draw, replacements, workspace.

The draw itself runs outside the web request. :func:`start_draw` stores the draw with a
snapshot of the candidates and the quotas and queues a job (table ``panel_draw_jobs``).
By default it then starts a background thread with its own application context to run
the job; the thread suits a single machine. With several hosts, set
``PORTAL_PANELS_DRAW_RUNNER=worker`` and run ``flask --app wsgi panels run-jobs``: workers
claim queued jobs with an atomic update, so a job never runs twice at the same time, and
the job's progress (fraction and stage) is stored for the coordinator's page either way.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import logging
import os
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from portal.accounts.models import User
from portal.core.audit import record_audit
from portal.core.db import utcnow
from portal.core.mail import queue_mail
from portal.core.personal_data import register_personal_data
from portal.core.urls import external_url
from portal.extensions import db
from portal.impact.models import Activity, ActivityStatus, Attendance, Participation
from portal.impact.services import record_participation, register_activity, register_output
from portal.panels.features import feature_values, proposed_quotas, user_features
from portal.panels.messages import explanation_data
from portal.panels.models import (
    DrawKind,
    DrawStatus,
    MemberStatus,
    Panel,
    PanelCandidate,
    PanelDraw,
    PanelDrawJob,
    PanelMaterial,
    PanelMember,
    PanelRecommendation,
    PanelSession,
    PanelStatus,
)
from portal.panels.selection import (
    Candidate,
    Category,
    Feasibility,
    check_feasibility,
    draw_replacement,
)
from portal.panels.selection_io import (
    CsvFormatError,
    distribution_to_dict,
    draw_from_candidates,
    parse_people,
)

log = logging.getLogger(__name__)

SOURCE_TYPE = "panel"
METHODS = ("leximin", "legacy")
# Progress is written at most this often: each write is a small transaction.
PROGRESS_INTERVAL = 0.5
# A job silent for this long lost its process (a restart, a crash): it may be started again.
STALE_AFTER = timedelta(minutes=15)


class PanelError(ValueError):
    """A panel rule was broken; ``code`` names it for a translated message."""

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


# --- set-up ------------------------------------------------------------------------------


def _sync_activity(panel: Panel) -> Activity:
    status = {
        PanelStatus.DRAFT: ActivityStatus.PLANNED,
        PanelStatus.CLOSED: ActivityStatus.CLOSED,
    }.get(PanelStatus(panel.status), ActivityStatus.OPEN)
    return register_activity(
        kind="panel",
        title=panel.question,
        source_type=SOURCE_TYPE,
        source_id=panel.id,
        starts_on=panel.starts_on,
        ends_on=panel.ends_on,
        status=status,
    )


def activity_pays_fee(activity_id: int) -> bool:
    """Whether attended sessions of the panel behind an activity are paid a fee.

    For the fees domain: participations with ``event_type="panel_session"`` are payable
    only when this is true.
    """
    return bool(
        db.session.scalar(
            select(Panel.pays_fee)
            .join(
                Activity, (Activity.source_id == Panel.id) & (Activity.source_type == SOURCE_TYPE)
            )
            .where(Activity.id == activity_id)
        )
    )


def panel_activity(panel: Panel) -> Activity | None:
    return db.session.scalars(
        select(Activity).where(Activity.source_type == SOURCE_TYPE, Activity.source_id == panel.id)
    ).first()


def create_panel(
    *,
    actor: User,
    question: str,
    description: str,
    size: int,
    starts_on: date | None,
    ends_on: date | None,
    features: list[str],
    municipality_groups: dict[str, list[str]],
    pays_fee: bool,
) -> Panel:
    """Create a draft panel with quotas proposed from the county population."""
    panel = Panel(
        question=question,
        description=description,
        size=size,
        starts_on=starts_on,
        ends_on=ends_on,
        features=list(features),
        municipality_groups=dict(municipality_groups),
        pays_fee=pays_fee,
        created_by_id=actor.id,
        quotas=proposed_quotas(list(features), municipality_groups, size),
    )
    db.session.add(panel)
    db.session.flush()
    _sync_activity(panel)
    record_audit(
        actor=actor,
        action="panels.create",
        object_type="panel",
        object_id=panel.id,
        changes={"size": size, "features": list(features)},
    )
    db.session.commit()
    return panel


def has_draw(panel: Panel) -> bool:
    """Whether the panel has a finished draw (its size, features and quotas are then fixed)."""
    return (
        db.session.scalar(
            select(PanelDraw.id).where(
                PanelDraw.panel_id == panel.id, PanelDraw.status == DrawStatus.DONE
            )
        )
        is not None
    )


def update_panel(
    *,
    actor: User,
    panel: Panel,
    question: str,
    description: str,
    size: int,
    starts_on: date | None,
    ends_on: date | None,
    features: list[str],
    municipality_groups: dict[str, list[str]],
    pays_fee: bool,
) -> bool:
    """Change a panel; returns True when the quotas were proposed anew.

    Size and features are fixed once the panel has been drawn. Changing them before
    proposes the quotas again, since the old ones would no longer fit.
    """
    structural = (
        size != panel.size
        or list(features) != list(panel.features)
        or dict(municipality_groups) != dict(panel.municipality_groups)
    )
    if structural and has_draw(panel):
        raise PanelError("already_drawn")
    changed = [
        name
        for name, value in (
            ("question", question),
            ("description", description),
            ("size", size),
            ("starts_on", starts_on),
            ("ends_on", ends_on),
            ("features", list(features)),
            ("municipality_groups", dict(municipality_groups)),
            ("pays_fee", pays_fee),
        )
        if getattr(panel, name) != value
    ]
    panel.question = question
    panel.description = description
    panel.size = size
    panel.starts_on = starts_on
    panel.ends_on = ends_on
    panel.features = list(features)
    panel.municipality_groups = dict(municipality_groups)
    panel.pays_fee = pays_fee
    if structural:
        panel.quotas = proposed_quotas(list(features), municipality_groups, size)
        _refresh_candidate_features(panel)
    _sync_activity(panel)
    record_audit(
        actor=actor,
        action="panels.update",
        object_type="panel",
        object_id=panel.id,
        changes={"fields": changed},
    )
    db.session.commit()
    return structural


def _refresh_candidate_features(panel: Panel) -> None:
    """Recompute the feature values of candidates with an account after a feature change."""
    today = panel.starts_on or date.today()
    for candidate in active_candidates(panel):
        if candidate.user is not None:
            candidate.features = user_features(
                candidate.user, panel.features, panel.municipality_groups, today
            )


def publish_panel(*, actor: User, panel: Panel) -> Panel:
    """Make a draft panel public (recruiting); its page and report become visible."""
    if panel.status != PanelStatus.DRAFT:
        raise PanelError("not_draft")
    panel.status = PanelStatus.RECRUITING
    _sync_activity(panel)
    record_audit(
        actor=actor,
        action="panels.publish",
        object_type="panel",
        object_id=panel.id,
        changes={"status": panel.status},
    )
    db.session.commit()
    return panel


def close_panel(*, actor: User, panel: Panel) -> Panel:
    """Mark that the panel has finished its work."""
    panel.status = PanelStatus.CLOSED
    _sync_activity(panel)
    record_audit(
        actor=actor,
        action="panels.close",
        object_type="panel",
        object_id=panel.id,
        changes={"status": panel.status},
    )
    db.session.commit()
    return panel


def categories_of(quotas: list[dict[str, Any]]) -> list[Category]:
    return [Category(q["feature"], q["value"], int(q["min"]), int(q["max"])) for q in quotas]


def update_quotas(*, actor: User, panel: Panel, bounds: list[tuple[int, int]]) -> Panel:
    """Set the min/max of every quota row (in the order of ``panel.quotas``)."""
    if has_draw(panel):
        raise PanelError("already_drawn")
    if len(bounds) != len(panel.quotas):
        raise PanelError("quota_rows")
    rows = []
    for quota, (low, high) in zip(panel.quotas, bounds, strict=True):
        if low < 0 or high < low or high > panel.size:
            raise PanelError("quota_bounds")
        rows.append({**quota, "min": int(low), "max": int(high)})
    panel.quotas = rows
    record_audit(
        actor=actor,
        action="panels.quotas",
        object_type="panel",
        object_id=panel.id,
        changes={"quotas": [[q["feature"], q["value"], q["min"], q["max"]] for q in rows]},
    )
    db.session.commit()
    return panel


def reset_quotas(*, actor: User, panel: Panel) -> Panel:
    """Propose the quotas again from the county population."""
    if has_draw(panel):
        raise PanelError("already_drawn")
    panel.quotas = proposed_quotas(list(panel.features), panel.municipality_groups, panel.size)
    record_audit(
        actor=actor,
        action="panels.quotas_proposed",
        object_type="panel",
        object_id=panel.id,
        changes={"rows": len(panel.quotas)},
    )
    db.session.commit()
    return panel


# --- candidates --------------------------------------------------------------------------


def active_candidates(panel: Panel) -> list[PanelCandidate]:
    return list(
        db.session.scalars(
            select(PanelCandidate)
            .where(PanelCandidate.panel_id == panel.id, PanelCandidate.withdrawn_at.is_(None))
            .order_by(PanelCandidate.id)
        )
    )


def _new_pseudonyms(panel: Panel, count: int) -> list[str]:
    taken = set(
        db.session.scalars(
            select(PanelCandidate.pseudonym).where(PanelCandidate.panel_id == panel.id)
        )
    )
    result: list[str] = []
    while len(result) < count:
        # Random, not sequential: a published id must not hint at who signed up when.
        pseudonym = f"c{secrets.token_hex(4)}"
        if pseudonym not in taken:
            taken.add(pseudonym)
            result.append(pseudonym)
    return result


def _ensure_open(panel: Panel) -> None:
    if panel.status in (PanelStatus.DRAWN, PanelStatus.CLOSED) or has_draw(panel):
        raise PanelError("already_drawn")


def _add_users(panel: Panel, users: list[User], source: str) -> int:
    present = set(
        db.session.scalars(
            select(PanelCandidate.user_id).where(
                PanelCandidate.panel_id == panel.id, PanelCandidate.user_id.is_not(None)
            )
        )
    )
    fresh = [u for u in users if u.id not in present and u.erased_at is None]
    today = panel.starts_on or date.today()
    for user, pseudonym in zip(fresh, _new_pseudonyms(panel, len(fresh)), strict=True):
        db.session.add(
            PanelCandidate(
                panel_id=panel.id,
                user_id=user.id,
                pseudonym=pseudonym,
                source=source,
                features=user_features(user, panel.features, panel.municipality_groups, today),
            )
        )
    db.session.flush()
    return len(fresh)


def add_candidates_by_email(*, actor: User, panel: Panel, emails: list[str]) -> tuple[int, int]:
    """Add registered people as candidates; returns (added, addresses not found)."""
    _ensure_open(panel)
    wanted = {e.strip().lower() for e in emails if e.strip()}
    users = list(db.session.scalars(select(User).where(User.email.in_(wanted)).order_by(User.id)))
    added = _add_users(panel, users, "manual")
    record_audit(
        actor=actor,
        action="panels.candidates_added",
        object_type="panel",
        object_id=panel.id,
        changes={"added": added, "source": "manual"},
    )
    db.session.commit()
    return added, len(wanted) - len(users)


def pool_available() -> bool:
    """Whether the resident pool's invitations can supply candidates."""
    try:
        return importlib.util.find_spec("portal.pool.services") is not None
    except ModuleNotFoundError:  # no ``portal.pool`` package at all
        return False


def import_pool_respondents(*, actor: User, panel: Panel) -> int:
    """Add the pool members who answered yes to this panel's invitation."""
    _ensure_open(panel)
    if not pool_available():
        raise PanelError("no_pool")
    from portal.pool.services import invitation_respondents  # type: ignore[import-not-found]

    activity = panel_activity(panel) or _sync_activity(panel)
    users = list(invitation_respondents(activity_id=activity.id, answer="yes"))
    added = _add_users(panel, users, "pool")
    record_audit(
        actor=actor,
        action="panels.candidates_added",
        object_type="panel",
        object_id=panel.id,
        changes={"added": added, "source": "pool"},
    )
    db.session.commit()
    return added


def upload_candidates(*, actor: User, panel: Panel, text: str) -> int:
    """Add candidates from a people list (``id`` plus one column per stratified feature)."""
    _ensure_open(panel)
    try:
        people = parse_people(text.lstrip("\ufeff"), list(panel.features))
    except CsvFormatError as error:
        raise PanelError("csv_format", problems=list(error.problems)) from error
    allowed = {f: set(feature_values(f, panel.municipality_groups)) for f in panel.features}
    bad = [
        (person.id, feature, value)
        for person in people
        for feature, value in person.features.items()
        if value not in allowed[feature]
    ]
    if bad:
        raise PanelError("csv_values", rows=bad[:10], count=len(bad))
    known = set(
        db.session.scalars(
            select(PanelCandidate.external_ref).where(
                PanelCandidate.panel_id == panel.id, PanelCandidate.external_ref != ""
            )
        )
    )
    fresh = [p for p in people if p.id not in known]
    for person, pseudonym in zip(fresh, _new_pseudonyms(panel, len(fresh)), strict=True):
        db.session.add(
            PanelCandidate(
                panel_id=panel.id,
                pseudonym=pseudonym,
                external_ref=person.id[:80],
                source="upload",
                features=dict(person.features),
            )
        )
    record_audit(
        actor=actor,
        action="panels.candidates_added",
        object_type="panel",
        object_id=panel.id,
        changes={"added": len(fresh), "source": "upload"},
    )
    db.session.commit()
    return len(fresh)


def withdraw_candidate(*, actor: User, panel: Panel, candidate: PanelCandidate) -> None:
    """Take a candidate off the list before the draw (they are kept, marked withdrawn)."""
    _ensure_open(panel)
    candidate.withdrawn_at = utcnow()
    record_audit(
        actor=actor,
        action="panels.candidate_withdrawn",
        object_type="panel_candidate",
        object_id=candidate.id,
        changes={"panel_id": panel.id},
    )
    db.session.commit()


@dataclass(frozen=True)
class QuotaCheck:
    """Feasibility of the quotas for the current candidates, with uncovered values."""

    feasibility: Feasibility | None
    uncovered: list[tuple[str, str, int]]  # feature, value, candidates with no quota row
    candidates: int


def check_quotas(panel: Panel, candidates: list[PanelCandidate] | None = None) -> QuotaCheck:
    """Whether a panel can be drawn from the current candidates, and if not, why."""
    candidates = active_candidates(panel) if candidates is None else candidates
    covered = {(q["feature"], q["value"]) for q in panel.quotas}
    counts: Counter[tuple[str, str]] = Counter()
    for candidate in candidates:
        for feature in panel.features:
            value = candidate.features.get(feature, "")
            if (feature, value) not in covered:
                counts[(feature, value)] += 1
    uncovered = [(f, v, n) for (f, v), n in sorted(counts.items())]
    if uncovered or not candidates:
        return QuotaCheck(None, uncovered, len(candidates))
    report = check_feasibility(
        _snapshot_candidates(panel, candidates), categories_of(panel.quotas), panel.size
    )
    return QuotaCheck(report, [], len(candidates))


def _snapshot_candidates(panel: Panel, candidates: list[PanelCandidate]) -> list[Candidate]:
    return [
        Candidate(c.pseudonym, {f: c.features.get(f, "") for f in panel.features})
        for c in candidates
    ]


# --- the draw ----------------------------------------------------------------------------


def announce_seed(*, actor: User, panel: Panel, seed: str, seed_source: str, method: str) -> Panel:
    """Publish the seed and method before the draw; they show on the public report at once."""
    if method not in METHODS:
        raise PanelError("method")
    if has_draw(panel):
        raise PanelError("already_drawn")
    panel.seed = seed.strip()
    panel.seed_source = seed_source.strip()
    panel.method = method
    panel.seed_announced_at = utcnow()
    record_audit(
        actor=actor,
        action="panels.seed",
        object_type="panel",
        object_id=panel.id,
        changes={"seed": panel.seed, "method": method},
    )
    db.session.commit()
    return panel


def current_draw(panel: Panel) -> PanelDraw | None:
    """The newest full draw of the panel (queued, running or finished)."""
    return db.session.scalars(
        select(PanelDraw)
        .where(PanelDraw.panel_id == panel.id, PanelDraw.kind == DrawKind.DRAW)
        .order_by(PanelDraw.id.desc())
    ).first()


def start_draw(*, actor: User, panel: Panel) -> PanelDraw:
    """Check the quotas, store the snapshot and queue the draw to run in the background.

    Raises ``PanelError("infeasible", feasibility=...)`` with the conflicts when no panel
    meets the quotas, so nothing is stored for a draw that cannot be made.
    """
    if not panel.seed or panel.seed_announced_at is None:
        raise PanelError("no_seed")
    if panel.status == PanelStatus.DRAFT:
        raise PanelError("not_public")
    running = current_draw(panel)
    if running is not None and draw_is_stale(running):
        assert running.job is not None
        _finish(running.job, DrawStatus.FAILED, error="stale", commit=False)
    elif running is not None and running.status in (
        DrawStatus.QUEUED,
        DrawStatus.RUNNING,
        DrawStatus.DONE,
    ):
        raise PanelError("already_drawn")
    candidates = active_candidates(panel)
    check = check_quotas(panel, candidates)
    if check.uncovered:
        raise PanelError("uncovered", uncovered=check.uncovered)
    if check.feasibility is None:
        raise PanelError("no_candidates")
    if not check.feasibility.feasible:
        raise PanelError("infeasible", explanation=explanation_data(check.feasibility))
    draw = PanelDraw(
        panel_id=panel.id,
        kind=DrawKind.DRAW,
        status=DrawStatus.QUEUED,
        method=panel.method,
        seed=panel.seed,
        size=panel.size,
        snapshot=[
            {"id": c.pseudonym, "features": {f: c.features[f] for f in panel.features}}
            for c in sorted(candidates, key=lambda c: c.pseudonym)
        ],
        quotas=[dict(q) for q in panel.quotas],
        created_by_id=actor.id,
    )
    db.session.add(draw)
    db.session.flush()
    db.session.add(PanelDrawJob(draw_id=draw.id))
    record_audit(
        actor=actor,
        action="panels.draw_started",
        object_type="panel_draw",
        object_id=draw.id,
        changes={
            "panel_id": panel.id,
            "method": draw.method,
            "seed": draw.seed,
            "candidates": len(candidates),
            "size": panel.size,
        },
    )
    db.session.commit()
    launch_draw_job(draw.id)
    return draw


def draw_is_stale(draw: PanelDraw) -> bool:
    """Whether an unfinished draw's job has stopped reporting (its process is gone)."""
    if draw.status not in (DrawStatus.QUEUED, DrawStatus.RUNNING) or draw.job is None:
        return False
    return draw.job.updated_at < utcnow() - STALE_AFTER


_threads: dict[int, threading.Thread] = {}


def launch_draw_job(draw_id: int) -> threading.Thread | None:
    """Run the draw's job in a background thread unless a separate worker runs jobs."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    runner = app.config.get("PANELS_DRAW_RUNNER") or os.environ.get(
        "PORTAL_PANELS_DRAW_RUNNER", "thread"
    )
    if runner != "thread":
        return None
    job_id = db.session.scalar(select(PanelDrawJob.id).where(PanelDrawJob.draw_id == draw_id))
    thread = threading.Thread(
        target=_run_in_app, args=(app, int(job_id)), name=f"panel-draw-{draw_id}", daemon=True
    )
    _threads[draw_id] = thread
    thread.start()
    return thread


def wait_for_draw_jobs(timeout: float = 60.0) -> None:
    """Wait for the background draws this process started (tests and clean shut-down)."""
    deadline = time.monotonic() + timeout
    for draw_id, thread in list(_threads.items()):
        thread.join(max(0.0, deadline - time.monotonic()))
        if not thread.is_alive():
            _threads.pop(draw_id, None)


def _run_in_app(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            run_draw_job(job_id)
        except Exception:  # a failed job is recorded; the thread must never die loudly
            log.exception("panel draw job %s failed", job_id)


class _Progress:
    def __init__(self, job: PanelDrawJob) -> None:
        self.job = job
        self.last = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL and fraction < 1.0:
            return
        self.last = now
        self.job.fraction = max(0.0, min(1.0, float(fraction)))
        self.job.stage = "computing"
        self.job.message = message[:300]
        self.job.updated_at = utcnow()
        db.session.commit()


def run_draw_job(job_id: int) -> str:
    """Claim a queued job and compute its draw; returns the draw's final status.

    The claim is one conditional UPDATE, so a job runs once even with several workers.
    """
    now = utcnow()
    claimed = db.session.execute(
        update(PanelDrawJob)
        .where(PanelDrawJob.id == job_id, PanelDrawJob.status == DrawStatus.QUEUED)
        .values(status=DrawStatus.RUNNING, stage="checking", started_at=now, updated_at=now)
    )
    db.session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return "skipped"
    job = db.session.get(PanelDrawJob, job_id)
    assert job is not None
    draw = job.draw
    draw.status = DrawStatus.RUNNING
    db.session.commit()
    try:
        return _compute_draw(job, draw)
    except Exception:  # never leave a job "running": record the failure for the coordinator
        db.session.rollback()
        log.exception("panel draw %s failed", draw.id)
        job = db.session.get(PanelDrawJob, job_id)
        assert job is not None
        return _finish(job, DrawStatus.FAILED, error="error")


def _compute_draw(job: PanelDrawJob, draw: PanelDraw) -> str:
    candidates = [Candidate(row["id"], row["features"]) for row in draw.snapshot]
    result = draw_from_candidates(
        candidates,
        categories_of(draw.quotas),
        draw.size,
        draw.seed,
        draw.method,  # type: ignore[arg-type]
        progress=_Progress(job),
    )
    if isinstance(result, Feasibility):
        draw.explanation = explanation_data(result)
        return _finish(job, DrawStatus.INFEASIBLE)
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
    record_audit(
        actor=actor,
        action="panels.draw",
        object_type="panel_draw",
        object_id=draw.id,
        changes={
            "panel_id": panel.id,
            "method": draw.method,
            "seed": draw.seed,
            "candidates": len(candidates),
            "selected_candidate_ids": sorted(by_pseudonym[p].id for p in selected),
            "min_probability": round(distribution.min_probability, 9),
        },
    )
    return _finish(job, DrawStatus.DONE)


def _notify_selected(panel: Panel, candidates: list[PanelCandidate]) -> None:
    """Tell the drawn people with an email address (the mail goes after the commit)."""
    for candidate in candidates:
        user = candidate.user
        if user is None or not user.email or user.erased_at is not None:
            continue
        queue_mail(
            to=user.email,
            subject=_l("You have been drawn to a resident panel"),
            template="panels/emails/selected",
            locale=user.locale,
            name=user.display_name,
            question=panel.question,
            starts_on=panel.starts_on,
            panel_url=external_url("panels.show_panel", panel_id=panel.id),
            my_url=external_url("panels.my_chances"),
        )


def _finish(job: PanelDrawJob, status: DrawStatus, error: str = "", *, commit: bool = True) -> str:
    now = utcnow()
    job.status = status
    job.stage = status
    job.fraction = 1.0
    job.error = error
    job.finished_at = now
    job.updated_at = now
    draw = db.session.get(PanelDraw, job.draw_id)
    assert draw is not None
    draw.status = status
    draw.finished_at = now
    if commit:
        db.session.commit()
    return str(status)


def _candidates_by_pseudonym(panel: Panel, pseudonyms: Any) -> dict[str, PanelCandidate]:
    return {
        c.pseudonym: c
        for c in db.session.scalars(
            select(PanelCandidate).where(
                PanelCandidate.panel_id == panel.id,
                PanelCandidate.pseudonym.in_(list(pseudonyms)),
            )
        )
    }


def queued_job_ids(*, stale_after: timedelta | None = None) -> list[int]:
    """Jobs waiting for a worker (and, optionally, running ones that stopped reporting)."""
    if stale_after is not None:
        db.session.execute(
            update(PanelDrawJob)
            .where(
                PanelDrawJob.status == DrawStatus.RUNNING,
                PanelDrawJob.updated_at < utcnow() - stale_after,
            )
            .values(status=DrawStatus.QUEUED, stage="queued")
        )
        db.session.commit()
    return list(
        db.session.scalars(
            select(PanelDrawJob.id)
            .where(PanelDrawJob.status == DrawStatus.QUEUED)
            .order_by(PanelDrawJob.id)
        )
    )


@dataclass(frozen=True)
class Reproduction:
    matches: bool
    panel: tuple[str, ...]


def reproduce_draw(draw: PanelDraw) -> Reproduction:
    """Run a finished draw again from its snapshot, quotas and seed; check the same panel."""
    candidates = [Candidate(row["id"], row["features"]) for row in draw.snapshot]
    categories = categories_of(draw.quotas)
    if draw.kind == DrawKind.REPLACEMENT:
        replacement = draw_replacement(
            draw.previous_panel, draw.dropped, candidates, categories, draw.seed
        )
        panel = replacement.panel if replacement.possible else ()
        return Reproduction(list(panel) == list(draw.selected), tuple(panel))
    result = draw_from_candidates(
        candidates,
        categories,
        draw.size,
        draw.seed,
        draw.method,  # type: ignore[arg-type]
    )
    panel = () if isinstance(result, Feasibility) else tuple(result[1])
    return Reproduction(list(panel) == list(draw.selected), panel)


# --- members and replacements ------------------------------------------------------------


def panel_members(panel: Panel, *, include_dropped: bool = False) -> list[PanelMember]:
    query = select(PanelMember).where(PanelMember.panel_id == panel.id)
    if not include_dropped:
        query = query.where(PanelMember.status == MemberStatus.ACTIVE)
    members = list(db.session.scalars(query.order_by(PanelMember.id)))
    return sorted(members, key=lambda m: (m.status, m.candidate.pseudonym))


def replace_member(*, actor: User, panel: Panel, member: PanelMember, seed: str) -> PanelDraw:
    """Mark a member as dropped out and draw a replacement who keeps every quota.

    Raises ``PanelError("replacement_infeasible", explanation=...)`` and changes nothing
    when no unselected candidate can take the seat within the quotas.
    """
    if member.panel_id != panel.id or member.status != MemberStatus.ACTIVE:
        raise PanelError("not_member")
    original = current_draw(panel)
    if original is None or original.status != DrawStatus.DONE:
        raise PanelError("not_drawn")
    members = panel_members(panel)
    previous = sorted(m.candidate.pseudonym for m in members)
    candidates = active_candidates(panel)
    on_panel = {m.candidate_id for m in panel_members(panel, include_dropped=True)}
    # Everyone who was ever on the panel stays in the snapshot; dropped members are excluded
    # from drawing by the selection, and people who left earlier must not be drawn back.
    snapshot_rows = [c for c in candidates if c.id not in on_panel or c.pseudonym in previous]
    categories = categories_of(panel.quotas)
    dropped = member.candidate.pseudonym
    replacement = draw_replacement(
        previous,
        [dropped],
        _snapshot_candidates(panel, snapshot_rows),
        categories,
        seed.strip(),
    )
    if not replacement.possible:
        raise PanelError("replacement_infeasible", explanation=explanation_data(replacement))
    draw = PanelDraw(
        panel_id=panel.id,
        kind=DrawKind.REPLACEMENT,
        status=DrawStatus.DONE,
        method="replacement",
        seed=seed.strip(),
        size=len(previous),
        snapshot=[
            {"id": c.pseudonym, "features": {f: c.features.get(f, "") for f in panel.features}}
            for c in sorted(snapshot_rows, key=lambda c: c.pseudonym)
        ],
        quotas=[dict(q) for q in panel.quotas],
        selected=list(replacement.panel),
        previous_panel=previous,
        dropped=[dropped],
        replacements=list(replacement.replacements),
        created_by_id=actor.id,
        finished_at=utcnow(),
    )
    db.session.add(draw)
    db.session.flush()
    member.status = MemberStatus.DROPPED
    member.dropped_at = utcnow()
    incoming = _candidates_by_pseudonym(panel, replacement.replacements)
    for pseudonym in replacement.replacements:
        db.session.add(
            PanelMember(panel_id=panel.id, candidate_id=incoming[pseudonym].id, draw_id=draw.id)
        )
    _notify_selected(panel, list(incoming.values()))
    record_audit(
        actor=actor,
        action="panels.replace",
        object_type="panel_draw",
        object_id=draw.id,
        changes={
            "panel_id": panel.id,
            "seed": draw.seed,
            "dropped_candidate_id": member.candidate_id,
            "replacement_candidate_ids": sorted(c.id for c in incoming.values()),
        },
    )
    db.session.commit()
    return draw


def link_member_account(*, actor: User, panel: Panel, member: PanelMember, email: str) -> User:
    """Link a member drawn from an uploaded list to their portal account.

    Attendance, fees and the member's own view of their chance need an account; people
    who signed up on paper get one from the coordinator and are linked here.
    """
    if member.panel_id != panel.id:
        raise PanelError("not_member")
    candidate = member.candidate
    if candidate.user_id is not None:
        raise PanelError("already_linked")
    user = db.session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise PanelError("no_account")
    taken = db.session.scalar(
        select(PanelCandidate.id).where(
            PanelCandidate.panel_id == panel.id, PanelCandidate.user_id == user.id
        )
    )
    if taken is not None:
        raise PanelError("already_candidate")
    candidate.user_id = user.id
    record_audit(
        actor=actor,
        action="panels.member_linked",
        object_type="panel_candidate",
        object_id=candidate.id,
        changes={"panel_id": panel.id, "user_id": user.id},
    )
    db.session.commit()
    return user


# --- workspace ---------------------------------------------------------------------------


def add_session(
    *,
    actor: User,
    panel: Panel,
    title: str,
    held_on: date,
    hours: Decimal,
    location: str,
) -> PanelSession:
    """Plan a meeting of the panel."""
    session = PanelSession(
        panel_id=panel.id, title=title, held_on=held_on, hours=hours, location=location
    )
    db.session.add(session)
    db.session.flush()
    record_audit(
        actor=actor,
        action="panels.session_added",
        object_type="panel_session",
        object_id=session.id,
        changes={"panel_id": panel.id},
    )
    db.session.commit()
    return session


def session_attendance(session: PanelSession) -> dict[int, str]:
    """user id -> attendance recorded for the session."""
    rows = db.session.execute(
        select(Participation.user_id, Participation.attendance).where(
            Participation.event_type == "panel_session", Participation.event_id == session.id
        )
    )
    return {user_id: attendance for user_id, attendance in rows}


def record_attendance(
    *, actor: User, panel: Panel, session: PanelSession, attendance: dict[int, str]
) -> int:
    """Record who attended (member id -> present/remote/absent) as participations.

    Participations of attended sessions are what the fees domain pays when the panel pays a
    fee; members without a portal account cannot be recorded and are skipped.
    """
    if session.panel_id != panel.id:
        raise PanelError("not_member")
    activity = panel_activity(panel) or _sync_activity(panel)
    members = {m.id: m for m in panel_members(panel, include_dropped=True)}
    recorded = 0
    for member_id, state in attendance.items():
        member = members.get(member_id)
        if member is None or member.candidate.user is None:
            continue
        if state not in (Attendance.PRESENT, Attendance.REMOTE, Attendance.ABSENT):
            raise PanelError("attendance")
        record_participation(
            activity=activity,
            user=member.candidate.user,
            occurred_on=session.held_on,
            hours=session.hours,
            attendance=state,
            role="panelist",
            event_type="panel_session",
            event_id=session.id,
        )
        recorded += 1
    session.attendance_recorded_at = utcnow()
    record_audit(
        actor=actor,
        action="panels.attendance",
        object_type="panel_session",
        object_id=session.id,
        changes={
            "panel_id": panel.id,
            "recorded": recorded,
            "pays_fee": panel.pays_fee,
        },
    )
    db.session.commit()
    return recorded


def add_material(*, actor: User, panel: Panel, title: str, url: str, text: str) -> PanelMaterial:
    """Add a link or a short text to the panel's materials."""
    if not url and not text:
        raise PanelError("material_empty")
    material = PanelMaterial(panel_id=panel.id, title=title, url=url, text=text)
    db.session.add(material)
    db.session.commit()
    return material


def add_recommendation(*, actor: User, panel: Panel, title: str, text: str) -> PanelRecommendation:
    """Record a recommendation of the panel and register it as an output for a response."""
    activity = panel_activity(panel) or _sync_activity(panel)
    recommendation = PanelRecommendation(panel_id=panel.id, title=title, text=text)
    db.session.add(recommendation)
    db.session.flush()
    output = register_output(
        activity=activity,
        kind="recommendation",
        title=title,
        text=text,
        source_type="panel_recommendation",
        source_id=recommendation.id,
    )
    recommendation.output_id = output.id
    record_audit(
        actor=actor,
        action="panels.recommendation",
        object_type="panel_recommendation",
        object_id=recommendation.id,
        changes={"panel_id": panel.id, "output_id": output.id},
    )
    db.session.commit()
    return recommendation


# --- reports -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CompositionRow:
    feature: str
    value: str
    minimum: int
    maximum: int
    candidates: int
    drawn: int
    current: int


def composition(panel: Panel, draw: PanelDraw) -> list[CompositionRow]:
    """Quotas against the candidates, the drawn panel and the panel after replacements."""
    features_of = {row["id"]: row["features"] for row in draw.snapshot}
    current = [m.candidate.features for m in panel_members(panel)]
    rows = []
    for quota in draw.quotas:
        key = (quota["feature"], quota["value"])

        def count(items: Any, key: tuple[str, str] = key) -> int:
            return sum(1 for values in items if values.get(key[0]) == key[1])

        rows.append(
            CompositionRow(
                feature=quota["feature"],
                value=quota["value"],
                minimum=int(quota["min"]),
                maximum=int(quota["max"]),
                candidates=count(features_of.values()),
                drawn=count(features_of[p] for p in draw.selected),
                current=count(current),
            )
        )
    return rows


def snapshot_csv(draw: PanelDraw) -> str:
    """The candidates as published: pseudonymous id and feature values (PEOPLE.csv)."""
    features = sorted({q["feature"] for q in draw.quotas})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", *features])
    for row in draw.snapshot:
        writer.writerow([row["id"], *(row["features"].get(f, "") for f in features)])
    return out.getvalue()


def categories_csv(draw: PanelDraw) -> str:
    """The quotas as published (CATEGORIES.csv)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["feature", "value", "min", "max"])
    for quota in draw.quotas:
        writer.writerow([quota["feature"], quota["value"], quota["min"], quota["max"]])
    return out.getvalue()


@dataclass(frozen=True)
class OwnChance:
    panel: Panel
    probability: float | None
    selected: bool
    status: str


def own_chances(user: User) -> list[OwnChance]:
    """The user's own candidacies: their selection probability and whether they were drawn."""
    rows = db.session.execute(
        select(PanelCandidate, Panel)
        .join(Panel, Panel.id == PanelCandidate.panel_id)
        .where(PanelCandidate.user_id == user.id)
        .order_by(Panel.created_at.desc())
    ).all()
    result = []
    for candidate, panel in rows:
        draw = current_draw(panel)
        member = db.session.scalars(
            select(PanelMember).where(PanelMember.candidate_id == candidate.id)
        ).first()
        probability = None
        if draw is not None and draw.status == DrawStatus.DONE:
            probability = draw.probabilities.get(candidate.pseudonym)
        result.append(
            OwnChance(
                panel=panel,
                probability=probability,
                selected=member is not None,
                status=member.status if member is not None else "",
            )
        )
    return result


# --- personal data -----------------------------------------------------------------------


def _export_personal_data(user: User) -> list[dict[str, Any]]:
    return [
        {
            "panel": chance.panel.question,
            "selection_probability": chance.probability,
            "selected": chance.selected,
            "member_status": chance.status,
        }
        for chance in own_chances(user)
    ]


def _erase_personal_data(user: User) -> None:
    # The pseudonymous row stays so published draws and composition figures stay correct;
    # only the link to the person goes.
    for candidate in db.session.scalars(
        select(PanelCandidate).where(PanelCandidate.user_id == user.id)
    ):
        candidate.user_id = None
        candidate.external_ref = ""
    db.session.flush()


register_personal_data("panels", export=_export_personal_data, erase=_erase_personal_data)
