"""Fee claims end to end at the service level: generation, pricing, review, batches, reports."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text

from portal.core.models import AuditEntry
from portal.fees import services
from portal.fees.models import ClaimState, FeeClaim, FeeClaimLine, PaymentBatchLine
from portal.fees.references import (
    format_reference,
    is_valid_reference,
    validate_reference,
    virtual_barcode,
)
from portal.impact.costs import cost_rows
from tests.fees.conftest import HETU, HETU_NEW_SIGN, IBAN, ORG_IBAN

D = Decimal


def _approve(claim: FeeClaim, payee: Any, coordinator: Any, finance: Any) -> FeeClaim:
    services.submit_claim(actor=payee, claim=claim)
    services.check_claim(actor=coordinator, claim_id=claim.id)
    return services.approve_claim(actor=finance, claim_id=claim.id)


def _claims(db: Any, payee: Any) -> list[FeeClaim]:
    return list(db.session.scalars(services.claims_query(payee=payee)))


def test_generation_prices_by_date_of_work_and_claims_once(
    db: Any, schedules: Any, activity: Any, participate: Any, payroll_payee: Any
) -> None:
    council = activity()
    participate(council, payroll_payee, date(2025, 12, 15), "2")  # 2025 tier: 40 €
    participate(council, payroll_payee, date(2026, 1, 12), "2.5", role="chair")  # 70 € + 20 €
    participate(council, payroll_payee, date(2026, 1, 20), "2", attendance="absent")
    participate(council, payroll_payee, date(2026, 1, 21), "2", event_type="workshop")

    result = services.generate_claims(actor=None)

    assert (result.claims_created, result.items_added, result.skipped_dates) == (2, 2, [])
    december, january = sorted(_claims(db, payroll_payee), key=lambda c: c.month)
    assert [(line.code, line.amount) for line in december.lines] == [("MEETING_FEE", D("40.00"))]
    assert [(line.code, line.amount) for line in january.lines] == [
        ("MEETING_FEE", D("70.00")),
        ("CHAIR_EXTRA", D("20.00")),
    ]
    assert january.total == D("90.00")
    assert january.cost_centre == "0000"
    again = services.generate_claims(actor=None)
    assert (again.claims_created, again.items_added) == (0, 0)


def test_participations_without_a_schedule_are_skipped(
    db: Any, schedules: Any, activity: Any, participate: Any, payroll_payee: Any
) -> None:
    participate(activity(), payroll_payee, date(2024, 6, 1))
    result = services.generate_claims(actor=None)
    assert result.skipped_dates == [date(2024, 6, 1)]
    assert _claims(db, payroll_payee) == []


def test_travel_uses_the_year_km_rate_and_receipts_add_tickets(
    db: Any, schedules: Any, activity: Any, participate: Any, payroll_payee: Any
) -> None:
    assignment = activity(kind="expert_assignment", title="Luento")
    participate(assignment, payroll_payee, date(2025, 3, 4), "1.5", event_type="expert_assignment")
    services.generate_claims(actor=None)
    (claim,) = _claims(db, payroll_payee)
    item = claim.items[0]

    services.update_travel(
        actor=payroll_payee, item=item, km=D("33.3"), route="Nokia – Tampere", hours_away=D(7)
    )
    services.add_receipt(actor=payroll_payee, item=item, amount=D("3.60"), data=b"%PDF-1.4 x")

    lines = {line.code: line for line in claim.lines}
    assert lines["HOURLY_FEE"].amount == D("37.50")
    # 33.3 km * 0.59 = 19.647 -> 19.65 (rounded once, half up)
    assert lines["KM_ALLOWANCE"].amount == D("19.65")
    assert lines["DAILY_ALLOWANCE_PART"].amount == D("24.00")
    assert lines["TICKETS"].amount == D("3.60")
    assert claim.total == D("84.75")
    assert claim.total == sum(line.amount for line in claim.lines)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"GIF89a....", "receipt_type"),
        (b"", "receipt_empty"),
        (b"%PDF-" + b"x" * services.RECEIPT_MAX_BYTES, "receipt_too_large"),
    ],
)
def test_receipts_are_checked_by_content_and_size(
    db: Any,
    schedules: Any,
    activity: Any,
    participate: Any,
    payroll_payee: Any,
    data: bytes,
    code: str,
) -> None:
    participate(activity(), payroll_payee, date(2025, 3, 4))
    services.generate_claims(actor=None)
    (claim,) = _claims(db, payroll_payee)
    with pytest.raises(services.FeeError) as caught:
        services.add_receipt(actor=payroll_payee, item=claim.items[0], amount=D(3), data=data)
    assert caught.value.code == code


def test_review_flow_is_audited_and_a_returned_claim_can_be_resent(
    db: Any,
    schedules: Any,
    activity: Any,
    participate: Any,
    payroll_payee: Any,
    create_user: Any,
    mailbox: Any,
) -> None:
    coordinator, finance = create_user("coordinator"), create_user("finance_approver")
    participate(activity(), payroll_payee, date(2026, 2, 2))
    services.generate_claims(actor=coordinator)
    (claim,) = _claims(db, payroll_payee)
    services.submit_claim(actor=payroll_payee, claim=claim)
    services.check_claim(actor=coordinator, claim_id=claim.id)
    with pytest.raises(services.FeeError) as caught:
        services.return_claim(actor=finance, claim_id=claim.id, reason=" ")
    assert caught.value.code == "reason_required"
    services.return_claim(actor=finance, claim_id=claim.id, reason="Lisää reitti.")
    message = mailbox.wait_for(payroll_payee.email)[0]
    assert "Lisää reitti." in message.get_body(preferencelist=("plain",)).get_content()
    claim = db.session.get(FeeClaim, claim.id)
    assert claim.state == ClaimState.RETURNED and claim.is_editable
    _approve(claim, payroll_payee, coordinator, finance)
    with pytest.raises(services.FeeError) as caught:
        services.approve_claim(actor=finance, claim_id=claim.id)
    assert caught.value.code == "already_approved"
    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.object_type == "fee_claim")
        .order_by(AuditEntry.id)
    ).all()
    assert actions == [
        "fees.claim_generated",
        "fees.claim_submitted",
        "fees.claim_checked",
        "fees.claim_returned",
        "fees.claim_submitted",
        "fees.claim_checked",
        "fees.claim_approved",
    ]


def test_submit_needs_payment_details(
    db: Any, schedules: Any, activity: Any, participate: Any, create_user: Any
) -> None:
    expert = create_user("expert")
    participate(activity(), expert, date(2026, 2, 2))
    services.generate_claims(actor=None)
    (claim,) = _claims(db, expert)
    with pytest.raises(services.FeeError) as caught:
        services.submit_claim(actor=expert, claim=claim)
    assert caught.value.code == "payee_details_missing"


def test_payee_details_are_validated_encrypted_and_masked(db: Any, create_user: Any) -> None:
    from portal.core.identifiers import InvalidIdentifier

    user = create_user("expert")
    with pytest.raises(InvalidIdentifier):
        services.save_payee_details(
            actor=user, user=user, method="payroll", identity_code="131052-308U", iban=IBAN
        )
    db.session.rollback()
    with pytest.raises(InvalidIdentifier):
        services.save_payee_details(
            actor=user, user=user, method="payroll", identity_code=HETU, iban="FI2112345600000786"
        )
    db.session.rollback()
    details = services.save_payee_details(
        actor=user, user=user, method="payroll", identity_code=HETU_NEW_SIGN.lower(), iban=IBAN
    )
    assert details.identity_code == HETU_NEW_SIGN
    assert details.masked_identity_code == "******-***W"
    assert details.masked_iban == "FI** **** **** **07 85"
    raw = db.session.execute(text("SELECT identity_code FROM fee_payees")).scalar_one()
    assert HETU_NEW_SIGN not in raw and raw.startswith("gAAAA")
    # Blank fields keep what is stored.
    services.save_payee_details(actor=user, user=user, method="payroll")
    assert services.payee_details(user).iban == IBAN
    audit = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "fees.payee_details_saved")
    ).all()
    assert audit[0].changes == {"fields": ["iban", "identity_code", "method"], "method": "payroll"}


def _month_of_work(db: Any, activity: Any, participate: Any, payees: list[Any]) -> None:
    council = activity(title="Nuorisovaltuusto")
    experts = activity(kind="expert_assignment", title="Kokemusasiantuntijat")
    for payee in payees:
        participate(council, payee, date(2026, 3, 3), "2")
        participate(council, payee, date(2026, 3, 17), "3", role="chair")
        participate(experts, payee, date(2026, 3, 10), "1.25", event_type="expert_assignment")


def test_full_month_to_payroll_csv_and_invoice_pdf(
    db: Any,
    schedules: Any,
    activity: Any,
    participate: Any,
    payroll_payee: Any,
    invoice_payee: Any,
    create_user: Any,
) -> None:
    coordinator, finance = create_user("coordinator"), create_user("finance_approver")
    _month_of_work(db, activity, participate, [payroll_payee, invoice_payee])
    services.generate_claims(actor=coordinator, month=date(2026, 3, 1))
    for payee in (payroll_payee, invoice_payee):
        for claim in _claims(db, payee):
            if claim.items[0].kind == "meeting":
                services.update_travel(
                    actor=payee,
                    item=claim.items[0],
                    km=D(41),
                    route="Kangasala – Tampere",
                    hours_away=D(0),
                )
            _approve(claim, payee, coordinator, finance)

    batch = services.create_payment_batch(
        actor=finance, month=date(2026, 3, 15), cost_centre="0000"
    )

    claims = list(batch.claims)
    assert len(claims) == 4 and {c.state for c in claims} == {ClaimState.PAID}
    line_total = db.session.scalar(
        select(func.count())
        .select_from(PaymentBatchLine)
        .where(PaymentBatchLine.batch_id == batch.id)
    )
    assert line_total == sum(len(c.lines) for c in claims)
    # per payee: 50 + 70 + 20 (chair) + 41 km * 0.55 = 22.55, assignment 1.25 h * 27.50 = 34.38
    assert batch.total == 2 * (D(50) + D(70) + D(20) + D("22.55") + D("34.38"))
    assert services.batch_summary(batch).total == batch.total

    text = services.payroll_csv(actor=finance, batch=batch)
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert {row["identity_code"] for row in rows} == {HETU}  # the invoice payee is not in it
    assert {row["fee_type"] for row in rows} == {
        "MEETING_FEE",
        "CHAIR_EXTRA",
        "KM_ALLOWANCE",
        "HOURLY_FEE",
    }
    assert {row["period"] for row in rows} == {"2026-03"}
    assert sum(D(row["amount"].replace(",", ".")) for row in rows) == batch.total / 2

    (invoice_claim_invoices) = [inv for inv in batch.invoices]
    assert len(invoice_claim_invoices) == 2
    invoice = invoice_claim_invoices[0]
    pdf = services.invoice_pdf(actor=finance, invoice=invoice)
    assert pdf.startswith(b"%PDF")
    assert validate_reference(invoice.reference) == invoice.reference
    grouped = format_reference(invoice.reference)
    assert grouped.encode() in pdf
    barcode = virtual_barcode(
        iban=ORG_IBAN,
        reference=invoice.reference,
        amount=invoice.amount,
        due_date=invoice.due_date,
    )
    assert barcode.encode() in pdf
    assert is_valid_reference(grouped)
    exported = db.session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.action.in_(["fees.payroll_exported", "fees.invoice_exported"])
        )
    ).all()
    assert sorted(exported) == ["fees.invoice_exported", "fees.payroll_exported"]

    with pytest.raises(services.FeeError) as caught:
        services.create_payment_batch(actor=finance, month=date(2026, 3, 1), cost_centre="0000")
    assert caught.value.code == "nothing_to_batch"


def test_reports_and_cost_provider_count_approved_and_paid_only(
    db: Any,
    schedules: Any,
    activity: Any,
    participate: Any,
    payroll_payee: Any,
    create_user: Any,
) -> None:
    coordinator, finance = create_user("coordinator"), create_user("finance_approver")
    council = activity()
    participate(council, payroll_payee, date(2026, 4, 1), "1")
    participate(council, payroll_payee, date(2026, 5, 5), "1")
    services.generate_claims(actor=None)
    april, may = sorted(_claims(db, payroll_payee), key=lambda c: c.month)
    services.update_travel(
        actor=payroll_payee, item=april.items[0], km=D(10), route="A – B", hours_away=D(0)
    )
    _approve(april, payroll_payee, coordinator, finance)

    by_month = services.fee_report(year=2026, group_by="month")
    assert [(r.label, r.fees, r.travel, r.claims) for r in by_month] == [
        ("2026-04", D("50.00"), D("5.50"), 1)
    ]
    by_activity = services.fee_report(year=2026, group_by="activity")
    assert by_activity[0].label == council.title
    assert services.fee_report(year=2025, group_by="cost_centre") == []
    summary = services.payee_annual_summary(user=payroll_payee, year=2026)
    assert summary[0].total == D("55.50")
    csv_text = services.report_csv(by_month, key_header="month")
    assert "2026-04;50,00;5,50;55,50;1" in csv_text

    rows = [
        row
        for row in cost_rows(date(2026, 1, 1), date(2026, 12, 31))
        if row.activity_id == council.id
    ]
    assert [(r.incurred_on, r.fees, r.travel) for r in rows] == [
        (date(2026, 4, 1), D("50.00"), D("5.50"))
    ]
    assert may.state == ClaimState.DRAFT


def test_activity_setting_sets_cost_centre_and_preparation(
    db: Any,
    schedules: Any,
    activity: Any,
    participate: Any,
    payroll_payee: Any,
    create_user: Any,
) -> None:
    coordinator = create_user("coordinator")
    council = activity()
    participate(council, payroll_payee, date(2026, 4, 1), "1")
    services.generate_claims(actor=None)
    services.save_activity_setting(
        actor=coordinator, activity=council, cost_centre="4410", pays_preparation=True
    )
    (claim,) = _claims(db, payroll_payee)
    assert claim.cost_centre == "4410"
    assert [line.code for line in claim.lines] == ["MEETING_FEE", "PREPARATION"]


def test_schedule_timeline_is_validated(db: Any, schedules: Any) -> None:
    with pytest.raises(services.FeeError) as caught:
        services.save_fee_schedule(
            actor=schedules,
            schedule=None,
            valid_from=date(2025, 6, 1),
            valid_to=date(2025, 6, 30),
            tiers=[(None, D(10))],
            hourly_fee=D(1),
            preparation_fee=D(0),
            chair_extra=D(0),
        )
    assert caught.value.code == "schedule_overlap"
    with pytest.raises(services.FeeError) as caught:
        services.save_fee_schedule(
            actor=schedules,
            schedule=None,
            valid_from=date(2024, 1, 1),
            valid_to=date(2024, 12, 31),
            tiers=[(None, D(10))],
            hourly_fee=D(1),
            preparation_fee=D(0),
            chair_extra=D(0),
        )
    assert caught.value.code == "travel_rates_missing"


def test_erasure_removes_payment_details(db: Any, payroll_payee: Any) -> None:
    from portal.accounts.services import erase_user, export_own_data

    exported = export_own_data(user=payroll_payee)
    assert exported["fees"]["payment_details"]["identity_code"] == "******-***T"
    erase_user(actor=payroll_payee, user=payroll_payee)
    assert services.payee_details(payroll_payee) is None


def test_lines_cannot_be_paid_twice_by_constraint(
    db: Any,
    schedules: Any,
    activity: Any,
    participate: Any,
    payroll_payee: Any,
    create_user: Any,
) -> None:
    from sqlalchemy.exc import IntegrityError

    from portal.fees.models import PaymentBatch

    coordinator, finance = create_user("coordinator"), create_user("finance_approver")
    participate(activity(), payroll_payee, date(2026, 4, 1), "1")
    services.generate_claims(actor=None)
    (claim,) = _claims(db, payroll_payee)
    _approve(claim, payroll_payee, coordinator, finance)
    batch = services.create_payment_batch(actor=finance, month=date(2026, 4, 1), cost_centre="0000")
    line = db.session.scalars(select(FeeClaimLine)).first()
    other = PaymentBatch(month=date(2026, 4, 1), cost_centre="0000", total=D(0))
    db.session.add(other)
    db.session.flush()
    db.session.add(PaymentBatchLine(batch_id=other.id, line_id=line.id, amount=line.amount))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert batch.id
