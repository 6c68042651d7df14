"""Time each impact metric over five years of synthetic, seeded data.

Run from the repository root: ``python bench/impact_metrics.py``. Builds 50,000
participations (about 8,000 people, 1,200 activities), 5,000 outputs and 20,000 cost
rows, then prints the best of a few runs of every metric. The design target is a whole
report over five years in well under a second.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.core.population import age_band, age_band_shares
from portal.impact.metrics import (
    CostRow,
    Costs,
    OutputRow,
    Outputs,
    ParticipationRow,
    Participations,
    Period,
    cost,
    cost_by_activity,
    cost_trend,
    outcomes,
    outcomes_by,
    outcomes_trend,
    reach,
    reach_by,
    reach_trend,
    representativeness,
    responsiveness,
    responsiveness_by,
    responsiveness_trend,
)

N_PARTICIPATIONS = 50_000
N_OUTPUTS = 5_000
N_COSTS = 20_000
N_PEOPLE = 8_000
N_ACTIVITIES = 1_200
START = date(2021, 1, 1)
DAYS = 5 * 365
PERIOD = Period(date(2021, 1, 1), date(2025, 12, 31))
KINDS = ("council_term", "panel", "deliberation", "initiative", "expert_assignment", "workshop")
RESPONSES = ("accepted", "partly", "not_accepted", "under_consideration")


def build(rng: random.Random) -> dict[str, Any]:
    activity_kind = {a: rng.choice(KINDS) for a in range(N_ACTIVITIES)}
    participations = []
    for _ in range(N_PARTICIPATIONS):
        activity = rng.randrange(N_ACTIVITIES)
        participations.append(
            ParticipationRow(
                activity_id=activity,
                person_id=rng.randrange(N_PEOPLE),
                participated_on=START + timedelta(days=rng.randrange(DAYS)),
                hours=Decimal(rng.choice((100, 150, 200, 300, 400))) / 100,
                attended=rng.random() < 0.92,
                kind=activity_kind[activity],
                unit=f"unit-{activity % 40}",
                service_area=f"area-{activity % 6}",
            )
        )
    outputs = []
    for i in range(N_OUTPUTS):
        produced = START + timedelta(days=rng.randrange(DAYS))
        answered = rng.random() < 0.8
        response = rng.choice(RESPONSES) if answered else None
        responded = produced + timedelta(days=rng.randrange(1, 120)) if answered else None
        done = answered and response in ("accepted", "partly") and rng.random() < 0.6
        activity = rng.randrange(N_ACTIVITIES)
        outputs.append(
            OutputRow(
                output_id=i,
                activity_id=activity,
                produced_on=produced,
                response=response,
                responded_on=responded,
                implementation="done" if done else None,
                implemented_on=responded + timedelta(days=rng.randrange(300))
                if done and responded
                else None,
                kind=activity_kind[activity],
            )
        )
    costs = [
        CostRow(
            activity_id=rng.randrange(N_ACTIVITIES),
            incurred_on=START + timedelta(days=rng.randrange(DAYS)),
            fees=Decimal(rng.randrange(2000, 20000)) / 100,
            travel=Decimal(rng.randrange(0, 5000)) / 100,
        )
        for _ in range(N_COSTS)
    ]
    birth_years = [rng.choice([None, *range(1930, 2010)]) for _ in range(N_PEOPLE)]
    return {
        "participation_rows": participations,
        "output_rows": outputs,
        "cost_rows": costs,
        "birth_years": birth_years,
    }


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    rng = random.Random(20240229)
    data = build(rng)
    rows_p, rows_o, rows_c = data["participation_rows"], data["output_rows"], data["cost_rows"]
    print(
        f"{len(rows_p)} participations, {len(rows_o)} outputs, {len(rows_c)} cost rows, "
        f"period {PERIOD.start} to {PERIOD.end}"
    )

    timings: list[tuple[str, float]] = [
        ("Participations.from_rows", best_of(lambda: Participations.from_rows(rows_p))),
        ("Outputs.from_rows", best_of(lambda: Outputs.from_rows(rows_o))),
        ("Costs.from_rows", best_of(lambda: Costs.from_rows(rows_c))),
    ]
    participations = Participations.from_rows(rows_p)
    outputs = Outputs.from_rows(rows_o)
    costs = Costs.from_rows(rows_c)
    bands = [age_band(year, PERIOD.end) for year in data["birth_years"]]
    reference = age_band_shares()

    metrics: list[tuple[str, Callable[[], object]]] = [
        ("reach", lambda: reach(participations, PERIOD)),
        ("reach_by kind", lambda: reach_by(participations, PERIOD, "kind")),
        ("reach_by unit", lambda: reach_by(participations, PERIOD, "unit")),
        ("reach_trend month", lambda: reach_trend(participations, PERIOD, "month")),
        ("reach_trend quarter", lambda: reach_trend(participations, PERIOD, "quarter")),
        ("representativeness age", lambda: representativeness(bands, reference)),
        ("responsiveness", lambda: responsiveness(outputs, PERIOD)),
        ("responsiveness_by kind", lambda: responsiveness_by(outputs, PERIOD, "kind")),
        ("responsiveness_trend month", lambda: responsiveness_trend(outputs, PERIOD, "month")),
        ("outcomes", lambda: outcomes(outputs, PERIOD)),
        ("outcomes_by kind", lambda: outcomes_by(outputs, PERIOD, "kind")),
        ("outcomes_trend month", lambda: outcomes_trend(outputs, PERIOD, "month")),
        ("cost", lambda: cost(costs, participations, PERIOD)),
        ("cost_by_activity", lambda: cost_by_activity(costs, participations, PERIOD)),
        ("cost_trend month", lambda: cost_trend(costs, participations, PERIOD, "month")),
    ]
    timings.extend((name, best_of(fn)) for name, fn in metrics)

    width = max(len(name) for name, _ in timings)
    for name, seconds in timings:
        print(f"{name:<{width}}  {seconds * 1000:8.2f} ms")
    report = sum(seconds for name, seconds in timings[3:])
    print(f"{'all metrics (prepared columns)':<{width}}  {report * 1000:8.2f} ms")
    print(f"{'all metrics incl. from_rows':<{width}}  {sum(s for _, s in timings) * 1000:8.2f} ms")

    total = reach(participations, PERIOD)
    print(
        f"check: {total.participants} participants, {total.participations} participations, "
        f"{total.hours} hours; representativeness index "
        f"{representativeness(bands, reference).index:.3f}"
    )


if __name__ == "__main__":
    main()
