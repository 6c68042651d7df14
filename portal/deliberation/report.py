"""What the report page shows: the opinion map, groups, consensus, participation over time
and who took part compared with the county's population."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.core import population
from portal.core.db import utcnow
from portal.core.models import Municipality
from portal.deliberation.models import Conversation, MathState, Participant, Statement, VoteEvent
from portal.deliberation.results import load_state
from portal.deliberation.services import group_label
from portal.extensions import db

MAP_SIZE = 400
MAP_MARGIN = 24
MAX_MAP_POINTS = 2000
#: Demographic cells with fewer people than this are not shown, so nobody stands out.
MIN_CELL = 5


@dataclass
class OpinionMap:
    size: int
    points: list[tuple[float, float, int]]
    labels: list[tuple[float, float, str, int]]
    total: int


@dataclass
class TimelineDay:
    day: date
    votes: int
    new_participants: int


@dataclass
class DemographicRow:
    label: str
    count: int | None  # None: too few to show
    share: float | None
    population_share: float | None


@dataclass
class Report:
    conversation: Conversation
    state: MathState | None
    summary: dict[str, Any]
    statements: dict[int, Statement]
    groups: list[dict[str, Any]]
    opinion_map: OpinionMap | None
    timeline: list[TimelineDay]
    timeline_max: int
    demographics: dict[str, list[DemographicRow]] = field(default_factory=dict)
    signed_in_participants: int = 0


def opinion_map(state: dict[str, np.ndarray] | None) -> OpinionMap | None:
    """Participants' positions scaled into a square SVG, coloured by group; a large
    conversation is thinned evenly to :data:`MAX_MAP_POINTS` dots."""
    if state is None:
        return None
    group = state["group"].astype(np.int64)
    xy = state["projection"].astype(np.float64)
    keep = (group >= 0) & np.isfinite(xy).all(axis=1)
    idx = np.flatnonzero(keep)
    if len(idx) == 0:
        return None
    pts = xy[idx]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    inner = MAP_SIZE - 2 * MAP_MARGIN
    scaled = MAP_MARGIN + (pts - lo) / span * inner
    scaled[:, 1] = MAP_SIZE - scaled[:, 1]  # SVG y grows downwards
    step = max(1, int(np.ceil(len(idx) / MAX_MAP_POINTS)))
    shown = np.arange(0, len(idx), step)
    points = [
        (round(float(scaled[i, 0]), 1), round(float(scaled[i, 1]), 1), int(group[idx[i]]))
        for i in shown
    ]
    labels = []
    for gid in sorted(set(group[idx].tolist())):
        members = scaled[group[idx] == gid]
        centre = members.mean(axis=0)
        labels.append(
            (
                round(float(centre[0]), 1),
                round(float(centre[1]), 1),
                group_label(int(gid)),
                int(gid),
            )
        )
    return OpinionMap(size=MAP_SIZE, points=points, labels=labels, total=len(idx))


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date()


def timeline(conversation_id: int) -> list[TimelineDay]:
    """Votes and newly joined participants per day (UTC)."""
    day = func.date(VoteEvent.created_at)
    votes = db.session.execute(
        select(day, func.count(VoteEvent.id))
        .where(VoteEvent.conversation_id == conversation_id)
        .group_by(day)
        .order_by(day)
    ).all()
    first = (
        select(func.min(VoteEvent.created_at).label("first"))
        .where(VoteEvent.conversation_id == conversation_id)
        .group_by(VoteEvent.participant_id)
        .subquery()
    )
    first_day = func.date(first.c.first)
    joined = dict(
        (_as_date(d), int(n))
        for d, n in db.session.execute(select(first_day, func.count()).group_by(first_day)).all()
    )
    return [
        TimelineDay(day=_as_date(d), votes=int(n), new_participants=joined.get(_as_date(d), 0))
        for d, n in votes
    ]


def _rows(
    counts: dict[str, int], reference: dict[str, float], labels: dict[str, str]
) -> list[DemographicRow]:
    total = sum(counts.values())
    rows = []
    for key, label in labels.items():
        n = counts.get(key, 0)
        shown = n if n >= MIN_CELL or n == 0 else None
        rows.append(
            DemographicRow(
                label=label,
                count=shown,
                share=(n / total if total and shown is not None else None),
                population_share=reference.get(key),
            )
        )
    return rows


def demographics(conversation_id: int, locale: str) -> tuple[int, dict[str, list[DemographicRow]]]:
    """Signed-in participants by age band, gender, language and municipality, next to the
    county's population shares. Empty when fewer than :data:`MIN_CELL` people are known."""
    users = db.session.execute(
        select(User.birth_year, User.gender, User.language, User.municipality_id)
        .join(Participant, Participant.user_id == User.id)
        .where(Participant.conversation_id == conversation_id)
    ).all()
    if len(users) < MIN_CELL:
        return len(users), {}
    today = utcnow().date()
    ages: dict[str, int] = {}
    genders: dict[str, int] = {}
    languages: dict[str, int] = {}
    places: dict[str, int] = {}
    municipalities = {m.id: m for m in db.session.scalars(select(Municipality))}
    for birth_year, gender, language, municipality_id in users:
        band = population.age_band(birth_year, today) if birth_year else None
        if band:
            ages[band] = ages.get(band, 0) + 1
        if gender in population.GENDERS:
            genders[gender] = genders.get(gender, 0) + 1
        if language:
            key = language if language in ("fi", "sv") else "other"
            languages[key] = languages.get(key, 0) + 1
        if municipality_id in municipalities:
            slug = municipalities[municipality_id].slug
            places[slug] = places.get(slug, 0) + 1
    from flask_babel import gettext as _

    out = {
        "age": _rows(
            ages,
            population.age_band_shares(),
            {band.label: band.label for band in population.AGE_BANDS},
        ),
        "gender": _rows(
            genders, population.gender_shares(), {"woman": _("Women"), "man": _("Men")}
        ),
        "language": _rows(
            languages,
            population.language_shares().as_mapping(),
            {"fi": _("Finnish"), "sv": _("Swedish"), "other": _("Other languages")},
        ),
    }
    shares = population.municipality_shares()
    out["municipality"] = _rows(
        places,
        shares,
        {
            m.slug: m.name(locale)
            for m in sorted(municipalities.values(), key=lambda m: m.name(locale))
            if m.slug in places
        },
    )
    return len(users), out


def build_report(conversation: Conversation, locale: str) -> Report:
    state = db.session.get(MathState, conversation.id)
    summary = state.summary if state and state.summary else {}
    statements = {
        s.id: s
        for s in db.session.scalars(
            select(Statement).where(Statement.conversation_id == conversation.id)
        )
    }
    clustered = max(1, int(summary.get("clustered", 0)))
    groups = [
        {**g, "label": group_label(g["id"]), "share": g["size"] / clustered}
        for g in summary.get("groups", [])
    ]
    days = timeline(conversation.id)
    known, demo = demographics(conversation.id, locale)
    return Report(
        conversation=conversation,
        state=state,
        summary=summary,
        statements=statements,
        groups=groups,
        opinion_map=opinion_map(load_state(state.state if state else None)),
        timeline=days,
        timeline_max=max((d.votes for d in days), default=0),
        demographics=demo,
        signed_in_participants=known,
    )
