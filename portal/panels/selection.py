"""Fair stratified random selection of resident panels (pure: NumPy and SciPy only).

A panel of ``k`` residents is drawn from a pool of volunteers so that every stratified
feature (age band, gender, municipality group, language...) stays within the quotas set for
each of its values. Two methods are offered:

* ``leximin`` follows Flanigan, Gölz, Gupta, Hennig and Procaccia, "Fair algorithms for
  selecting citizens' assemblies", Nature 596 (2021): among all probability distributions
  over quota-satisfying panels it picks the one whose smallest selection probability is as
  large as possible, then the second smallest, and so on. It is computed by column
  generation in :mod:`portal.panels.leximin`: a linear programme over the panels found so
  far (HiGHS, via ``scipy.optimize.linprog``) gives dual prices for the candidates, and an
  integer programme searches for a panel worth more than the current ones at those prices.
  Every lottery is verified before it is returned; a solver failure part-way gives the best
  verified lottery with :attr:`Distribution.note` set, never an exception.
* ``legacy`` is the greedy draw long used by sortition practitioners: repeatedly take the
  category furthest below its minimum, pick a random candidate from it, and restart on dead
  ends. Its selection probabilities are only known by simulation, which is offered for
  comparison.

Candidates who share every stratified feature value are interchangeable for the quotas, so
by symmetry (the leximin probability vector is unique) they receive the same probability.
The computation therefore works on *groups* of interchangeable candidates: a panel is a
*profile* saying how many seats each group gets, and the concrete people are drawn
uniformly within each group when a panel is sampled. This keeps the integer programmes at
the size of the number of groups (about a hundred) instead of the number of candidates.

Infeasible quotas are never an exception: :func:`check_feasibility` and the distribution
functions return a :class:`Feasibility` report that names the conflicting categories and
the smallest quota changes that would make a draw possible.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from portal.panels.leximin import (
    MILP_OPTIONS,
    NOTE_PARTIAL,  # noqa: F401 - re-exported: callers compare Distribution.note with it
    PROBABILITY_NOISE,  # noqa: F401 - re-exported for callers of this module
    PanelSpace,
    SolverFailure,
    leximin_lottery,
)

ProgressCallback = Callable[[float, str], None]
Method = Literal["leximin", "legacy"]

_MAX_LISTED_PROBLEMS = 20


# ---------------------------------------------------------------------------------------
# Data model
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A volunteer in the pool: an identifier and a value for each feature."""

    id: str
    features: Mapping[str, str] = field(hash=False)

    def __post_init__(self) -> None:
        # A read-only copy so that a candidate snapshot cannot change under a running draw.
        object.__setattr__(self, "features", MappingProxyType(dict(self.features)))


@dataclass(frozen=True)
class Category:
    """A quota: between ``min`` and ``max`` panel members must have ``feature == value``."""

    feature: str
    value: str
    min: int
    max: int

    @property
    def label(self) -> str:
        """Human-readable name used in explanations, e.g. ``"age 16-24"``."""
        return f"{self.feature} {self.value}"


@dataclass(frozen=True)
class QuotaChange:
    """One quota bound that has to move for a draw to become possible."""

    feature: str
    value: str
    bound: Literal["min", "max"]
    old: int
    new: int

    def describe(self) -> str:
        """Explain the change in one line, e.g. ``"age 16-24: lower min from 5 to 3"``."""
        verb = "lower" if self.new < self.old else "raise"
        return f"{self.feature} {self.value}: {verb} {self.bound} from {self.old} to {self.new}"


ConflictCode = Literal[
    "too_few_candidates",
    "min_above_available",
    "over_max",
    "minimums_exceed_size",
    "maximums_below_size",
    "combined",
    "legacy_dead_end",
]


@dataclass(frozen=True)
class Conflict:
    """One reason why no panel meets the quotas, as data an interface can translate.

    ``required`` and ``available`` are the two numbers that clash: seats against
    candidates, a minimum against the candidates in its category, the sum of a feature's
    minimums (or maximums) against the panel size.
    """

    code: ConflictCode
    feature: str = ""
    value: str = ""
    required: int = 0
    available: int = 0


@dataclass(frozen=True)
class Feasibility:
    """Whether any panel satisfies the quotas, and if not, why and what would fix it.

    ``explanation`` is an English text for the command line and logs; ``conflicts`` holds
    the same reasons as data, and ``changes`` the smallest quota changes that would help.
    """

    feasible: bool
    explanation: tuple[str, ...] = ()
    changes: tuple[QuotaChange, ...] = ()
    conflicts: tuple[Conflict, ...] = ()


@dataclass(frozen=True)
class PanelProfile:
    """A panel in a distribution: seats per candidate group, and its probability."""

    seats: tuple[int, ...]
    probability: float


@dataclass(frozen=True)
class Distribution:
    """A lottery over quota-satisfying panels.

    ``groups`` lists the interchangeable candidates (sorted ids) and ``group_values`` their
    shared feature values in the order of ``features``. Each panel profile gives the number
    of seats of every group; the members filling those seats are chosen uniformly within the
    group, so ``marginals[id]`` (the sum over panels of probability x seats / group size) is
    exactly each candidate's chance of being selected.

    ``note`` is empty for a complete computation; :data:`NOTE_PARTIAL` marks a leximin
    lottery that is valid (verified) but not fully leximin because the solver failed
    part-way.
    """

    method: str
    panel_size: int
    features: tuple[str, ...]
    categories: tuple[Category, ...]
    groups: tuple[tuple[str, ...], ...]
    group_values: tuple[tuple[str, ...], ...]
    panels: tuple[PanelProfile, ...]
    marginals: Mapping[str, float] = field(hash=False)
    seconds: float = 0.0
    note: str = ""

    @property
    def min_probability(self) -> float:
        """The smallest selection probability of any candidate."""
        return min(self.marginals.values()) if self.marginals else 0.0


@dataclass(frozen=True)
class Replacement:
    """Result of :func:`draw_replacement`: who fills the empty seats, or why nobody can."""

    possible: bool
    replacements: tuple[str, ...] = ()
    panel: tuple[str, ...] = ()
    explanation: tuple[str, ...] = ()
    changes: tuple[QuotaChange, ...] = ()
    conflicts: tuple[Conflict, ...] = ()


class SelectionInputError(ValueError):
    """The candidates, categories or panel size are malformed (not merely infeasible)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


class SelectionSolverError(Exception):
    """The solver failed on quotas that do admit a panel; no valid lottery was produced.

    ``code`` names the failure for translated messages; ``diagnostic`` is the solver's own
    explanation, for the log.
    """

    code = "solver_failed"

    def __init__(self, diagnostic: str) -> None:
        self.diagnostic = diagnostic
        super().__init__(f"the panel lottery could not be computed: {diagnostic}")


# ---------------------------------------------------------------------------------------
# Internal representation: groups of interchangeable candidates
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pool:
    features: tuple[str, ...]
    categories: tuple[Category, ...]
    group_values: tuple[tuple[str, ...], ...]
    groups: tuple[tuple[str, ...], ...]
    sizes: np.ndarray  # (groups,) candidates per group
    incidence: np.ndarray  # (categories, groups) 1 where the group belongs to the category
    lo: np.ndarray  # (categories,)
    hi: np.ndarray  # (categories,)
    k: int

    @property
    def n(self) -> int:
        return int(self.sizes.sum())


def _limited(problems: list[str]) -> list[str]:
    if len(problems) <= _MAX_LISTED_PROBLEMS:
        return problems
    extra = len(problems) - _MAX_LISTED_PROBLEMS
    return [*problems[:_MAX_LISTED_PROBLEMS], f"... and {extra} more problems"]


def _sorted_categories(categories: Iterable[Category]) -> tuple[Category, ...]:
    return tuple(sorted(categories, key=lambda c: (c.feature, c.value)))


def _validate_categories(categories: Sequence[Category]) -> list[str]:
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for cat in categories:
        key = (cat.feature, cat.value)
        if key in seen:
            problems.append(f"{cat.label}: category listed more than once")
        seen.add(key)
        if not isinstance(cat.min, int) or not isinstance(cat.max, int):
            problems.append(f"{cat.label}: min and max must be whole numbers")
            continue
        if cat.min < 0:
            problems.append(f"{cat.label}: min {cat.min} is negative")
        if cat.max < cat.min:
            problems.append(f"{cat.label}: max {cat.max} is below min {cat.min}")
    return problems


def _build_pool(candidates: Iterable[Candidate], categories: Iterable[Category], k: int) -> _Pool:
    cats = _sorted_categories(categories)
    problems = _validate_categories(cats)
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        problems.append(f"panel size must be a positive whole number, got {k!r}")
    features = tuple(sorted({c.feature for c in cats}))
    values_of: dict[str, set[str]] = {f: set() for f in features}
    for cat in cats:
        values_of[cat.feature].add(cat.value)

    members: dict[tuple[str, ...], list[str]] = {}
    seen_ids: set[str] = set()
    for cand in sorted(candidates, key=lambda c: c.id):
        if not cand.id:
            problems.append("a candidate has an empty id")
            continue
        if cand.id in seen_ids:
            problems.append(f"candidate {cand.id}: id appears more than once")
            continue
        seen_ids.add(cand.id)
        key: list[str] = []
        for feat in features:
            value = cand.features.get(feat)
            if value is None:
                problems.append(f"candidate {cand.id}: no value for feature {feat}")
            elif value not in values_of[feat]:
                allowed = ", ".join(sorted(values_of[feat]))
                problems.append(
                    f"candidate {cand.id}: {feat} value {value!r} is not a category "
                    f"of {feat} (categories: {allowed})"
                )
            key.append(value or "")
        members.setdefault(tuple(key), []).append(cand.id)
    if not seen_ids:
        problems.append("there are no candidates")
    if problems:
        raise SelectionInputError(_limited(problems))

    group_values = tuple(sorted(members))
    groups = tuple(tuple(members[g]) for g in group_values)
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    incidence = np.zeros((len(cats), len(groups)), dtype=np.int64)
    for ci, cat in enumerate(cats):
        fi = features.index(cat.feature)
        for gi, values in enumerate(group_values):
            if values[fi] == cat.value:
                incidence[ci, gi] = 1
    return _Pool(
        features=features,
        categories=cats,
        group_values=group_values,
        groups=groups,
        sizes=sizes,
        incidence=incidence,
        lo=np.array([c.min for c in cats], dtype=np.int64),
        hi=np.array([c.max for c in cats], dtype=np.int64),
        k=k,
    )


# ---------------------------------------------------------------------------------------
# Feasibility and explanations
# ---------------------------------------------------------------------------------------

_MILP_OPTIONS = MILP_OPTIONS


def _relaxation(
    sizes: np.ndarray, incidence: np.ndarray, lo: np.ndarray, hi: np.ndarray, k: int
) -> tuple[int, np.ndarray, np.ndarray]:
    """Smallest total change of quota bounds that admits a panel of size ``k``.

    Variables: seats per group, then how far each minimum is lowered, then how far each
    maximum is raised. Returns (total change, lowered-by, raised-by). Requires
    ``k <= sizes.sum()``, otherwise no change of quotas can help.
    """
    n_groups = len(sizes)
    n_cats = len(lo)
    if n_cats == 0:
        return 0, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    eye = np.eye(n_cats)
    zeros = np.zeros((n_cats, n_cats))
    size_row = np.concatenate([np.ones(n_groups), np.zeros(2 * n_cats)])
    constraints = [
        LinearConstraint(size_row[None, :], k, k),
        # seats + lowered >= min
        LinearConstraint(np.hstack([incidence, eye, zeros]), lo, np.inf),
        # seats - raised <= max
        LinearConstraint(np.hstack([incidence, zeros, -eye]), -np.inf, hi),
    ]
    cost = np.concatenate([np.zeros(n_groups), np.ones(2 * n_cats)])
    upper = np.concatenate([sizes, np.maximum(lo, 0), np.full(n_cats, k)])
    res = milp(
        cost,
        constraints=constraints,
        integrality=np.ones(n_groups + 2 * n_cats),
        bounds=Bounds(np.zeros(n_groups + 2 * n_cats), upper),
        options=_MILP_OPTIONS,
    )
    if res.x is None:  # the relaxation always has a solution when k <= n
        raise SelectionSolverError(f"quota relaxation failed: {res.message}")
    x = np.round(res.x).astype(np.int64)
    lowered = x[n_groups : n_groups + n_cats]
    raised = x[n_groups + n_cats :]
    return int(lowered.sum() + raised.sum()), lowered, raised


def _explain(
    categories: Sequence[Category],
    sizes: np.ndarray,
    incidence: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    k: int,
    *,
    who: str = "candidates",
    seats: str = "panel size",
) -> Feasibility:
    """Check quotas with simple counting first, then jointly with an integer programme.

    The counting checks give the clearest messages; the relaxation catches conflicts that
    only appear when features are combined and proposes the smallest fix.
    """
    problems: list[str] = []
    conflicts: list[Conflict] = []
    n = int(sizes.sum())
    if n < k:
        problems.append(f"{seats} {k} but only {n} {who}")
        conflicts.append(Conflict("too_few_candidates", required=k, available=n))
        return Feasibility(False, tuple(problems), conflicts=tuple(conflicts))
    available = incidence @ sizes
    for ci, cat in enumerate(categories):
        if lo[ci] > available[ci]:
            problems.append(f"{cat.label}: min {lo[ci]} but only {available[ci]} {who}")
            conflicts.append(
                Conflict(
                    "min_above_available",
                    cat.feature,
                    cat.value,
                    required=int(lo[ci]),
                    available=int(available[ci]),
                )
            )
        if hi[ci] < 0:
            problems.append(f"{cat.label}: already {-hi[ci]} over its max")
            conflicts.append(
                Conflict("over_max", cat.feature, cat.value, required=0, available=int(-hi[ci]))
            )
    features = sorted({c.feature for c in categories})
    for feat in features:
        rows = [i for i, c in enumerate(categories) if c.feature == feat]
        min_sum = int(np.maximum(lo[rows], 0).sum())
        if min_sum > k:
            problems.append(f"feature {feat}: minimums sum to {min_sum} > {seats} {k}")
            conflicts.append(Conflict("minimums_exceed_size", feat, required=min_sum, available=k))
        reachable = int(np.minimum(np.maximum(hi[rows], 0), available[rows]).sum())
        if reachable < k:
            capped = bool((available[rows] < hi[rows]).any())
            note = " (counting only available " + who + ")" if capped else ""
            problems.append(f"feature {feat}: maximums sum to {reachable} < {seats} {k}{note}")
            conflicts.append(Conflict("maximums_below_size", feat, required=k, available=reachable))
    total, lowered, raised = _relaxation(sizes, incidence, lo, hi, k)
    if total == 0 and not problems:
        return Feasibility(True)
    changes: list[QuotaChange] = []
    for ci, cat in enumerate(categories):
        if lowered[ci]:
            old = int(lo[ci])
            changes.append(QuotaChange(cat.feature, cat.value, "min", old, old - int(lowered[ci])))
        if raised[ci]:
            old = int(hi[ci])
            changes.append(QuotaChange(cat.feature, cat.value, "max", old, old + int(raised[ci])))
    if not problems:
        problems.append(
            f"the quotas conflict when features are combined: no group of {k} {who} "
            f"meets all of them at once"
        )
        conflicts.append(Conflict("combined", required=k, available=n))
    problems.extend(f"smallest fix: {c.describe()}" for c in changes)
    return Feasibility(False, tuple(problems), tuple(changes), tuple(conflicts))


def check_feasibility(
    candidates: Iterable[Candidate], categories: Iterable[Category], k: int
) -> Feasibility:
    """Tell whether some panel of size ``k`` meets every quota, explaining any conflict.

    Raises :class:`SelectionInputError` only for malformed input (e.g. a candidate whose
    value has no category); infeasible quotas are reported in the returned dataclass.
    """
    pool = _build_pool(candidates, categories, k)
    return _pool_feasibility(pool)


def _pool_feasibility(pool: _Pool) -> Feasibility:
    return _explain(pool.categories, pool.sizes, pool.incidence, pool.lo, pool.hi, pool.k)


# ---------------------------------------------------------------------------------------
# Leximin by column generation
# ---------------------------------------------------------------------------------------


def _distribution(
    pool: _Pool,
    method: str,
    seats: Sequence[np.ndarray],
    probs: np.ndarray,
    seconds: float,
    *,
    note: str = "",
) -> Distribution:
    order = sorted(
        (i for i in range(len(seats)) if probs[i] > 0), key=lambda i: tuple(seats[i].tolist())
    )
    kept_seats = np.array([seats[i] for i in order], dtype=np.float64)
    kept_probs = np.array([probs[i] for i in order])
    group_probability = (kept_probs @ kept_seats) / pool.sizes
    marginals = {
        cid: float(min(group_probability[gi], 1.0))
        for gi, members in enumerate(pool.groups)
        for cid in members
    }
    panels = tuple(
        PanelProfile(tuple(int(s) for s in seats[i]), float(p))
        for i, p in zip(order, kept_probs, strict=True)
    )
    return Distribution(
        method=method,
        panel_size=pool.k,
        features=pool.features,
        categories=pool.categories,
        groups=pool.groups,
        group_values=pool.group_values,
        panels=panels,
        marginals=MappingProxyType(dict(sorted(marginals.items()))),
        seconds=seconds,
        note=note,
    )


def leximin_distribution(
    candidates: Iterable[Candidate],
    categories: Iterable[Category],
    k: int,
    *,
    progress: ProgressCallback | None = None,
) -> Distribution | Feasibility:
    """Compute the leximin-fair lottery over quota-satisfying panels of size ``k``.

    Returns a :class:`Feasibility` report instead when no panel satisfies the quotas.
    ``progress(fraction, message)`` is called as groups of candidates get their final
    probability, so a background job can show how far the computation is.

    The lottery is always verified before it is returned. When HiGHS fails part-way, the
    best verified lottery found so far is returned with ``note`` set to
    :data:`NOTE_PARTIAL`; :class:`SelectionSolverError` is raised only when the solver
    could not produce any valid lottery at all.
    """
    started = time.perf_counter()
    pool = _build_pool(candidates, categories, k)
    report = _pool_feasibility(pool)
    if not report.feasible:
        return report
    if progress:
        progress(0.0, "finding initial panels")
    space = PanelSpace(pool.sizes, pool.incidence, pool.lo, pool.hi, pool.k)
    try:
        lottery = leximin_lottery(space, progress)
    except SolverFailure as failure:
        raise SelectionSolverError(failure.diagnostic) from failure
    result = _distribution(
        pool,
        "leximin",
        list(lottery.seats),
        lottery.probabilities,
        time.perf_counter() - started,
        note=lottery.note,
    )
    if progress:
        progress(1.0, "done")
    return result


# ---------------------------------------------------------------------------------------
# Sampling
# ---------------------------------------------------------------------------------------


def derive_seed(seed: int | str) -> int:
    """Turn a publicly announced number or phrase into a 64-bit generator seed.

    Hashing the decimal text with SHA-256 means ``"4711"`` and ``4711`` give the same draw,
    and anyone can recompute the seed from the announcement.
    """
    text = str(seed).strip()
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def _pick_members(
    rng: np.random.Generator, groups: Sequence[Sequence[str]], seats: Sequence[int]
) -> tuple[str, ...]:
    chosen: list[str] = []
    for members, count in zip(groups, seats, strict=True):
        if count:
            picks = rng.choice(len(members), size=int(count), replace=False)
            chosen.extend(members[int(i)] for i in sorted(picks.tolist()))
    return tuple(sorted(chosen))


def sample_panels(distribution: Distribution, seed: int | str, count: int) -> list[tuple[str, ...]]:
    """Draw ``count`` panels from the lottery with one generator seeded from ``seed``."""
    rng = np.random.default_rng(derive_seed(seed))
    probs = np.array([p.probability for p in distribution.panels])
    probs = probs / probs.sum()
    result = []
    for _ in range(count):
        index = int(rng.choice(len(probs), p=probs))
        result.append(_pick_members(rng, distribution.groups, distribution.panels[index].seats))
    return result


def sample_panel(distribution: Distribution, seed: int | str) -> tuple[str, ...]:
    """Draw the panel: the same seed and distribution always give the same sorted ids."""
    return sample_panels(distribution, seed, 1)[0]


# ---------------------------------------------------------------------------------------
# Legacy greedy method
# ---------------------------------------------------------------------------------------

_LEGACY_MAX_RESTARTS = 1_000


def _legacy_attempt(pool: _Pool, rng: np.random.Generator) -> np.ndarray | None:
    """One greedy pass; ``None`` on a dead end (the caller restarts)."""
    incidence = pool.incidence
    available = pool.sizes.astype(np.int64).copy()
    seats = np.zeros_like(available)
    selected = np.zeros(len(pool.lo), dtype=np.int64)
    for step in range(pool.k):
        cat_available = incidence @ available
        need = pool.lo - selected
        if (need > cat_available).any() or available.sum() < pool.k - step:
            return None
        below = (need > 0) & (cat_available > 0)
        if below.any():
            ratio = np.where(below, need / np.maximum(cat_available, 1), -1.0)
            best = np.flatnonzero(ratio == ratio.max())
            cat = int(best[int(rng.integers(len(best)))]) if len(best) > 1 else int(best[0])
            weights = available * incidence[cat]
        else:
            weights = available
        total = weights.sum()
        if total == 0:
            return None
        group = int(rng.choice(len(weights), p=weights / total))
        seats[group] += 1
        available[group] -= 1
        selected += incidence[:, group]
        full = selected >= pool.hi
        if full.any():
            # Nobody else from a category that reached its maximum may be picked.
            available[incidence[full].any(axis=0)] = 0
    if (selected < pool.lo).any() or (selected > pool.hi).any():
        return None
    return seats


def _legacy_seats(pool: _Pool, rng: np.random.Generator) -> np.ndarray | None:
    for _ in range(_LEGACY_MAX_RESTARTS):
        seats = _legacy_attempt(pool, rng)
        if seats is not None:
            return seats
    return None


def _legacy_failure(pool: _Pool) -> Feasibility:
    return Feasibility(
        False,
        (
            f"the legacy method hit a dead end {_LEGACY_MAX_RESTARTS} times in a row; "
            "use the leximin method for these quotas",
        ),
        conflicts=(Conflict("legacy_dead_end", required=pool.k, available=pool.n),),
    )


def legacy_panel(
    candidates: Iterable[Candidate], categories: Iterable[Category], k: int, seed: int | str
) -> tuple[str, ...] | Feasibility:
    """Draw one panel with the legacy greedy method, reproducibly from ``seed``."""
    pool = _build_pool(candidates, categories, k)
    report = _pool_feasibility(pool)
    if not report.feasible:
        return report
    rng = np.random.default_rng(derive_seed(seed))
    seats = _legacy_seats(pool, rng)
    if seats is None:
        return _legacy_failure(pool)
    return _pick_members(rng, pool.groups, seats.tolist())


def legacy_distribution(
    candidates: Iterable[Candidate],
    categories: Iterable[Category],
    k: int,
    *,
    runs: int = 1_000,
    seed: int | str = 0,
    progress: ProgressCallback | None = None,
) -> Distribution | Feasibility:
    """Estimate the legacy method's lottery by running it ``runs`` times (seeded).

    The returned distribution is the empirical one: each observed panel profile with its
    frequency, and marginals are the estimated selection probabilities.
    """
    started = time.perf_counter()
    pool = _build_pool(candidates, categories, k)
    report = _pool_feasibility(pool)
    if not report.feasible:
        return report
    rng = np.random.default_rng(derive_seed(seed))
    counts: Counter[bytes] = Counter()
    profiles: dict[bytes, np.ndarray] = {}
    step = max(runs // 20, 1)
    for run in range(runs):
        seats = _legacy_seats(pool, rng)
        if seats is None:
            return _legacy_failure(pool)
        key = seats.tobytes()
        counts[key] += 1
        profiles.setdefault(key, seats)
        if progress and (run + 1) % step == 0:
            progress((run + 1) / runs, f"{run + 1} of {runs} legacy runs")
    keys = list(profiles)
    probs = np.array([counts[key] / runs for key in keys])
    return _distribution(
        pool, "legacy", [profiles[key] for key in keys], probs, time.perf_counter() - started
    )


# ---------------------------------------------------------------------------------------
# Replacements
# ---------------------------------------------------------------------------------------


def _completion_feasible(
    sizes: np.ndarray, incidence: np.ndarray, lo: np.ndarray, hi: np.ndarray, k: int
) -> bool:
    if k == 0:
        return bool((lo <= 0).all() and (hi >= 0).all())
    if sizes.sum() < k or (hi < 0).any():
        return False
    constraints = [LinearConstraint(np.ones((1, len(sizes))), k, k)]
    if len(lo):
        constraints.append(LinearConstraint(incidence, lo, hi))
    res = milp(
        np.zeros(len(sizes)),
        constraints=constraints,
        integrality=np.ones(len(sizes)),
        bounds=Bounds(np.zeros(len(sizes)), sizes),
        options=_MILP_OPTIONS,
    )
    return res.x is not None


def draw_replacement(
    panel: Sequence[str],
    dropped_ids: Sequence[str],
    candidates: Iterable[Candidate],
    categories: Iterable[Category],
    seed: int | str,
) -> Replacement:
    """Fill the seats of ``dropped_ids`` from candidates not on ``panel``, keeping quotas.

    Each replacement is drawn uniformly among the unselected candidates whose addition
    still lets the remaining seats be filled within every quota; the same seed gives the
    same replacements. Dropped members are never drawn back.
    """
    panel_ids = tuple(panel)
    pool = _build_pool(candidates, categories, max(len(panel_ids), 1))
    known = {cid for members in pool.groups for cid in members}
    problems = [f"panel member {cid} is not among the candidates" for cid in panel_ids]
    problems = [p for p, cid in zip(problems, panel_ids, strict=True) if cid not in known]
    problems += [f"{cid} is not on the panel" for cid in dropped_ids if cid not in panel_ids]
    if len(set(dropped_ids)) != len(dropped_ids):
        problems.append("a dropped member is listed more than once")
    if problems:
        raise SelectionInputError(problems)

    dropped = set(dropped_ids)
    staying = set(panel_ids) - dropped
    group_of = {cid: gi for gi, members in enumerate(pool.groups) for cid in members}
    seated = np.zeros(len(pool.sizes), dtype=np.int64)
    for cid in staying:
        seated[group_of[cid]] += 1
    unselected = [
        [cid for cid in members if cid not in staying and cid not in dropped]
        for members in pool.groups
    ]
    available = np.array([len(m) for m in unselected], dtype=np.int64)
    current = pool.incidence @ seated
    lo = pool.lo - current
    hi = pool.hi - current
    needed = len(dropped)

    report = _explain(
        pool.categories,
        available,
        pool.incidence,
        lo,
        hi,
        needed,
        who="unselected candidates",
        seats="seats to fill",
    )
    if not report.feasible:
        return Replacement(
            False,
            explanation=report.explanation,
            changes=report.changes,
            conflicts=report.conflicts,
        )

    rng = np.random.default_rng(derive_seed(seed))
    chosen: list[str] = []
    for remaining in range(needed - 1, -1, -1):
        eligible: list[str] = []
        for gi, members in enumerate(unselected):
            if not members:
                continue
            after = available.copy()
            after[gi] -= 1
            column = pool.incidence[:, gi]
            if _completion_feasible(after, pool.incidence, lo - column, hi - column, remaining):
                eligible.extend(members)
        eligible.sort()
        pick = eligible[int(rng.integers(len(eligible)))]
        gi = group_of[pick]
        unselected[gi].remove(pick)
        available[gi] -= 1
        lo = lo - pool.incidence[:, gi]
        hi = hi - pool.incidence[:, gi]
        chosen.append(pick)
    return Replacement(True, replacements=tuple(chosen), panel=tuple(sorted(staying | set(chosen))))


# ---------------------------------------------------------------------------------------
# Quota proposals and summary figures
# ---------------------------------------------------------------------------------------


def propose_quotas(
    feature_shares: Mapping[str, Mapping[str, float]], k: int, slack: float = 0.2
) -> tuple[Category, ...]:
    """Suggest min/max seats per category from population shares.

    Each value's expected seats ``share * k`` (shares are normalised per feature) is
    widened by ``slack`` in relative terms and rounded outwards, so the minimums of a feature
    never sum above ``k`` nor its maximums below it; a value with a positive share always
    allows at least one seat.
    """
    if k < 1:
        raise ValueError(f"panel size must be positive, got {k}")
    if slack < 0:
        raise ValueError(f"slack must not be negative, got {slack}")
    quotas: list[Category] = []
    for feature, shares in feature_shares.items():
        if any(s < 0 or not math.isfinite(s) for s in shares.values()):
            raise ValueError(f"feature {feature}: shares must be finite and non-negative")
        total = sum(shares.values())
        if total <= 0:
            raise ValueError(f"feature {feature}: shares sum to zero")
        for value, share in shares.items():
            expected = share / total * k
            # The 1e-9 keeps exact products such as 0.5 * 30 from rounding the wrong way.
            low = max(0, math.floor(expected * (1 - slack) + 1e-9))
            high = min(k, math.ceil(expected * (1 + slack) - 1e-9))
            if share > 0:
                high = max(high, 1)
            quotas.append(Category(feature, value, low, max(high, low)))
    return _sorted_categories(quotas)


def gini_coefficient(values: Iterable[float]) -> float:
    """Gini coefficient of selection probabilities: 0 when everyone has the same chance."""
    x = np.sort(np.asarray(list(values), dtype=np.float64))
    if x.size == 0 or x.sum() == 0:
        return 0.0
    ranks = np.arange(1, x.size + 1)
    return float((2 * ranks - x.size - 1) @ x / (x.size * x.sum()))


def panel_meets_quotas(
    panel: Iterable[str], candidates: Iterable[Candidate], categories: Iterable[Category]
) -> list[str]:
    """List the quotas a concrete panel breaks (empty when it meets all of them)."""
    by_id = {c.id: c for c in candidates}
    counts: Counter[tuple[str, str]] = Counter()
    for cid in panel:
        for feature, value in by_id[cid].features.items():
            counts[(feature, value)] += 1
    broken = []
    for cat in _sorted_categories(categories):
        got = counts[(cat.feature, cat.value)]
        if not cat.min <= got <= cat.max:
            broken.append(f"{cat.label}: {got} seats, quota {cat.min}-{cat.max}")
    return broken
