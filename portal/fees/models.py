"""Tables of the fees domain: schedules, payee details, claims, payment batches, invoices.

Money columns hold whole cents (``Money``); identity codes and IBANs are encrypted at rest
(``EncryptedText``) and leave this module only through the ``masked_*`` properties or the
audited services in :mod:`portal.fees.services`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.db import Base, Hours, IdMixin, Money, owned_rows, owner_key, reference_key, utcnow
from portal.core.encryption import EncryptedText
from portal.core.identifiers import mask_iban, mask_personal_identity_code
from portal.impact.models import Activity, Participation


class PaymentMethod(enum.StrEnum):
    PAYROLL = "payroll"
    INVOICE = "invoice"


class ClaimState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHECKED = "checked"
    APPROVED = "approved"
    RETURNED = "returned"
    PAID = "paid"


#: States in which the payee may still edit travel and receipts.
EDITABLE_STATES = frozenset({ClaimState.DRAFT, ClaimState.RETURNED})


class FeeScheduleVersion(IdMixin, Base):
    """One version of the county's fees, valid from ``valid_from`` to ``valid_to``."""

    __tablename__ = "fee_schedules"

    valid_from: Mapped[date] = mapped_column(index=True)
    valid_to: Mapped[date | None]
    hourly_fee: Mapped[Decimal] = mapped_column(Money())
    preparation_fee: Mapped[Decimal] = mapped_column(Money())
    chair_extra: Mapped[Decimal] = mapped_column(Money())
    part_day_over_hours: Mapped[Decimal] = mapped_column(Hours(), default=Decimal(6))
    full_day_over_hours: Mapped[Decimal] = mapped_column(Hours(), default=Decimal(10))
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    tiers: Mapped[list[MeetingFeeTierRow]] = owned_rows(
        "schedule", order_by="MeetingFeeTierRow.position"
    )


class MeetingFeeTierRow(IdMixin, Base):
    """A meeting fee tier: ``amount`` for meetings of at most ``up_to_hours`` (None: longer)."""

    __tablename__ = "fee_schedule_tiers"

    schedule_id: Mapped[int] = owner_key("fee_schedules", index=True)
    position: Mapped[int]
    up_to_hours: Mapped[Decimal | None] = mapped_column(Hours())
    amount: Mapped[Decimal] = mapped_column(Money())

    schedule: Mapped[FeeScheduleVersion] = relationship(back_populates="tiers")


class TravelRateYear(IdMixin, Base):
    """The Tax Administration's tax-free travel rates of one calendar year."""

    __tablename__ = "fee_travel_rates"

    year: Mapped[int] = mapped_column(unique=True)
    km_rate: Mapped[Decimal] = mapped_column(Money())
    part_day_allowance: Mapped[Decimal] = mapped_column(Money())
    full_day_allowance: Mapped[Decimal] = mapped_column(Money())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ActivityFeeSetting(IdMixin, Base):
    """Per-activity choices: which cost centre pays, and whether preparation is paid."""

    __tablename__ = "fee_activity_settings"

    activity_id: Mapped[int] = owner_key("activities", unique=True)
    cost_centre: Mapped[str] = mapped_column(String(40), default="")
    pays_preparation: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PayeeDetails(IdMixin, Base):
    """How one person is paid: payroll (identity code + IBAN) or an organisation's invoice."""

    __tablename__ = "fee_payees"

    user_id: Mapped[int] = owner_key("users", unique=True)
    method: Mapped[str] = mapped_column(String(10), default=PaymentMethod.PAYROLL)
    identity_code: Mapped[str | None] = mapped_column(EncryptedText())
    iban: Mapped[str | None] = mapped_column(EncryptedText())
    organisation_name: Mapped[str] = mapped_column(String(200), default="")
    business_id: Mapped[str] = mapped_column(String(9), default="")
    billing_address: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def masked_identity_code(self) -> str:
        return mask_personal_identity_code(self.identity_code) if self.identity_code else ""

    @property
    def masked_iban(self) -> str:
        return mask_iban(self.iban) if self.iban else ""


class FeeClaim(IdMixin, Base):
    """One payee's fees and travel for one activity in one month."""

    __tablename__ = "fee_claims"

    payee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    month: Mapped[date] = mapped_column(index=True)
    """First day of the month of the work."""
    cost_centre: Mapped[str] = mapped_column(String(40), index=True)
    state: Mapped[str] = mapped_column(String(12), default=ClaimState.DRAFT, index=True)
    total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    return_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    checked_at: Mapped[datetime | None]
    checked_by_id: Mapped[int | None] = reference_key("users")
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = reference_key("users")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("fee_payment_batches.id"), index=True)

    payee: Mapped[User] = relationship(foreign_keys=[payee_id], lazy="joined")
    activity: Mapped[Activity] = relationship(lazy="joined")
    batch: Mapped[PaymentBatch | None] = relationship(lazy="joined", viewonly=True)
    invoice: Mapped[FeeInvoice | None] = relationship(lazy="selectin", viewonly=True)
    items: Mapped[list[FeeClaimItem]] = owned_rows(
        "claim", order_by="FeeClaimItem.work_date, FeeClaimItem.id", lazy="select"
    )
    lines: Mapped[list[FeeClaimLine]] = owned_rows(
        "claim", order_by="FeeClaimLine.work_date, FeeClaimLine.id", lazy="select"
    )

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    __table_args__ = (
        Index("ix_fee_claims_payee_month", "payee_id", "month"),
        Index("ix_fee_claims_state_month_centre", "state", "month", "cost_centre"),
    )


class FeeClaimItem(IdMixin, Base):
    """One participation in a claim, with the travel the payee reported for it.

    ``participation_id`` is unique: a meeting or assignment is claimed once, ever.
    """

    __tablename__ = "fee_claim_items"

    claim_id: Mapped[int] = owner_key("fee_claims", index=True)
    participation_id: Mapped[int] = mapped_column(ForeignKey("participations.id"), unique=True)
    work_date: Mapped[date]
    kind: Mapped[str] = mapped_column(String(12))
    hours: Mapped[Decimal] = mapped_column(Hours())
    is_chair: Mapped[bool] = mapped_column(default=False)
    km: Mapped[Decimal] = mapped_column(Hours(), default=Decimal(0))
    route: Mapped[str] = mapped_column(String(300), default="")
    hours_away: Mapped[Decimal] = mapped_column(Hours(), default=Decimal(0))

    claim: Mapped[FeeClaim] = relationship(back_populates="items")
    participation: Mapped[Participation] = relationship()
    receipts: Mapped[list[FeeReceipt]] = owned_rows("item")

    @property
    def tickets_total(self) -> Decimal:
        return sum((receipt.amount for receipt in self.receipts), Decimal("0.00"))


class FeeReceipt(IdMixin, Base):
    """A public transport ticket: its amount and the uploaded receipt file."""

    __tablename__ = "fee_receipts"

    item_id: Mapped[int] = owner_key("fee_claim_items", index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[FeeClaimItem] = relationship(back_populates="receipts")


class FeeClaimLine(IdMixin, Base):
    """A payable line: ``amount == round_cents(quantity * unit_price)``.

    ``(participation_id, code)`` is unique, so no fee component is claimed twice.
    """

    __tablename__ = "fee_claim_lines"

    claim_id: Mapped[int] = owner_key("fee_claims", index=True)
    participation_id: Mapped[int] = mapped_column(ForeignKey("participations.id"))
    code: Mapped[str] = mapped_column(String(30))
    work_date: Mapped[date] = mapped_column(index=True)
    quantity: Mapped[Decimal] = mapped_column(Hours())
    unit_price: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())
    taxable: Mapped[bool] = mapped_column(default=True)

    claim: Mapped[FeeClaim] = relationship(back_populates="lines")

    __table_args__ = (UniqueConstraint("participation_id", "code"),)


class PaymentBatch(IdMixin, Base):
    """Approved claims of one month and cost centre, handed to payroll and accounts payable."""

    __tablename__ = "fee_payment_batches"

    month: Mapped[date] = mapped_column(index=True)
    cost_centre: Mapped[str] = mapped_column(String(40), index=True)
    total: Mapped[Decimal] = mapped_column(Money())
    created_by_id: Mapped[int | None] = reference_key("users")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    payroll_exported_at: Mapped[datetime | None]

    claims: Mapped[list[FeeClaim]] = relationship(order_by="FeeClaim.id", viewonly=True)
    invoices: Mapped[list[FeeInvoice]] = relationship(
        back_populates="batch", order_by="FeeInvoice.id"
    )


class PaymentBatchLine(IdMixin, Base):
    """A claim line in a batch; the unique line id means a line is paid exactly once."""

    __tablename__ = "fee_payment_batch_lines"

    batch_id: Mapped[int] = owner_key("fee_payment_batches", index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("fee_claim_lines.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money())


class FeeInvoice(IdMixin, Base):
    """The invoice of an organisation payee's claim in a batch, with its payment reference."""

    __tablename__ = "fee_invoices"

    batch_id: Mapped[int] = owner_key("fee_payment_batches", index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("fee_claims.id"), unique=True)
    reference: Mapped[str] = mapped_column(String(25), default="")
    invoice_date: Mapped[date]
    due_date: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money())

    batch: Mapped[PaymentBatch] = relationship(back_populates="invoices")
    claim: Mapped[FeeClaim] = relationship(lazy="joined")

    @property
    def number(self) -> str:
        return f"{self.invoice_date.year}-{self.id:06d}"
