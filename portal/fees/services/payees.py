"""How payees are paid: identity codes and IBANs (stored encrypted, shown masked)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, func, select

from portal.accounts.models import User
from portal.core.audit import changed_fields
from portal.core.identifiers import (
    normalise_business_id,
    normalise_iban,
    parse_personal_identity_code,
)
from portal.core.permissions import user_has_permission
from portal.extensions import db
from portal.fees.models import PayeeDetails, PaymentMethod
from portal.fees.services._common import FeeError, audit


def payee_details(user: User) -> PayeeDetails | None:
    return db.session.scalars(select(PayeeDetails).where(PayeeDetails.user_id == user.id)).first()


def payee_details_complete(details: PayeeDetails | None) -> bool:
    if details is None or not details.iban:
        return False
    if details.method == PaymentMethod.PAYROLL:
        return bool(details.identity_code)
    return bool(details.business_id and details.organisation_name and details.billing_address)


def save_payee_details(
    *,
    actor: User,
    user: User,
    method: str,
    identity_code: str = "",
    iban: str = "",
    organisation_name: str = "",
    business_id: str = "",
    billing_address: str = "",
    today: date | None = None,
) -> PayeeDetails:
    """Save how ``user`` is paid, and commit.

    Blank ``identity_code`` or ``iban`` keep the stored value (forms never show it back).
    Identifiers are validated with their real check digits; invalid ones raise the
    ``InvalidIdentifier`` subclasses of :mod:`portal.core.identifiers`, missing required
    ones raise :class:`FeeError` ``<field>_required``. The audit entry names changed fields
    only, never values.
    """
    if method not in set(PaymentMethod):
        raise FeeError("unknown_method")
    details = payee_details(user)
    if details is None:
        details = PayeeDetails(user_id=user.id, organisation_name="", business_id="")
        details.billing_address = ""
        db.session.add(details)
        before = dict.fromkeys(_payee_snapshot(details), "")
    else:
        before = _payee_snapshot(details)
    before = {key: value or "" for key, value in before.items()}
    if identity_code.strip():
        details.identity_code = parse_personal_identity_code(
            identity_code, today=today or date.today()
        ).value
    if iban.strip():
        details.iban = normalise_iban(iban, require_sepa=True)
    details.method = method
    if method == PaymentMethod.PAYROLL:
        if not details.identity_code:
            raise FeeError("identity_code_required")
    else:
        if not organisation_name.strip():
            raise FeeError("organisation_name_required")
        if not billing_address.strip():
            raise FeeError("billing_address_required")
        details.business_id = normalise_business_id(business_id)
    details.organisation_name = organisation_name.strip()
    details.billing_address = billing_address.strip()
    if method == PaymentMethod.PAYROLL:
        details.business_id = ""
    if not details.iban:
        raise FeeError("iban_required")
    db.session.flush()
    audit(
        actor,
        "payee_details_saved",
        "user",
        user.id,
        fields=changed_fields(
            before, {key: value or "" for key, value in _payee_snapshot(details).items()}
        ),
        method=method,
    )
    db.session.commit()
    return details


def _payee_snapshot(details: PayeeDetails) -> dict[str, Any]:
    return {
        "method": details.method,
        "identity_code": details.identity_code,
        "iban": details.iban,
        "organisation_name": details.organisation_name,
        "business_id": details.business_id,
        "billing_address": details.billing_address,
    }


def reveal_payee_identifiers(*, actor: User, details: PayeeDetails) -> dict[str, str | None]:
    """The full identity code and IBAN, for a finance approver; each call is audited."""
    if not user_has_permission(actor, "fees.see_identifiers"):
        raise FeeError("not_allowed")
    audit(actor, "identifiers_viewed", "user", details.user_id, fields=["iban", "identity_code"])
    db.session.commit()
    return {"identity_code": details.identity_code, "iban": details.iban}


def payees_query(search: str = "") -> Select[tuple[PayeeDetails]]:
    query = select(PayeeDetails).join(PayeeDetails.user).order_by(User.name, User.id)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            func.lower(User.name).like(pattern)
            | func.lower(PayeeDetails.organisation_name).like(pattern)
        )
    return query
