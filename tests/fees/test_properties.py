"""Property tests of fee calculation through the services and the database.

For random months of meetings and assignments (across the 2025/2026 change of rates):
every stored line is priced by the schedule of its date of work and rounded once, half up;
the batches' totals are exactly the sums of their lines; nothing is batched twice.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.fees import services
from portal.fees.models import FeeClaimLine, PaymentBatch, PaymentBatchLine
from tests.fees.conftest import HETU, IBAN

D = Decimal
# What the ``schedules`` fixture stores, by year of the date of work.
RATES = {
    2025: {"tiers": (D(2), D(40), D(60)), "hourly": D(25), "chair": D(15), "km": D("0.59")},
    2026: {"tiers": (D(2), D(50), D(70)), "hourly": D("27.50"), "chair": D(20), "km": D("0.55")},
}

events = st.lists(
    st.tuples(
        st.dates(min_value=date(2025, 11, 1), max_value=date(2026, 2, 28)),
        st.sampled_from(sorted(services.FEE_EVENT_KINDS)),
        st.decimals(min_value=D("0.25"), max_value=D(9), places=2),
        st.booleans(),
        st.decimals(min_value=D(0), max_value=D(300), places=1),
    ),
    min_size=1,
    max_size=8,
)
_run = itertools.count(1)


def _expected(code: str, year: int, item_hours: Decimal) -> Decimal:
    rates = RATES[year]
    limit, short, long = rates["tiers"]
    return {
        "MEETING_FEE": short if item_hours <= limit else long,
        "HOURLY_FEE": rates["hourly"],
        "CHAIR_EXTRA": rates["chair"],
        "KM_ALLOWANCE": rates["km"],
    }[code]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=events)
def test_lines_follow_the_date_of_work_and_batches_add_up(
    db: Any,
    schedules: Any,
    activity: Any,
    participate: Any,
    create_user: Any,
    events: list[tuple[date, str, Decimal, bool, Decimal]],
) -> None:
    run = next(_run)
    coordinator, finance = create_user("coordinator"), create_user("finance_approver")
    payee = create_user("expert")
    services.save_payee_details(
        actor=payee, user=payee, method="payroll", identity_code=HETU, iban=IBAN
    )
    place = activity(title=f"Toimielin {run}")
    services.save_activity_setting(
        actor=coordinator, activity=place, cost_centre=f"P{run}", pays_preparation=False
    )
    for day, event_type, hours, chair, _km in events:
        participate(
            place, payee, day, hours, event_type=event_type, role="chair" if chair else "member"
        )
    services.generate_claims(actor=coordinator, user=payee)
    claims = list(db.session.scalars(services.claims_query(payee=payee)))
    by_participation = {}
    for claim in claims:
        for item in claim.items:
            by_participation[item.participation_id] = item
    # Add the drive of each event to its item, then approve everything.
    for claim in claims:
        for item in claim.items:
            km = next(e[4] for e in events if e[0] == item.work_date)
            if km:
                services.update_travel(
                    actor=payee, item=item, km=km, route="A – B", hours_away=D(0)
                )
        services.submit_claim(actor=payee, claim=claim)
        services.check_claim(actor=coordinator, claim_id=claim.id)
        services.approve_claim(actor=finance, claim_id=claim.id)

    batches = []
    for month in {claim.month for claim in claims}:
        batches.append(
            services.create_payment_batch(actor=finance, month=month, cost_centre=f"P{run}")
        )
    db.session.expire_all()
    lines = list(
        db.session.scalars(
            select(FeeClaimLine).where(FeeClaimLine.claim_id.in_([c.id for c in claims]))
        )
    )
    for line in lines:
        item = by_participation[line.participation_id]
        assert line.work_date == item.work_date
        assert line.unit_price == _expected(line.code, line.work_date.year, item.hours)
        exact = line.quantity * line.unit_price
        assert line.amount == exact.quantize(D("0.01"), rounding=ROUND_HALF_UP)
        assert abs(line.amount - exact) <= D("0.005")
    batch_ids = [batch.id for batch in batches]
    batch_total = sum(
        (
            b.total
            for b in db.session.scalars(select(PaymentBatch).where(PaymentBatch.id.in_(batch_ids)))
        ),
        D(0),
    )
    assert batch_total == sum((line.amount for line in lines), D(0))
    assert batch_total == sum((claim.total for claim in claims), D(0))
    paid = db.session.scalar(
        select(func.count(PaymentBatchLine.id)).where(PaymentBatchLine.batch_id.in_(batch_ids))
    )
    assert paid == len(lines)
    for batch in batches:
        assert services.batch_summary(batch).total == batch.total


def test_rate_change_at_new_year_is_by_date_of_work(
    db: Any, schedules: Any, activity: Any, participate: Any, payroll_payee: Any
) -> None:
    place = activity()
    new_year = date(2026, 1, 1)
    participate(place, payroll_payee, new_year - timedelta(days=1), "1")
    participate(place, payroll_payee, new_year, "1")
    services.generate_claims(actor=None)
    prices = sorted(
        (line.work_date, line.unit_price) for line in db.session.scalars(select(FeeClaimLine))
    )
    assert prices == [(date(2025, 12, 31), D(40)), (date(2026, 1, 1), D(50))]
