"""Ranking experience experts for a request: pure, no Flask, no database.

The coordinator sees every candidate with the reasons for their place. Criteria:

* **availability** - an expert with an assignment overlapping the request's time, or who is
  not active, or who does not work on that weekday, is listed last and marked unavailable;
* **language** - the request's language must be one of the expert's;
* **area** - lived-experience areas asked for, and the requesting service area;
* **task** - the expert has said they are willing to do this kind of task;
* **fair distribution** - fewer assignments this year ranks higher, so work is shared.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

# Points per criterion; the total of a perfect candidate is 100.
AREA_POINTS = 35
SERVICE_AREA_POINTS = 15
LANGUAGE_POINTS = 25
TASK_POINTS = 10
WORKLOAD_POINTS = 15


@dataclass(frozen=True)
class Need:
    """What a request asks for."""

    starts_at: datetime
    ends_at: datetime
    areas: frozenset[str] = frozenset()
    service_area_id: int | None = None
    language: str = "fi"
    task_type: str = ""
    # The request's weekday in local time (0 = Monday); by default that of ``starts_at``.
    weekday: int | None = None

    @property
    def local_weekday(self) -> int:
        return self.starts_at.weekday() if self.weekday is None else self.weekday


@dataclass(frozen=True)
class Candidate:
    """An expert as far as matching is concerned."""

    expert_id: int
    active: bool = True
    areas: frozenset[str] = frozenset()
    service_area_ids: frozenset[int] = frozenset()
    languages: frozenset[str] = frozenset()
    weekdays: frozenset[int] = frozenset()  # 0 = Monday; empty means any day
    willing_tasks: frozenset[str] = frozenset()
    busy: tuple[tuple[datetime, datetime], ...] = ()
    assignments_this_year: int = 0


@dataclass(frozen=True)
class Match:
    expert_id: int
    score: int
    available: bool
    overlapping: bool
    speaks_language: bool
    matching_areas: tuple[str, ...] = field(default_factory=tuple)
    in_service_area: bool = False
    willing: bool = False
    assignments_this_year: int = 0


def overlaps(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> bool:
    """Whether two half-open intervals ``[start, end)`` share any moment."""
    return start < other_end and other_start < end


def score_candidate(need: Need, candidate: Candidate, *, max_load: int) -> Match:
    """Score one candidate; ``max_load`` is the highest yearly count among all candidates."""
    overlapping = any(overlaps(need.starts_at, need.ends_at, s, e) for s, e in candidate.busy)
    weekday_ok = not candidate.weekdays or need.local_weekday in candidate.weekdays
    available = candidate.active and not overlapping and weekday_ok
    speaks = need.language in candidate.languages
    matching_areas = tuple(sorted(need.areas & candidate.areas))
    in_area = (
        need.service_area_id is not None and need.service_area_id in candidate.service_area_ids
    )
    willing = bool(need.task_type) and need.task_type in candidate.willing_tasks

    score = 0.0
    if need.areas:
        score += AREA_POINTS * len(matching_areas) / len(need.areas)
    else:
        score += AREA_POINTS
    if in_area:
        score += SERVICE_AREA_POINTS
    if speaks:
        score += LANGUAGE_POINTS
    if willing:
        score += TASK_POINTS
    if max_load > 0:
        score += WORKLOAD_POINTS * (1 - candidate.assignments_this_year / max_load)
    else:
        score += WORKLOAD_POINTS
    return Match(
        expert_id=candidate.expert_id,
        score=round(score),
        available=available,
        overlapping=overlapping,
        speaks_language=speaks,
        matching_areas=matching_areas,
        in_service_area=in_area,
        willing=willing,
        assignments_this_year=candidate.assignments_this_year,
    )


def rank_candidates(need: Need, candidates: Iterable[Candidate]) -> list[Match]:
    """All candidates, best first: available before unavailable, then by score, then by
    fewer assignments this year, then by id (so the order is stable)."""
    pool: Sequence[Candidate] = list(candidates)
    max_load = max((c.assignments_this_year for c in pool), default=0)
    matches = [score_candidate(need, c, max_load=max_load) for c in pool]
    return sorted(
        matches,
        key=lambda m: (not m.available, -m.score, m.assignments_this_year, m.expert_id),
    )
