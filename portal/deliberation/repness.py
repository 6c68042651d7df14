"""Representative statements, consensus and divisive statements, after the Polis method.

Pure functions on per-statement vote counts of a group and of everyone else
(``math/src/polismath/math/repness.clj``). Counts are agree, disagree and seen (passes
included) among the in-conversation participants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: One-sided 90 % z threshold used by every Polis significance test.
Z_90 = 1.2816
MAX_REPRESENTATIVE = 5
MAX_CONSENSUS = 5
MAX_DIVISIVE = 5
#: The report's rule for its consensus and divisive lists: a statement needs at least this
#: many voters ...
REPORT_MIN_VOTERS = 5
#: ... and at least this share of the participants who voted at all. Polis itself has no such
#: floor; without it a statement two people agreed with can top the consensus list.
REPORT_MIN_VOTER_SHARE = 0.10


@dataclass(frozen=True)
class RepresentativeStatement:
    """A statement that sets a group apart from everyone else (in-conversation only)."""

    statement: int
    direction: str  # "agree" or "disagree"
    n_agree: int
    n_disagree: int
    n_seen: int
    n_agree_rest: int
    n_disagree_rest: int
    n_seen_rest: int
    probability: float  # pa or pd (Laplace-smoothed share within the group)
    probability_test: float  # pat or pdt
    repness: float  # ra or rd
    repness_test: float  # rat or rdt
    significant: bool

    @property
    def metric(self) -> float:
        """Polis ranking metric: repness · repness test · probability · probability test."""
        return self.repness * self.repness_test * self.probability * self.probability_test


@dataclass(frozen=True)
class ConsensusStatement:
    """A statement most participants agree (or disagree) with."""

    statement: int
    direction: str
    n_agree: int
    n_disagree: int
    n_seen: int
    probability: float
    probability_test: float


@dataclass(frozen=True)
class DivisiveStatement:
    """A statement on which the groups' agree shares differ most."""

    statement: int
    variance: float
    group_agree_shares: tuple[float, ...]


def prop_test(successes: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Polis one-proportion z statistic against 1/2 with a +1 pseudo-count."""
    s = np.asarray(successes, dtype=np.float64) + 1.0
    m = np.asarray(n, dtype=np.float64) + 1.0
    return 2.0 * np.sqrt(m) * (s / m - 0.5)


def two_prop_test(
    succ_in: np.ndarray, succ_out: np.ndarray, n_in: np.ndarray, n_out: np.ndarray
) -> np.ndarray:
    """Polis two-proportion z statistic (group vs rest) with +1 added to all four counts."""
    s1 = np.asarray(succ_in, dtype=np.float64) + 1.0
    s2 = np.asarray(succ_out, dtype=np.float64) + 1.0
    n1 = np.asarray(n_in, dtype=np.float64) + 1.0
    n2 = np.asarray(n_out, dtype=np.float64) + 1.0
    p1, p2 = s1 / n1, s2 / n2
    pooled = (s1 + s2) / (n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
        z = (p1 - p2) / denom
    return np.where(pooled >= 1.0, 0.0, z)


@dataclass(frozen=True, eq=False)
class RepnessStats:
    """Per-statement repness statistics of one group against the rest."""

    na: np.ndarray
    nd: np.ndarray
    ns: np.ndarray
    na_rest: np.ndarray
    nd_rest: np.ndarray
    ns_rest: np.ndarray
    pa: np.ndarray
    pd: np.ndarray
    pat: np.ndarray
    pdt: np.ndarray
    ra: np.ndarray
    rd: np.ndarray
    rat: np.ndarray
    rdt: np.ndarray


def repness_stats(
    na: np.ndarray,
    nd: np.ndarray,
    ns: np.ndarray,
    na_rest: np.ndarray,
    nd_rest: np.ndarray,
    ns_rest: np.ndarray,
) -> RepnessStats:
    """Polis representativeness statistics from group and rest counts (vectorised)."""
    na, nd, ns, na_rest, nd_rest, ns_rest = (
        np.asarray(x, dtype=np.float64) for x in (na, nd, ns, na_rest, nd_rest, ns_rest)
    )
    pa = (na + 1.0) / (ns + 2.0)
    pd = (nd + 1.0) / (ns + 2.0)
    return RepnessStats(
        na=na,
        nd=nd,
        ns=ns,
        na_rest=na_rest,
        nd_rest=nd_rest,
        ns_rest=ns_rest,
        pa=pa,
        pd=pd,
        pat=prop_test(na, ns),
        pdt=prop_test(nd, ns),
        ra=pa / ((na_rest + 1.0) / (ns_rest + 2.0)),
        rd=pd / ((nd_rest + 1.0) / (ns_rest + 2.0)),
        rat=two_prop_test(na, na_rest, ns, ns_rest),
        rdt=two_prop_test(nd, nd_rest, ns, ns_rest),
    )


def _rep_statement(
    st: RepnessStats, j: int, agree: bool, significant: bool
) -> RepresentativeStatement:
    return RepresentativeStatement(
        statement=int(j),
        direction="agree" if agree else "disagree",
        n_agree=int(st.na[j]),
        n_disagree=int(st.nd[j]),
        n_seen=int(st.ns[j]),
        n_agree_rest=int(st.na_rest[j]),
        n_disagree_rest=int(st.nd_rest[j]),
        n_seen_rest=int(st.ns_rest[j]),
        probability=float(st.pa[j] if agree else st.pd[j]),
        probability_test=float(st.pat[j] if agree else st.pdt[j]),
        repness=float(st.ra[j] if agree else st.rd[j]),
        repness_test=float(st.rat[j] if agree else st.rdt[j]),
        significant=bool(significant),
    )


def select_representative(
    st: RepnessStats, eligible: np.ndarray, limit: int = MAX_REPRESENTATIVE
) -> tuple[RepresentativeStatement, ...]:
    """Polis selection of up to ``limit`` representative statements for one group.

    Significant when (rat > z90 and pat > z90) or (rdt > z90 and pdt > z90); direction is
    agree when rat > rdt. The best agree statement comes first, then the other significant
    ones by ra·rat·pa·pat (rd·rdt·pd·pdt for disagree), agrees before disagrees; with none
    significant, only the best agree statement.
    """
    eligible = np.asarray(eligible, dtype=bool)
    agree_metric = st.ra * st.rat * st.pa * st.pat
    disagree_metric = st.rd * st.rdt * st.pd * st.pdt
    repful_agree = st.rat > st.rdt
    metric = np.where(repful_agree, agree_metric, disagree_metric)
    significant = ((st.rat > Z_90) & (st.pat > Z_90)) | ((st.rdt > Z_90) & (st.pdt > Z_90))
    significant &= eligible
    agree_ok = eligible & (st.na > 0) & ((st.pat > Z_90) | ((st.ra > 1.0) & (st.pa > 0.5)))
    best_agree: int | None = None
    if agree_ok.any():
        candidates = np.flatnonzero(agree_ok)
        # Ties go to the lower statement index so the choice is stable.
        best_agree = int(candidates[np.argmax(agree_metric[candidates])])
    if not significant.any():
        if best_agree is None:
            return ()
        return (_rep_statement(st, best_agree, True, bool(significant[best_agree])),)
    chosen: list[RepresentativeStatement] = []
    if best_agree is not None:
        chosen.append(_rep_statement(st, best_agree, True, bool(significant[best_agree])))
    others = np.flatnonzero(significant)
    if best_agree is not None:
        others = others[others != best_agree]
    others = others[np.lexsort((others, -metric[others]))]
    for j in others[: max(limit - len(chosen), 0)]:
        chosen.append(_rep_statement(st, int(j), bool(repful_agree[j]), True))
    # Stable sort keeps the best agree statement first.
    chosen.sort(key=lambda r: r.direction != "agree")
    return tuple(chosen)


def enough_voters(
    n_seen: np.ndarray,
    n_voting_participants: int,
    *,
    minimum: int = REPORT_MIN_VOTERS,
    share: float = REPORT_MIN_VOTER_SHARE,
) -> np.ndarray:
    """Per statement: whether ``n_seen`` voters are at least ``minimum`` and at least
    ``share`` of the ``n_voting_participants`` (a boolean mask)."""
    seen = np.asarray(n_seen, dtype=np.float64)
    # A share is compared in whole people: 10 % of 42 participants is 4.2, so 5 voters.
    needed = max(float(minimum), float(np.ceil(share * n_voting_participants - 1e-9)))
    return seen >= needed


def consensus_statements(
    n_agree: np.ndarray,
    n_disagree: np.ndarray,
    n_seen: np.ndarray,
    eligible: np.ndarray,
    limit: int = MAX_CONSENSUS,
) -> tuple[tuple[ConsensusStatement, ...], tuple[ConsensusStatement, ...]]:
    """Agree and disagree consensus: p > 0.5 and p-test > z90, top ``limit`` by p·p-test."""
    na = np.asarray(n_agree, dtype=np.float64)
    nd = np.asarray(n_disagree, dtype=np.float64)
    ns = np.asarray(n_seen, dtype=np.float64)
    eligible = np.asarray(eligible, dtype=bool)
    out = []
    for direction, count in (("agree", na), ("disagree", nd)):
        p = (count + 1.0) / (ns + 2.0)
        pt = prop_test(count, ns)
        ok = np.flatnonzero(eligible & (p > 0.5) & (pt > Z_90))
        ok = ok[np.lexsort((ok, -(p * pt)[ok]))][:limit]
        out.append(
            tuple(
                ConsensusStatement(
                    statement=int(j),
                    direction=direction,
                    n_agree=int(na[j]),
                    n_disagree=int(nd[j]),
                    n_seen=int(ns[j]),
                    probability=float(p[j]),
                    probability_test=float(pt[j]),
                )
                for j in ok
            )
        )
    return out[0], out[1]


def group_informed_consensus(group_agrees: np.ndarray, group_seen: np.ndarray) -> np.ndarray:
    """``GIC_j = Π_g (A_gj + 1) / (S_gj + 2)`` for group x statement count arrays."""
    a = np.asarray(group_agrees, dtype=np.float64)
    s = np.asarray(group_seen, dtype=np.float64)
    return np.prod((a + 1.0) / (s + 2.0), axis=0)


def divisive_statements(
    group_agree: np.ndarray,
    group_seen: np.ndarray,
    eligible: np.ndarray,
    limit: int = MAX_DIVISIVE,
) -> tuple[DivisiveStatement, ...]:
    """Statements whose Laplace-smoothed agree shares vary most between the groups.

    ``group_agree``/``group_seen`` are groups x statements; needs at least two groups.
    """
    if len(group_agree) < 2:
        return ()
    shares = (np.asarray(group_agree, float) + 1.0) / (np.asarray(group_seen, float) + 2.0)
    variance = shares.var(axis=0)
    top = np.flatnonzero(np.asarray(eligible, dtype=bool) & (variance > 0))
    top = top[np.lexsort((top, -variance[top]))][:limit]
    return tuple(
        DivisiveStatement(
            statement=int(j),
            variance=float(variance[j]),
            group_agree_shares=tuple(float(x) for x in shares[:, j]),
        )
        for j in top
    )
