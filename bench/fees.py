"""Throughput of fee claim computation: ``python bench/fees.py [lines]``.

Builds a deterministic set of meetings and assignments, computes their claim lines against
two fee schedules and totals them as one payment batch, then prints lines per second. Also
times reference and virtual barcode generation for the same number of invoices / 10.
"""

from __future__ import annotations

import datetime
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.fees.calculation import (
    EventKind,
    FeeSchedule,
    MeetingFeeTier,
    TravelRates,
    WorkEvent,
    batch_totals,
    compute_claim_lines,
)
from portal.fees.references import create_rf_reference, virtual_barcode

D = Decimal
SCHEDULES = (
    FeeSchedule(
        valid_from=datetime.date(2025, 1, 1),
        valid_to=datetime.date(2025, 12, 31),
        meeting_fee_tiers=(MeetingFeeTier(D(2), D(40)), MeetingFeeTier(None, D(60))),
        hourly_fee=D(25),
        preparation_fee=D(20),
        chair_extra=D(15),
        travel_rates=(TravelRates(2025, D("0.59"), D(24), D(53)),),
    ),
    FeeSchedule(
        valid_from=datetime.date(2026, 1, 1),
        valid_to=None,
        meeting_fee_tiers=(MeetingFeeTier(D(2), D(45)), MeetingFeeTier(None, D(65))),
        hourly_fee=D("27.50"),
        preparation_fee=D(20),
        chair_extra=D(20),
        travel_rates=(TravelRates(2026, D("0.55"), D(25), D(54)),),
    ),
)


def make_claims(target_lines: int, seed: int = 2025) -> list[list[WorkEvent]]:
    """Claims of ten events each; on average an event gives about three lines."""
    rng = random.Random(seed)
    start = datetime.date(2025, 1, 1)
    claims: list[list[WorkEvent]] = []
    for _ in range(max(1, target_lines // 30)):
        claim = []
        for _ in range(10):
            kind = EventKind.MEETING if rng.random() < 0.7 else EventKind.ASSIGNMENT
            claim.append(
                WorkEvent(
                    work_date=start + datetime.timedelta(days=rng.randrange(730)),
                    kind=kind,
                    hours=D(rng.randint(1, 16)) / 4,
                    is_chair=kind is EventKind.MEETING and rng.random() < 0.1,
                    preparation=rng.random() < 0.5,
                    km=D(rng.randint(0, 1200)) / 10,
                    tickets=(D("3.20"),) if rng.random() < 0.2 else (),
                    hours_away=D(rng.randint(0, 48)) / 4,
                )
            )
        claims.append(claim)
    return claims


def main() -> None:
    """Run the benchmark and print the figures."""
    target = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    claims_events = make_claims(target)

    started = time.perf_counter()
    claims = [compute_claim_lines(events, SCHEDULES) for events in claims_events]
    computed = time.perf_counter()
    totals = batch_totals(claims)
    finished = time.perf_counter()

    lines = totals.line_count
    print(f"claims:               {totals.claim_count}")
    print(f"events:               {sum(len(events) for events in claims_events)}")
    print(f"claim lines:          {lines}")
    print(f"batch total:          {totals.total} EUR")
    compute_s, totals_s = computed - started, finished - computed
    print(f"compute lines:        {compute_s:.3f} s ({lines / compute_s:,.0f} lines/s)")
    print(f"batch totals:         {totals_s:.3f} s ({lines / totals_s:,.0f} lines/s)")

    invoices = max(1, target // 10)
    started = time.perf_counter()
    for invoice_id in range(1000, 1000 + invoices):
        virtual_barcode(
            iban="FI2112345600000785",
            reference=create_rf_reference(invoice_id),
            amount=D("123.45"),
            due_date=datetime.date(2026, 1, 31),
        )
    elapsed = time.perf_counter() - started
    print(f"RF reference+barcode: {invoices} in {elapsed:.3f} s ({invoices / elapsed:,.0f}/s)")


if __name__ == "__main__":
    main()
