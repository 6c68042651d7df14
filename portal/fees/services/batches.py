"""Payment batches of approved claims, the payroll CSV and organisation invoices."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import Select, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload, selectinload

from portal.accounts.models import User
from portal.core.csv_export import csv_text
from portal.core.db import utcnow
from portal.core.money import sum_money
from portal.core.permissions import user_has_permission
from portal.extensions import db
from portal.fees.calculation import BatchTotals, ClaimLine, LineCode, batch_totals
from portal.fees.models import (
    ClaimState,
    FeeClaim,
    FeeClaimLine,
    FeeInvoice,
    PayeeDetails,
    PaymentBatch,
    PaymentBatchLine,
    PaymentMethod,
)
from portal.fees.references import create_reference
from portal.fees.services._common import FeeError, audit, decimal_comma, first_of_month
from portal.fees.services.claims import load_claim_detail, transition_claim
from portal.fees.services.payees import payee_details

INVOICE_PAYMENT_DAYS = 14


def batch_candidates() -> list[tuple[date, str, int, Decimal]]:
    """Approved, unbatched claims grouped as ``(month, cost centre, count, total)``."""
    rows = db.session.execute(
        select(
            FeeClaim.month, FeeClaim.cost_centre, func.count(FeeClaim.id), func.sum(FeeClaim.total)
        )
        .where(FeeClaim.state == ClaimState.APPROVED, FeeClaim.batch_id.is_(None))
        .group_by(FeeClaim.month, FeeClaim.cost_centre)
        .order_by(FeeClaim.month, FeeClaim.cost_centre)
    )
    # ``total`` is a Money column, but SUM comes back as raw cents.
    return [
        (m, cc, n, (Decimal(int(t or 0)) / 100).quantize(Decimal("0.01"))) for m, cc, n, t in rows
    ]


def create_payment_batch(*, actor: User, month: date, cost_centre: str) -> PaymentBatch:
    """Collect the approved claims of a month and cost centre into a batch, and commit.

    Organisation payees get an invoice with a national reference number. Raises
    :class:`FeeError` ``nothing_to_batch`` when no approved claim is left (for example
    because another approver batched them a moment earlier) and ``already_paid`` if the
    database refuses a line that is already in a batch.
    """
    month = first_of_month(month)
    db.session.expire_all()
    claims = list(
        db.session.scalars(
            select(FeeClaim)
            .where(
                FeeClaim.state == ClaimState.APPROVED,
                FeeClaim.batch_id.is_(None),
                FeeClaim.month == month,
                FeeClaim.cost_centre == cost_centre,
            )
            .order_by(FeeClaim.id)
            .options(lazyload("*"), selectinload(FeeClaim.lines))
            .with_for_update(of=FeeClaim)
        ).unique()
    )
    if not claims:
        db.session.rollback()
        raise FeeError("nothing_to_batch")
    totals = batch_totals([[_as_claim_line(line) for line in claim.lines] for claim in claims])
    batch = PaymentBatch(
        month=month, cost_centre=cost_centre, total=totals.total, created_by_id=actor.id
    )
    db.session.add(batch)
    db.session.flush()
    today = date.today()
    details = {
        d.user_id: d
        for d in db.session.scalars(
            select(PayeeDetails).where(PayeeDetails.user_id.in_({c.payee_id for c in claims}))
        )
    }
    invoices = []
    for claim in claims:
        claim.batch_id = batch.id
        transition_claim(claim, actor, ClaimState.PAID, batch=batch.id)
        payee = details.get(claim.payee_id)
        if payee is not None and payee.method == PaymentMethod.INVOICE:
            invoice = FeeInvoice(
                batch_id=batch.id,
                claim_id=claim.id,
                invoice_date=today,
                due_date=today + timedelta(days=INVOICE_PAYMENT_DAYS),
                amount=claim.total,
            )
            db.session.add(invoice)
            invoices.append(invoice)
    db.session.flush()
    for invoice in invoices:
        # The year keeps references distinct across years and long enough for the rules.
        invoice.reference = create_reference(f"{today.year}{invoice.id:06d}")
    audit(
        actor,
        "batch_created",
        "fee_batch",
        batch.id,
        month=month.isoformat(),
        cost_centre=cost_centre,
        claims=totals.claim_count,
        lines=totals.line_count,
        total=str(totals.total),
    )
    try:
        # The unique line_id is the last word: a line already in a batch fails the insert.
        db.session.execute(
            insert(PaymentBatchLine),
            [
                {"batch_id": batch.id, "line_id": line.id, "amount": line.amount}
                for claim in claims
                for line in claim.lines
            ],
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise FeeError("already_paid") from None
    return batch


def _as_claim_line(line: FeeClaimLine) -> ClaimLine:
    return ClaimLine(LineCode(line.code), line.work_date, line.quantity, line.unit_price)


def batch_summary(batch: PaymentBatch) -> BatchTotals:
    """Totals of a batch recomputed from its paid lines (equals ``batch.total``)."""
    lines = db.session.scalars(
        select(FeeClaimLine)
        .join(PaymentBatchLine, PaymentBatchLine.line_id == FeeClaimLine.id)
        .where(PaymentBatchLine.batch_id == batch.id)
        .order_by(FeeClaimLine.claim_id, FeeClaimLine.id)
    )
    by_claim: dict[int, list[ClaimLine]] = defaultdict(list)
    for line in lines:
        by_claim[line.claim_id].append(_as_claim_line(line))
    return batch_totals(by_claim.values())


def batches_query() -> Select[tuple[PaymentBatch]]:
    return select(PaymentBatch).order_by(PaymentBatch.created_at.desc(), PaymentBatch.id.desc())


PAYROLL_COLUMNS = (
    "person",
    "identity_code",
    "fee_type",
    "taxable",
    "work_date",
    "quantity",
    "unit_price",
    "amount",
    "period",
    "cost_centre",
    "claim",
    "batch",
)


def payroll_csv(*, actor: User, batch: PaymentBatch) -> str:
    """The batch's payroll payees' lines as CSV (``;``-separated, decimal comma), audited."""
    if not user_has_permission(actor, "fees.see_identifiers"):
        raise FeeError("not_allowed")
    rows = db.session.execute(
        select(FeeClaimLine, FeeClaim, PayeeDetails, User)
        .join(PaymentBatchLine, PaymentBatchLine.line_id == FeeClaimLine.id)
        .join(FeeClaim, FeeClaim.id == FeeClaimLine.claim_id)
        .join(PayeeDetails, PayeeDetails.user_id == FeeClaim.payee_id)
        .join(User, User.id == FeeClaim.payee_id)
        .where(
            PaymentBatchLine.batch_id == batch.id,
            PayeeDetails.method == PaymentMethod.PAYROLL,
        )
        .order_by(User.name, FeeClaim.id, FeeClaimLine.work_date, FeeClaimLine.id)
    ).all()
    total = sum_money(line.amount for line, _claim, _details, _user in rows)
    text = csv_text(
        PAYROLL_COLUMNS,
        (
            [
                user.name,
                details.identity_code,
                line.code,
                "1" if line.taxable else "0",
                line.work_date.isoformat(),
                decimal_comma(line.quantity),
                decimal_comma(line.unit_price),
                decimal_comma(line.amount),
                batch.month.strftime("%Y-%m"),
                claim.cost_centre,
                claim.id,
                batch.id,
            ]
            for line, claim, details, user in rows
        ),
    )
    batch.payroll_exported_at = utcnow()
    audit(actor, "payroll_exported", "fee_batch", batch.id, rows=len(rows), total=str(total))
    db.session.commit()
    return text


def invoice_pdf(*, actor: User, invoice: FeeInvoice) -> bytes:
    """Render an organisation payee's invoice as PDF (audited: it shows the IBAN in full)."""
    from portal.fees.invoices import render_invoice_pdf

    if not user_has_permission(actor, "fees.see_identifiers"):
        raise FeeError("not_allowed")
    details = payee_details(invoice.claim.payee)
    if details is None or not details.iban:
        raise FeeError("payee_details_missing")
    claim = load_claim_detail(invoice.claim_id)
    assert claim is not None
    data = render_invoice_pdf(
        invoice=invoice,
        claim=claim,
        details=details,
        buyer=current_app.config["PORTAL"].county_name,
    )
    audit(
        actor,
        "invoice_exported",
        "fee_invoice",
        invoice.id,
        amount=str(invoice.amount),
        batch=invoice.batch_id,
    )
    db.session.commit()
    return data
