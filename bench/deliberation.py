"""Benchmark the deliberation math on synthetic conversations with planted opinion groups.

Each size runs in its own subprocess so that the peak resident memory (``ru_maxrss``) is that
of one conversation. Prints, per size: votes, time to resolve the latest vote per pair, time
of a from-scratch recompute and of a warm update (previous result given), peak RSS (whole
process, input arrays included) and the adjusted Rand index of the recovered groups against
the planted ones.

First it re-analyses the real vTaiwan export (1,921 participants, 49,997 votes) the way
``flask --app wsgi deliberation analyse DIR --json`` does, without a database: reading,
math and total seconds inside the process (best of five), then the whole command as a fresh
process, both ``python -m portal.deliberation.analysis`` and the Flask CLI (which also
imports the web application to find the command).

    python bench/deliberation.py            # 1k/10k/100k participants x 200/1000/2000
    python bench/deliberation.py --quick    # 1k and 10k participants only
    python bench/deliberation.py --analyse-only
    python bench/deliberation.py --groups 4 --participants 100000 --statements 2000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
VTAIWAN = ROOT / "tests" / "deliberation" / "data" / "vtaiwan.uberx"
PARTICIPANTS = (1_000, 10_000, 100_000)
STATEMENTS = (200, 1_000, 2_000)
TIMEOUT_SECONDS = 600


def planted(
    n_participants: int, n_statements: int, n_groups: int, density: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Votes of ``n_groups`` planted groups; each group agrees with a statement with
    probability 0.9 or 0.1 (random per group and statement) and passes 10 % of the time."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_groups, size=n_participants)
    p_agree = np.where(rng.random((n_groups, n_statements)) < 0.5, 0.9, 0.1)
    parts_p, parts_s, parts_v = [], [], []
    # Generate in blocks so the dense random draws stay small at 100k x 2k.
    block = max(1, 4_000_000 // n_statements)
    for start in range(0, n_participants, block):
        stop = min(n_participants, start + block)
        voted = rng.random((stop - start, n_statements)) < density
        p, s = np.nonzero(voted)
        p = (p + start).astype(np.int32)
        s = s.astype(np.int32)
        v = np.where(rng.random(len(p)) < p_agree[truth[p], s], 1, -1).astype(np.int8)
        v[rng.random(len(p)) < 0.1] = 0
        parts_p.append(p)
        parts_s.append(s)
        parts_v.append(v)
    return np.concatenate(parts_p), np.concatenate(parts_s), np.concatenate(parts_v), truth


def run_one(
    n: int, m: int, groups: int, density: float, seed: int, dimensions: int
) -> dict[str, float]:
    """Generate one conversation and time the math on it (runs inside the subprocess)."""
    sys.path.insert(0, str(ROOT))
    from sklearn.metrics import adjusted_rand_score

    from portal.deliberation import math as dm

    # Warm up imports, BLAS and OpenMP pools: a portal worker pays that once, not per update.
    wp, ws, wv, _ = planted(300, 40, groups, 0.5, seed)
    dm.compute(wp, ws, wv, n_participants=300, n_statements=40)
    p, s, v, truth = planted(n, m, groups, density, seed)
    rss_inputs = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    order = np.arange(len(p))
    t0 = time.perf_counter()
    dm.latest_votes(p[:1_000_000], s[:1_000_000], v[:1_000_000], order[:1_000_000])
    resolve_per_million = time.perf_counter() - t0
    del order
    t0 = time.perf_counter()
    result = dm.compute(
        p, s, v, n_participants=n, n_statements=m, seed=0, cluster_dimensions=dimensions
    )
    seconds = time.perf_counter() - t0
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    warm = dm.compute(
        p,
        s,
        v,
        n_participants=n,
        n_statements=m,
        seed=0,
        previous=result,
        cluster_dimensions=dimensions,
    )
    warm_seconds = time.perf_counter() - t0
    clustered = result.group >= 0
    return {
        "participants": n,
        "statements": m,
        "votes": len(p),
        "resolve_s_per_1m": resolve_per_million,
        "seconds": seconds,
        "warm_seconds": warm_seconds,
        "rss_inputs_mb": rss_inputs,
        "rss_peak_mb": rss_peak,
        "groups_found": result.n_groups,
        "ari": float(adjusted_rand_score(truth[clustered], result.group[clustered])),
        "warm_same_groups": float(np.mean(warm.group[clustered] == result.group[clustered])),
    }


def bench_analyse() -> None:
    """Time the database-free re-analysis of the vTaiwan export."""
    sys.path.insert(0, str(ROOT))
    from portal.deliberation.analysis import analyse_export

    runs = [analyse_export(VTAIWAN)["timing"] for _ in range(5)]
    best = min(runs, key=lambda t: t["total"])
    out = analyse_export(VTAIWAN)
    ari = out["polis_groups"]["adjusted_rand_index"]
    sizes = out["polis_groups"]["group_sizes_here"]
    theirs = out["polis_groups"]["group_sizes_in_export"]
    print(
        f"vTaiwan analyse (in process, best of 5): read {best['read']:.3f} s, "
        f"math {best['math']:.3f} s, total {best['total']:.3f} s; "
        f"ARI vs Polis {ari} (groups {sizes}, Polis {theirs})"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    commands = {
        "python -m portal.deliberation.analysis": [
            sys.executable,
            "-m",
            "portal.deliberation.analysis",
            str(VTAIWAN),
            "--json",
        ],
        "flask --app wsgi deliberation analyse": [
            str(Path(sys.executable).with_name("flask")),
            "--app",
            "wsgi",
            "deliberation",
            "analyse",
            str(VTAIWAN),
            "--json",
        ],
    }
    for label, cmd in commands.items():
        t0 = time.perf_counter()
        done = subprocess.run(
            cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=TIMEOUT_SECONDS
        )
        wall = time.perf_counter() - t0
        inside = json.loads(done.stdout)["seconds"] if done.returncode == 0 else float("nan")
        print(f"  {label}: process {wall:.2f} s (of which analysis {inside:.3f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only 1k and 10k participants")
    parser.add_argument("--groups", type=int, default=3, help="planted groups (default 3)")
    parser.add_argument("--density", type=float, default=0.15, help="share of cells voted")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--dimensions", type=int, default=2, help="principal components to cluster on"
    )
    parser.add_argument("--participants", type=int, nargs="+", default=list(PARTICIPANTS))
    parser.add_argument("--statements", type=int, nargs="+", default=list(STATEMENTS))
    parser.add_argument("--analyse-only", action="store_true", help="only the vTaiwan re-analysis")
    parser.add_argument("--one", nargs=2, type=int, metavar=("N", "M"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(*args.one, args.groups, args.density, args.seed, args.dimensions)))
        return

    bench_analyse()
    if args.analyse_only:
        return
    sizes = [(n, m) for n in args.participants for m in args.statements]
    if args.quick:
        sizes = [(n, m) for n, m in sizes if n <= 10_000]
    print(
        f"planted groups: {args.groups}, density {args.density:.0%}, "
        f"agree probability 0.9/0.1, 10 % passes, clustered on {args.dimensions} components"
    )
    header = (
        f"{'participants':>12} {'statements':>10} {'votes':>11} {'recompute s':>11} "
        f"{'warm s':>7} {'peak RSS MB':>11} {'inputs MB':>9} {'groups':>6} {'ARI':>6} "
        f"{'resolve s/1M':>12}"
    )
    print(header)
    for n, m in sizes:
        cmd = [sys.executable, __file__, "--one", str(n), str(m)]
        cmd += ["--groups", str(args.groups), "--density", str(args.density)]
        cmd += ["--seed", str(args.seed), "--dimensions", str(args.dimensions)]
        try:
            out = subprocess.run(
                cmd, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=True
            )
        except subprocess.TimeoutExpired:
            print(f"{n:>12} {m:>10}  timed out after {TIMEOUT_SECONDS} s")
            continue
        except subprocess.CalledProcessError as exc:
            print(f"{n:>12} {m:>10}  failed: {exc.stderr.strip().splitlines()[-1]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['participants']:>12} {r['statements']:>10} {r['votes']:>11,} "
            f"{r['seconds']:>11.2f} {r['warm_seconds']:>7.2f} {r['rss_peak_mb']:>11.0f} "
            f"{r['rss_inputs_mb']:>9.0f} {r['groups_found']:>6} {r['ari']:>6.3f} "
            f"{r['resolve_s_per_1m']:>12.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
