"""Two finance approvers racing on PostgreSQL: every claim line is paid exactly once."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db as portal_db
from portal.fees import services
from portal.fees.models import ClaimState, FeeClaim, FeeClaimLine, PaymentBatch, PaymentBatchLine
from portal.fees.views import error_message


def _race(app: Flask, work: Any, actors: list[int]) -> list[Any]:
    """Run ``work(actor)`` in one thread per actor, started together; collect results."""
    from portal.accounts.models import User

    barrier = threading.Barrier(len(actors))
    results: list[Any] = [None] * len(actors)

    def run(index: int, actor_id: int) -> None:
        with app.app_context():
            actor = portal_db.session.get(User, actor_id)
            barrier.wait()
            try:
                results[index] = work(actor)
            except services.FeeError as error:
                results[index] = error
            finally:
                portal_db.session.remove()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def approved_claims(
    db: Any, schedules: Any, activity: Any, participate: Any, create_user: Any
) -> tuple[list[int], Any, Any]:
    from portal.fees.services import save_payee_details
    from tests.fees.conftest import HETU, IBAN

    coordinator = create_user("coordinator")
    finance = [create_user("finance_approver"), create_user("finance_approver")]
    council = activity()
    claim_ids = []
    for n in range(12):
        payee = create_user("expert")
        save_payee_details(actor=payee, user=payee, method="payroll", identity_code=HETU, iban=IBAN)
        participate(council, payee, date(2026, 6, 2), "2")
        participate(council, payee, date(2026, 6, 16), "3", role="chair" if n == 0 else "member")
    services.generate_claims(actor=coordinator)
    for claim in db.session.scalars(select(FeeClaim)).all():
        services.submit_claim(actor=claim.payee, claim=claim)
        services.check_claim(actor=coordinator, claim_id=claim.id)
        claim_ids.append(claim.id)
    return claim_ids, finance, coordinator


def test_two_approvers_race_on_approval_and_batching(
    app: Flask, backend: str, db: Any, approved_claims: Any
) -> None:
    if backend != "postgresql":
        pytest.skip("row locks are a PostgreSQL feature; SQLite has one writer")
    claim_ids, finance, _coordinator = approved_claims
    actors = [person.id for person in finance]

    # Both approve the same claim at the same moment: one wins, one is told it was done.
    results = _race(
        app, lambda actor: services.approve_claim(actor=actor, claim_id=claim_ids[0]), actors
    )
    errors = [r for r in results if isinstance(r, services.FeeError)]
    assert len(errors) == 1 and errors[0].code == "already_approved"
    for claim_id in claim_ids[1:]:
        services.approve_claim(actor=finance[0], claim_id=claim_id)

    # Both make the June batch of the same cost centre at the same moment.
    results = _race(
        app,
        lambda actor: services.create_payment_batch(
            actor=actor, month=date(2026, 6, 1), cost_centre="0000"
        ),
        actors,
    )
    errors = [r for r in results if isinstance(r, services.FeeError)]
    assert len(errors) == 1 and errors[0].code in {"nothing_to_batch", "already_paid"}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(PaymentBatch)) == 1
    line_count = db.session.scalar(select(func.count()).select_from(FeeClaimLine))
    paid = db.session.scalar(select(func.count()).select_from(PaymentBatchLine))
    distinct_paid = db.session.scalar(select(func.count(func.distinct(PaymentBatchLine.line_id))))
    assert line_count == paid == distinct_paid
    states = set(db.session.scalars(select(FeeClaim.state)))
    assert states == {ClaimState.PAID}
    batch = db.session.scalars(select(PaymentBatch)).one()
    assert batch.total == sum(db.session.scalars(select(FeeClaimLine.amount)), Decimal("0.00"))
    with app.test_request_context(headers={"Accept-Language": "fi"}):
        message = error_message(errors[0])
    assert "erä" in message  # a clear Finnish message, not a code


def test_batching_twice_in_sequence_is_refused(app: Flask, db: Any, approved_claims: Any) -> None:
    claim_ids, finance, _coordinator = approved_claims
    for claim_id in claim_ids:
        services.approve_claim(actor=finance[0], claim_id=claim_id)
    services.create_payment_batch(actor=finance[0], month=date(2026, 6, 1), cost_centre="0000")
    with pytest.raises(services.FeeError) as caught:
        services.create_payment_batch(actor=finance[1], month=date(2026, 6, 1), cost_centre="0000")
    assert caught.value.code == "nothing_to_batch"
