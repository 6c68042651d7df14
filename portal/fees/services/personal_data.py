"""A payee's fee data for the personal-data export, and what erasure removes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.fees.models import FeeClaim, FeeClaimItem
from portal.fees.services.claims import claims_query, receipt_path
from portal.fees.services.payees import payee_details


def export_personal_data(user: User) -> dict[str, Any] | None:
    details = payee_details(user)
    claims = db.all(claims_query(payee=user))
    if details is None and not claims:
        return None
    return {
        "payment_details": None
        if details is None
        else {
            "method": details.method,
            # Shown masked here as everywhere outside finance; finance can confirm the rest.
            "identity_code": details.masked_identity_code,
            "iban": details.masked_iban,
            "organisation_name": details.organisation_name,
            "business_id": details.business_id,
            "billing_address": details.billing_address,
        },
        "claims": [
            {
                "id": claim.id,
                "activity": claim.activity.title,
                "month": claim.month.isoformat(),
                "state": claim.state,
                "total": str(claim.total),
                "lines": [
                    {
                        "code": line.code,
                        "work_date": line.work_date.isoformat(),
                        "quantity": str(line.quantity),
                        "unit_price": str(line.unit_price),
                        "amount": str(line.amount),
                    }
                    for line in claim.lines
                ],
            }
            for claim in claims
        ],
    }


def erase_personal_data(user: User) -> None:
    # Paid amounts stay for bookkeeping (accounting law), linked to the tombstone only;
    # payment details, routes and receipt files go.
    details = payee_details(user)
    if details is not None:
        db.session.delete(details)
    items = db.session.scalars(
        select(FeeClaimItem).join(FeeClaim).where(FeeClaim.payee_id == user.id)
    )
    for item in items:
        item.route = ""
        for receipt in list(item.receipts):
            if not item.claim.is_editable:
                continue
            receipt_path(receipt).unlink(missing_ok=True)
            item.receipts.remove(receipt)
    db.session.flush()
