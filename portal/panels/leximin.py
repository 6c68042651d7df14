"""Leximin lotteries over panels of interchangeable candidate groups (pure: NumPy and SciPy).

The candidates are grouped by their feature values; a panel is a vector saying how many seats
each group gets (see :mod:`portal.panels.selection`). The leximin lottery maximises the
smallest group probability, then the next smallest, and so on (Flanigan et al., Nature 596,
2021). It is computed level by level with column generation:

1. A restricted linear programme over the panels found so far maximises the smallest
   probability of the groups not yet fixed, keeping fixed groups at their level.
2. Its dual prices say what each group's probability is worth; a pricing problem looks for a
   panel worth more than the current ones. The pricing is an integer programme over the
   groups, tried first as its linear relaxation: the relaxation's optimum is very often
   already whole, and a whole optimum of the relaxation is an optimum of the integer
   programme, found in about half the time.
3. When no panel is worth more, the level is optimal, and the groups with a positive dual
   price cannot rise above it in any optimal lottery (complementary slackness): they are
   fixed at it.

Floating point makes step 3 fragile: HiGHS meets constraints only to about 1e-7, so a level
read off one solution can be a hair above what the next programme can reach, which then
reports itself infeasible. Fixed groups therefore keep their level minus a small slack, and
the slack grows when HiGHS still reports infeasibility. A last programme over all panels
found then lifts every group back as close to its level as possible, and the lottery is
verified (probabilities sum to one, every panel meets every quota, probabilities add up to
the panel size) before it is returned. If the solver fails part-way, the best verified
lottery found so far is returned with a note instead of an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

log = logging.getLogger(__name__)

ProgressCallback = Callable[[float, str], None]

# Probabilities below this are solver noise, not a real chance of being selected.
PROBABILITY_NOISE = 1e-9
# A dual price above this marks a candidate group whose probability cannot rise any further.
_DUAL_TOLERANCE = 1e-6
# A new panel must beat the current ones by this much to be worth adding; smaller gains are
# round-off in the LP duals and chasing them would never terminate.
_PRICING_TOLERANCE = 1e-7
# How far below its level a fixed group may fall, tried in this order when HiGHS reports the
# restricted programme infeasible. The final lift brings the groups back to their levels.
_FIX_SLACKS = (1e-9, 1e-8, 1e-7, 1e-6, 1e-5)
# A verified lottery may miss the levels by at most this much and still count as leximin.
LEVEL_TOLERANCE = 1e-6
_MAX_PRICING_ROUNDS = 20_000
_EXTRA_COLUMNS = 3
# HiGHS stops at a 0.01 % gap by default; pricing must be exact or leximin can stop early.
MILP_OPTIONS = {"disp": False, "presolve": True, "mip_rel_gap": 0.0}

# Codes of :attr:`LeximinLottery.note` (translated by the panels messages module).
NOTE_PARTIAL = "leximin_partial"


class SolverFailure(Exception):
    """HiGHS failed on a programme that should have a solution; ``diagnostic`` says which."""

    def __init__(self, diagnostic: str) -> None:
        self.diagnostic = diagnostic
        super().__init__(diagnostic)


@dataclass(frozen=True)
class PanelSpace:
    """The quota-satisfying panels: whole seats per group, ``k`` in all, quotas respected."""

    sizes: np.ndarray  # (groups,) candidates per group
    incidence: np.ndarray  # (categories, groups) 1 where the group belongs to the category
    lo: np.ndarray  # (categories,)
    hi: np.ndarray  # (categories,)
    k: int


@dataclass(frozen=True)
class LeximinLottery:
    """Panels (rows of seats per group), their probabilities, and how the result was found.

    ``note`` is empty for an exact leximin lottery and :data:`NOTE_PARTIAL` when the solver
    failed part-way and the lottery is the best verified one found before; ``diagnostics``
    records the solver's complaints for the log.
    """

    seats: np.ndarray  # (panels, groups)
    probabilities: np.ndarray  # (panels,)
    levels: np.ndarray  # (groups,) the probability each group was fixed at
    note: str = ""
    diagnostics: tuple[str, ...] = ()


def lottery_problems(space: PanelSpace, seats: np.ndarray, probabilities: np.ndarray) -> list[str]:
    """Check a lottery: empty when it is valid, otherwise what is wrong with it."""
    problems: list[str] = []
    seats = np.asarray(seats)
    probs = np.asarray(probabilities, dtype=np.float64)
    if seats.ndim != 2 or seats.shape[0] != probs.shape[0] or seats.shape[0] == 0:
        return ["the lottery has no panels or its shapes disagree"]
    if not np.isfinite(probs).all() or (probs < 0).any():
        problems.append("a panel probability is negative or not a number")
    if abs(probs.sum() - 1.0) > 1e-9:
        problems.append(f"panel probabilities sum to {probs.sum():.12f}, not 1")
    used = seats[probs > 0]
    if (used.sum(axis=1) != space.k).any():
        problems.append("a panel does not have exactly k seats")
    if (used < 0).any() or (used > space.sizes).any():
        problems.append("a panel seats more members of a group than the group has")
    counts = used @ space.incidence.T
    if (counts < space.lo).any() or (counts > space.hi).any():
        problems.append("a panel breaks a quota")
    group_probability = (probs @ seats) / space.sizes
    if (group_probability > 1 + 1e-9).any() or (group_probability < -1e-12).any():
        problems.append("a selection probability lies outside [0, 1]")
    if abs(float(group_probability @ space.sizes) - space.k) > 1e-6:
        problems.append("selection probabilities do not add up to the panel size")
    return problems


class _Pricer:
    """Best panel for given weights per seat of each group, reusing the constraint data."""

    def __init__(self, space: PanelSpace) -> None:
        self.space = space
        groups = len(space.sizes)
        self.a_ub = np.vstack([space.incidence, -space.incidence]).astype(np.float64)
        self.b_ub = np.concatenate([space.hi, -space.lo]).astype(np.float64)
        self.a_eq = np.ones((1, groups))
        self.bounds = np.column_stack([np.zeros(groups), space.sizes]).astype(np.float64)
        self.constraints = [LinearConstraint(self.a_eq, space.k, space.k)]
        if len(space.lo):
            self.constraints.append(LinearConstraint(space.incidence, space.lo, space.hi))
        self.milp_bounds = Bounds(np.zeros(groups), space.sizes)
        self.integrality = np.ones(groups)

    def best(self, weights: np.ndarray) -> np.ndarray:
        """Feasible seat vector maximising ``weights @ seats`` (the pricing problem)."""
        relaxed = linprog(
            -weights,
            A_ub=self.a_ub if len(self.b_ub) else None,
            b_ub=self.b_ub if len(self.b_ub) else None,
            A_eq=self.a_eq,
            b_eq=[self.space.k],
            bounds=self.bounds,
            method="highs-ds",
        )
        if relaxed.status == 0:
            rounded = np.round(relaxed.x)
            if np.abs(relaxed.x - rounded).max() <= 1e-9 and self._feasible(rounded):
                return rounded.astype(np.int64)
        res = milp(
            -weights,
            constraints=self.constraints,
            integrality=self.integrality,
            bounds=self.milp_bounds,
            options=MILP_OPTIONS,
        )
        if res.x is None:
            raise SolverFailure(f"pricing problem failed: {res.message}")
        return np.round(res.x).astype(np.int64)

    def _feasible(self, seats: np.ndarray) -> bool:
        counts = self.space.incidence @ seats
        return bool(
            seats.sum() == self.space.k
            and (counts >= self.space.lo).all()
            and (counts <= self.space.hi).all()
        )


def _level_lp(
    shares: np.ndarray, fixed: np.ndarray, fixed_value: np.ndarray, slack: float
) -> tuple[np.ndarray, float, np.ndarray] | str:
    """Maximise the smallest unfixed group probability over the known panels.

    ``shares`` is (panels, groups): seats / group size, i.e. each member's chance of being
    on that panel. Returns (panel probabilities, optimum, dual price per group), or the
    solver's message when it fails.
    """
    n_panels, n_groups = shares.shape
    # Variables: one probability per panel, then z (the level being maximised).
    cost = np.zeros(n_panels + 1)
    cost[-1] = -1.0
    a_ub = np.empty((n_groups, n_panels + 1))
    a_ub[:, :n_panels] = -shares.T
    a_ub[:, -1] = np.where(fixed, 0.0, 1.0)
    b_ub = np.where(fixed, -(fixed_value - slack), 0.0)
    a_eq = np.ones((1, n_panels + 1))
    a_eq[0, -1] = 0.0
    bounds = [(0.0, None)] * n_panels + [(None, None)]
    res = linprog(
        cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs-ds"
    )
    if res.status != 0:
        return str(res.message)
    duals = np.maximum(-np.asarray(res.ineqlin.marginals), 0.0)
    return np.asarray(res.x[:n_panels]), float(res.x[-1]), duals


def _lift(shares: np.ndarray, levels: np.ndarray) -> np.ndarray | None:
    """Panel probabilities keeping every group as close as possible above its level.

    Maximises s subject to probability >= level + s for every group; s comes out a hair
    around zero and undoes the slack the level programmes were given.
    """
    n_panels, n_groups = shares.shape
    cost = np.zeros(n_panels + 1)
    cost[-1] = -1.0
    a_ub = np.empty((n_groups, n_panels + 1))
    a_ub[:, :n_panels] = -shares.T
    a_ub[:, -1] = 1.0
    a_eq = np.ones((1, n_panels + 1))
    a_eq[0, -1] = 0.0
    bounds = [(0.0, None)] * n_panels + [(None, None)]
    res = linprog(
        cost, A_ub=a_ub, b_ub=-levels, A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs"
    )
    if res.status != 0:
        return None
    return np.asarray(res.x[:n_panels])


def _clean(probabilities: np.ndarray) -> np.ndarray:
    probs = np.where(probabilities < PROBABILITY_NOISE, 0.0, probabilities)
    return probs / probs.sum()


def _initial_panels(space: PanelSpace, pricer: _Pricer) -> list[np.ndarray]:
    # One panel favouring each group gives every selectable group a non-zero start, which
    # spares many pricing rounds compared with starting from a single panel.
    panels: dict[bytes, np.ndarray] = {}
    base = np.full(len(space.sizes), 1e-3 / max(space.k, 1))
    for gi in range(len(space.sizes)):
        weights = base.copy()
        weights[gi] = 1.0
        seats = pricer.best(weights / space.sizes)
        panels.setdefault(seats.tobytes(), seats)
    return list(panels.values())


class _ColumnGeneration:
    """State of the level-by-level computation, so a failure can keep what was verified.

    The level programmes only see the *active* panels: HiGHS's time grows with every column,
    and most panels found early never carry probability again. A panel that has had no
    probability for a while leaves the active set but stays known; before asking the
    pricing problem for a new panel, the known panels are priced at once with NumPy and the
    best of them come back if they are worth it.
    """

    def __init__(self, space: PanelSpace, progress: ProgressCallback | None) -> None:
        self.space = space
        self.progress = progress
        self.fraction = 0.0  # share of candidates whose probability is final
        self.pricer = _Pricer(space)
        n_groups = len(space.sizes)
        self.panels: list[np.ndarray] = []
        self.shares = np.empty((0, n_groups))  # every known panel, as seats / group size
        self.known: set[bytes] = set()
        self.active: list[int] = []
        self.idle: dict[int, int] = {}  # level programmes since the panel last had probability
        self.fixed = np.zeros(n_groups, dtype=bool)
        self.levels = np.zeros(n_groups)
        self.slack_index = 0
        self.diagnostics: list[str] = []
        self.best: tuple[np.ndarray, np.ndarray] | None = None
        self.max_active = max(3 * n_groups, 150)

    def add(self, seats: np.ndarray) -> bool:
        key = seats.tobytes()
        if key in self.known:
            return False
        self.known.add(key)
        self.panels.append(seats)
        self.shares = np.vstack([self.shares, seats / self.space.sizes])
        self.active.append(len(self.panels) - 1)
        self.idle[len(self.panels) - 1] = 0
        return True

    def full(self, active_probs: np.ndarray) -> np.ndarray:
        """Probabilities of every known panel from those of the active ones."""
        probs = np.zeros(len(self.panels))
        probs[self.active] = active_probs
        return probs

    def keep_if_valid(self, probs: np.ndarray) -> None:
        seats = np.array(self.panels, dtype=np.int64)
        cleaned = _clean(probs)
        if not lottery_problems(self.space, seats, cleaned):
            self.best = (seats, cleaned)

    def _retire_idle(self, active_probs: np.ndarray) -> None:
        for index, prob in zip(self.active, active_probs, strict=True):
            self.idle[index] = 0 if prob > PROBABILITY_NOISE else self.idle[index] + 1
        if len(self.active) > self.max_active:
            self.active = [i for i in self.active if self.idle[i] < 5]

    def _from_reserve(self, duals: np.ndarray, best_known: float) -> bool:
        """Bring back known but inactive panels worth more than the active ones."""
        values = self.shares @ duals
        values[self.active] = -np.inf
        worth = np.flatnonzero(values > best_known + _PRICING_TOLERANCE)
        if not len(worth):
            return False
        chosen = worth[np.argsort(-values[worth])[: _EXTRA_COLUMNS + 1]]
        for index in chosen.tolist():
            self.active.append(index)
            self.idle[index] = 0
        return True

    def solve_level(self) -> tuple[np.ndarray, float, np.ndarray]:
        """Column generation until no panel improves the current level."""
        sizes = self.space.sizes
        rounds = 0
        while True:
            shares = self.shares[self.active]
            solved = _level_lp(shares, self.fixed, self.levels, _FIX_SLACKS[self.slack_index])
            if isinstance(solved, str):
                if self.slack_index + 1 == len(_FIX_SLACKS):
                    raise SolverFailure(f"level programme failed with the largest slack: {solved}")
                self.slack_index += 1
                self.diagnostics.append(
                    f"level programme: {solved}; fixed groups now may fall "
                    f"{_FIX_SLACKS[self.slack_index]:g} below their level"
                )
                continue
            active_probs, level, duals = solved
            probs = self.full(active_probs)
            rounds += 1
            if self.progress:
                # Also a sign of life: the caller keeps its heartbeat from these calls.
                self.progress(self.fraction, f"searching fairer panels ({len(self.panels)} so far)")
            if rounds > _MAX_PRICING_ROUNDS:
                raise SolverFailure("column generation did not converge")
            # Value of the best active panel at the dual prices (equals the LP's dual bound).
            best_known = float((shares @ duals).max())
            self._retire_idle(active_probs)
            if self._from_reserve(duals, best_known):
                continue
            weights = duals / sizes
            candidate = self.pricer.best(weights)
            if float(weights @ candidate) <= best_known + _PRICING_TOLERANCE or not self.add(
                candidate
            ):
                return probs, level, duals
            # Pricing is cheap next to re-solving the LP, so look for a few more improving
            # panels that seat other groups before solving it again.
            used = candidate > 0
            for _ in range(_EXTRA_COLUMNS):
                weights = np.where(used, weights * 0.5, weights)
                extra = self.pricer.best(weights)
                if float(duals @ (extra / sizes)) <= best_known + _PRICING_TOLERANCE:
                    break
                if not self.add(extra):
                    break
                used |= extra > 0

    def run(self) -> None:
        for seats in _initial_panels(self.space, self.pricer):
            self.add(seats)
        # Any mixture of quota-satisfying panels is a valid (if not yet fair) lottery.
        self.keep_if_valid(np.full(len(self.panels), 1.0 / len(self.panels)))
        sizes = self.space.sizes
        n = int(sizes.sum())
        while not self.fixed.all():
            probs, level, duals = self.solve_level()
            self.keep_if_valid(probs)
            # Groups with a positive dual price cannot rise above ``level`` in any optimal
            # lottery (complementary slackness), so their probability is final.
            tight = (~self.fixed) & (duals > _DUAL_TOLERANCE)
            if not tight.any():
                tight = np.zeros(len(sizes), dtype=bool)
                tight[int(np.argmax(np.where(self.fixed, -1.0, duals)))] = True
            self.levels[tight] = level
            self.fixed |= tight
            if self.progress:
                done = int(sizes[self.fixed].sum())
                self.fraction = done / n
                self.progress(
                    self.fraction,
                    f"{done} of {n} candidates have their final probability "
                    f"(level {level:.4f}, {len(self.panels)} panels considered)",
                )


def _reaches_levels(
    space: PanelSpace, seats: np.ndarray, probs: np.ndarray, levels: np.ndarray
) -> bool:
    reached = (probs @ seats) / space.sizes
    return bool((reached >= levels - LEVEL_TOLERANCE).all())


def leximin_lottery(space: PanelSpace, progress: ProgressCallback | None = None) -> LeximinLottery:
    """Compute the leximin lottery over ``space`` (which must contain at least one panel).

    Raises :class:`SolverFailure` only when not even one valid lottery could be found.
    """
    state = _ColumnGeneration(space, progress)
    note = ""
    try:
        state.run()
    except SolverFailure as failure:
        state.diagnostics.append(failure.diagnostic)
        note = NOTE_PARTIAL
    if not note:
        seats = np.array(state.panels, dtype=np.int64)
        lifted = _lift(seats / space.sizes, state.levels)
        if lifted is None:
            state.diagnostics.append("final lift programme failed")
        elif lottery_problems(space, seats, _clean(lifted)):
            state.diagnostics.append("lifted lottery failed verification")
        else:
            state.best = (seats, _clean(lifted))
        if state.best is None or not _reaches_levels(space, *state.best, state.levels):
            note = NOTE_PARTIAL
    if state.best is None:
        raise SolverFailure("; ".join(state.diagnostics) or "no valid lottery found")
    if state.diagnostics:
        log.warning("leximin computation: %s", "; ".join(state.diagnostics))
    seats, probs = state.best
    return LeximinLottery(seats, probs, state.levels.copy(), note, tuple(state.diagnostics))
