"""Benchmark the panel draw on a realistic volunteer pool.

Builds a synthetic pool of 1,500 volunteers over the county's 23 municipalities, skewed the
way volunteer pools are (older, more from Tampere, fewer speakers of other languages),
stratifies it by age band, gender, municipality group and language with quotas from
population shares, and compares the leximin and legacy methods for panels of 30 and 60.

It then draws the generated county-shaped instances of :mod:`portal.panels.synthetic`
(gender, age band, municipality group and language: 17 categories, quotas two or three seats
either side of the population shares, a pool twice as lopsided as usual) for 300/30, 1,500/30
and 1,500/60, printing each instance with the leximin and legacy figures side by side.

Run from the repository root: ``python bench/panels.py``. Takes a few minutes.
``--municipalities`` adds a harder case: quotas for each of the 23 municipalities instead of
three groups (far more groups of interchangeable volunteers). ``--cli`` also times the
command ``flask --app wsgi panels draw ... --json`` end to end (process start included) on
the generated instances.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.core.population import age_band_shares, gender_shares, load_municipalities
from portal.panels.selection import (
    PROBABILITY_NOISE,
    Candidate,
    Distribution,
    Feasibility,
    gini_coefficient,
    legacy_distribution,
    leximin_distribution,
    panel_meets_quotas,
    propose_quotas,
    sample_panels,
)
from portal.panels.synthetic import (
    COUNTY_SHARES,
    categories_csv,
    county_pool,
    county_quotas,
    people_csv,
)

POOL_SIZE = 1_500
PANEL_SIZES = (30, 60)
LEGACY_RUNS = 1_000
SAMPLED_PANELS = 1_000
SLACK = 0.25
NEIGHBOURS = {"Kangasala", "Lempäälä", "Nokia", "Orivesi", "Pirkkala", "Vesilahti", "Ylöjärvi"}

# Age structure of residents aged 15 and over (portal/core/data), and gender with a small
# share of people who give neither (not in the population table).
AGE_SHARES = age_band_shares()
GENDER_SHARES = {**gender_shares(), "other": 0.005}
# How much more (or less) likely each group is to volunteer than its population share.
AGE_SKEW = {
    "15-24": 0.45,
    "25-34": 0.7,
    "35-44": 0.85,
    "45-54": 1.0,
    "55-64": 1.35,
    "65-74": 1.7,
    "75+": 1.1,
}
GENDER_SKEW = {"woman": 1.25, "man": 0.75, "other": 1.0}
TAMPERE_SKEW = 1.6
OTHER_LANGUAGE_SKEW = 0.5


def municipality_group(name: str) -> str:
    if name == "Tampere":
        return "Tampere"
    return "neighbouring towns" if name in NEIGHBOURS else "rest of county"


def county_municipalities() -> list[dict[str, float | str]]:
    result: list[dict[str, float | str]] = []
    for row in load_municipalities():
        shares = np.array([row.fi_pct, row.sv_pct, row.other_pct])
        fi, sv, other = shares / shares.sum()
        result.append(
            {
                "name": row.name_fi,
                "population": float(row.population),
                "fi": fi,
                "sv": sv,
                "other": other,
            }
        )
    return result


def population_shares(
    municipalities: list[dict[str, float | str]], *, by_town: bool = False
) -> dict[str, dict[str, float]]:
    groups: dict[str, float] = {}
    languages = {"fi": 0.0, "sv": 0.0, "other": 0.0}
    for m in municipalities:
        pop = float(m["population"])
        name = str(m["name"])
        group = name if by_town else municipality_group(name)
        groups[group] = groups.get(group, 0.0) + pop
        for lang in languages:
            languages[lang] += pop * float(m[lang])
    return {
        "age": AGE_SHARES,
        "gender": GENDER_SHARES,
        "municipality": groups,
        "language": languages,
    }


def pick(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[key] for key in keys])
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def volunteer_pool(
    municipalities: list[dict[str, float | str]], seed: int, *, by_town: bool = False
) -> list[Candidate]:
    rng = np.random.default_rng(seed)
    town_weight = {
        str(m["name"]): float(m["population"]) * (TAMPERE_SKEW if m["name"] == "Tampere" else 1)
        for m in municipalities
    }
    by_name = {str(m["name"]): m for m in municipalities}
    ages = {a: AGE_SHARES[a] * AGE_SKEW[a] for a in AGE_SHARES}
    genders = {g: GENDER_SHARES[g] * GENDER_SKEW[g] for g in GENDER_SHARES}
    pool = []
    for i in range(POOL_SIZE):
        town = pick(rng, town_weight)
        m = by_name[town]
        langs = {
            "fi": float(m["fi"]),
            "sv": float(m["sv"]),
            "other": float(m["other"]) * OTHER_LANGUAGE_SKEW,
        }
        pool.append(
            Candidate(
                f"p{i:04d}",
                {
                    "age": pick(rng, ages),
                    "gender": pick(rng, genders),
                    "municipality": town if by_town else municipality_group(town),
                    "language": pick(rng, langs),
                },
            )
        )
    return pool


def report(name: str, dist: Distribution, seconds: float) -> None:
    probs = np.array(list(dist.marginals.values()))
    zero = float((probs <= PROBABILITY_NOISE).mean())
    print(
        f"  {name:8s} time {seconds:6.2f} s   min probability {probs.min():.4f}   "
        f"Gini {gini_coefficient(probs):.3f}   probability 0: {zero:6.1%}   "
        f"panels in support {len(dist.panels)}"
    )


def check_samples(dist: Distribution, pool: list[Candidate], seed: str) -> int:
    panels = sample_panels(dist, seed, SAMPLED_PANELS)
    return sum(bool(panel_meets_quotas(p, pool, dist.categories)) for p in panels)


def run(pool: list[Candidate], shares: dict[str, dict[str, float]], k: int) -> None:
    quotas = propose_quotas(shares, k, slack=SLACK)
    print(f"\npanel size {k}, {len(quotas)} quota categories (slack {SLACK:.0%})")
    started = time.perf_counter()
    lex = leximin_distribution(pool, quotas, k)
    lex_seconds = time.perf_counter() - started
    started = time.perf_counter()
    leg = legacy_distribution(pool, quotas, k, runs=LEGACY_RUNS, seed=k)
    leg_seconds = time.perf_counter() - started
    if isinstance(lex, Feasibility) or isinstance(leg, Feasibility):
        failed = lex if isinstance(lex, Feasibility) else leg
        print("  infeasible:", "; ".join(failed.explanation))
        return
    report("leximin", lex, lex_seconds)
    report("legacy", leg, leg_seconds)
    print(f"  (legacy probabilities estimated from {LEGACY_RUNS} seeded runs)")
    ratio = lex.min_probability / max(leg.min_probability, 1 / (LEGACY_RUNS * len(pool)))
    print(f"  leximin / legacy minimum probability: {ratio:.1f}x")
    for name, dist in (("leximin", lex), ("legacy", leg)):
        broken = check_samples(dist, pool, seed=f"bench-{k}")
        print(f"  {name}: {broken} of {SAMPLED_PANELS} sampled panels break a quota")


def describe(pool: list[Candidate], shares: dict[str, dict[str, float]]) -> None:
    groups = len({tuple(sorted(c.features.items())) for c in pool})
    print(f"pool: {len(pool)} volunteers, {groups} distinct feature combinations")
    for feature in ("age", "municipality", "language"):
        counts: dict[str, int] = {}
        for c in pool:
            counts[c.features[feature]] = counts.get(c.features[feature], 0) + 1
        if len(counts) > 5:
            continue
        total = sum(shares[feature].values())
        row = ", ".join(
            f"{v} {counts.get(v, 0) / len(pool):.0%} (pop {shares[feature][v] / total:.0%})"
            for v in shares[feature]
        )
        print(f"  {feature}: {row}")


# (pool size, seats, seed) of the generated instances; skew 2 is a pool twice as lopsided.
GENERATED = ((300, 30, 1), (1_500, 30, 4), (1_500, 60, 4))
GENERATED_SKEW = 2.0


def _figures(dist: Distribution, seconds: float) -> str:
    probs = np.array(list(dist.marginals.values()))
    return f"{seconds:7.2f} s  min {probs.min():.6f}  Gini {gini_coefficient(probs):.3f}"


def _cli_seconds(pool: list[Candidate], quotas, k: int, seed: int) -> str:
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as folder:
        people = Path(folder) / "people.csv"
        cats = Path(folder) / "categories.csv"
        people.write_text(people_csv(pool, list(COUNTY_SHARES)), encoding="utf-8")
        cats.write_text(categories_csv(quotas), encoding="utf-8")
        command = [
            *(str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "panels", "draw"),
            *("--people", str(people), "--categories", str(cats)),
            *("--size", str(k), "--seed", str(seed), "--json"),
        ]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=root, capture_output=True, check=False)
        seconds = time.perf_counter() - started
    return f"CLI {seconds:6.2f} s (exit {done.returncode})"


def run_generated(*, with_cli: bool) -> None:
    print(f"\ngenerated county-shaped instances (skew {GENERATED_SKEW:g}):")
    header = f"{'pool':>6} {'seats':>5} {'groups':>6} {'cats':>4}  {'leximin':40s}  legacy"
    print(header)
    for n, k, seed in GENERATED:
        pool = county_pool(n, seed, skew=GENERATED_SKEW)
        quotas = county_quotas(k, seed)
        groups = len({tuple(sorted(c.features.items())) for c in pool})
        started = time.perf_counter()
        lex = leximin_distribution(pool, quotas, k)
        lex_seconds = time.perf_counter() - started
        started = time.perf_counter()
        leg = legacy_distribution(pool, quotas, k, runs=LEGACY_RUNS, seed=seed)
        leg_seconds = time.perf_counter() - started
        if isinstance(lex, Feasibility) or isinstance(leg, Feasibility):
            print(f"{n:>6} {k:>5}  infeasible")
            continue
        note = f" [{lex.note}]" if lex.note else ""
        line = (
            f"{n:>6} {k:>5} {groups:>6} {len(quotas):>4}  "
            f"{_figures(lex, lex_seconds) + note:40s}  {_figures(leg, leg_seconds)}"
        )
        if with_cli:
            line += "  " + _cli_seconds(pool, quotas, k, seed)
        print(line, flush=True)


def main() -> None:
    municipalities = county_municipalities()
    shares = population_shares(municipalities)
    pool = volunteer_pool(municipalities, seed=2026)
    describe(pool, shares)
    for k in PANEL_SIZES:
        run(pool, shares, k)
    if "--municipalities" in sys.argv[1:]:
        print("\nharder case: a quota for each of the 23 municipalities")
        shares = population_shares(municipalities, by_town=True)
        pool = volunteer_pool(municipalities, seed=2026, by_town=True)
        describe(pool, shares)
        run(pool, shares, 60)
    run_generated(with_cli="--cli" in sys.argv[1:])
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nload average {load} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
