"""The draw: the announced seed, starting it, re-running it and what is published of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.core.csv_export import csv_text
from portal.core.db import utcnow
from portal.core.tasks import enqueue_after_commit
from portal.extensions import db
from portal.panels.messages import explanation_data
from portal.panels.models import (
    DrawKind,
    DrawStatus,
    Panel,
    PanelDraw,
    PanelDrawJob,
    PanelStatus,
)
from portal.panels.selection import (
    Candidate,
    Feasibility,
    draw_replacement,
)
from portal.panels.selection_io import (
    draw_from_candidates,
)
from portal.panels.services._common import (
    METHODS,
    PanelError,
    _audit_draw,
    active_candidates,
    audit,
    categories_of,
    current_draw,
    has_draw,
    panel_members,
)
from portal.panels.services.candidates import check_quotas
from portal.panels.services.draw_jobs import UNFINISHED, heartbeat_is_stale, run_panel_draw


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
    audit(actor, "seed", "panel", panel.id, seed=panel.seed, method=method)
    db.session.commit()
    return panel


def start_draw(*, actor: User, panel: Panel) -> PanelDraw:
    """Check the quotas, store the snapshot and queue the draw to run in the background.

    Raises ``PanelError("infeasible", feasibility=...)`` with the conflicts when no panel
    meets the quotas, so nothing is stored for a draw that cannot be made.
    """
    if not panel.seed or panel.seed_announced_at is None:
        raise PanelError("no_seed")
    if panel.status == PanelStatus.DRAFT:
        raise PanelError("not_public")
    existing = current_draw(panel)
    if existing is not None and existing.status in (*UNFINISHED, DrawStatus.DONE):
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
    try:
        # The partial unique index admits one draw under way or done per panel: of
        # concurrent requests the first insert wins, the others wait for it and fail here.
        with db.session.begin_nested():
            db.session.add(draw)
            db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise PanelError("already_drawn") from None
    db.session.add(PanelDrawJob(draw_id=draw.id))
    _audit_draw(actor, "draw_started", draw, candidates, size=panel.size)
    enqueue_after_commit(run_panel_draw, draw.id)
    db.session.commit()
    return draw


def draw_is_stale(draw: PanelDraw) -> bool:
    """Whether an unfinished draw's worker has stopped beating (it will be run again)."""
    if draw.status not in UNFINISHED or draw.job is None:
        return False
    return heartbeat_is_stale(draw.job)


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
    """The candidates as published: pseudonymous id and feature values (PEOPLE.csv).

    Comma-separated with ``\n`` line ends and an ``id,<features>`` header, as the panels
    CLI and the Sortition Foundation's tools read it.
    """
    features = sorted({q["feature"] for q in draw.quotas})
    rows = ([row["id"], *(row["features"].get(f, "") for f in features)] for row in draw.snapshot)
    return csv_text(["id", *features], rows, delimiter=",", lineterminator="\n")


def categories_csv(draw: PanelDraw) -> str:
    """The quotas as published (CATEGORIES.csv), in the same dialect as PEOPLE.csv."""
    rows = ([q["feature"], q["value"], q["min"], q["max"]] for q in draw.quotas)
    return csv_text(["feature", "value", "min", "max"], rows, delimiter=",", lineterminator="\n")
