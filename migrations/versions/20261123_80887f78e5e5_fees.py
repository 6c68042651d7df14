"""Create the fees tables: schedules, travel rates, payees, claims, batches, invoices

Identity codes and IBANs are EncryptedText columns. Two unique constraints keep money from
being paid twice: fee_claim_lines (participation_id, code) and fee_payment_batch_lines
(line_id).

Revision ID: 80887f78e5e5
Revises: 8d58e4056713
Create Date: 2026-11-23 05:39:45.534621
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.core.db
import portal.core.encryption

revision: str = "80887f78e5e5"
down_revision: str | Sequence[str] | None = "8d58e4056713"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fee_schedules",
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("hourly_fee", portal.core.db.Money(), nullable=False),
        sa.Column("preparation_fee", portal.core.db.Money(), nullable=False),
        sa.Column("chair_extra", portal.core.db.Money(), nullable=False),
        sa.Column("part_day_over_hours", portal.core.db.Hours(), nullable=False),
        sa.Column("full_day_over_hours", portal.core.db.Hours(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_schedules")),
    )
    with op.batch_alter_table("fee_schedules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fee_schedules_valid_from"), ["valid_from"], unique=False
        )

    op.create_table(
        "fee_travel_rates",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("km_rate", portal.core.db.Money(), nullable=False),
        sa.Column("part_day_allowance", portal.core.db.Money(), nullable=False),
        sa.Column("full_day_allowance", portal.core.db.Money(), nullable=False),
        sa.Column("updated_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_travel_rates")),
        sa.UniqueConstraint("year", name=op.f("uq_fee_travel_rates_year")),
    )
    op.create_table(
        "fee_schedule_tiers",
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("up_to_hours", portal.core.db.Hours(), nullable=True),
        sa.Column("amount", portal.core.db.Money(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["fee_schedules.id"],
            name=op.f("fk_fee_schedule_tiers_schedule_id_fee_schedules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_schedule_tiers")),
    )
    with op.batch_alter_table("fee_schedule_tiers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fee_schedule_tiers_schedule_id"), ["schedule_id"], unique=False
        )

    op.create_table(
        "fee_activity_settings",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("cost_centre", sa.String(length=40), nullable=False),
        sa.Column("pays_preparation", sa.Boolean(), nullable=False),
        sa.Column("updated_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_fee_activity_settings_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_activity_settings")),
        sa.UniqueConstraint("activity_id", name=op.f("uq_fee_activity_settings_activity_id")),
    )
    op.create_table(
        "fee_payees",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("identity_code", portal.core.encryption.EncryptedText(), nullable=True),
        sa.Column("iban", portal.core.encryption.EncryptedText(), nullable=True),
        sa.Column("organisation_name", sa.String(length=200), nullable=False),
        sa.Column("business_id", sa.String(length=9), nullable=False),
        sa.Column("billing_address", sa.Text(), nullable=False),
        sa.Column("updated_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_fee_payees_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_payees")),
        sa.UniqueConstraint("user_id", name=op.f("uq_fee_payees_user_id")),
    )
    op.create_table(
        "fee_payment_batches",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("cost_centre", sa.String(length=40), nullable=False),
        sa.Column("total", portal.core.db.Money(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("payroll_exported_at", portal.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_fee_payment_batches_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_payment_batches")),
    )
    with op.batch_alter_table("fee_payment_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fee_payment_batches_cost_centre"), ["cost_centre"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fee_payment_batches_month"), ["month"], unique=False)

    op.create_table(
        "fee_claims",
        sa.Column("payee_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("cost_centre", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("total", portal.core.db.Money(), nullable=False),
        sa.Column("return_reason", sa.Text(), nullable=False),
        sa.Column("created_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", portal.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_at", portal.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", portal.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_fee_claims_activity_id_activities")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_fee_claims_approved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["fee_payment_batches.id"],
            name=op.f("fk_fee_claims_batch_id_fee_payment_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["checked_by_id"],
            ["users.id"],
            name=op.f("fk_fee_claims_checked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["payee_id"], ["users.id"], name=op.f("fk_fee_claims_payee_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_claims")),
    )
    with op.batch_alter_table("fee_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fee_claims_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fee_claims_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_fee_claims_cost_centre"), ["cost_centre"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fee_claims_month"), ["month"], unique=False)
        batch_op.create_index("ix_fee_claims_payee_month", ["payee_id", "month"], unique=False)
        batch_op.create_index(batch_op.f("ix_fee_claims_state"), ["state"], unique=False)
        batch_op.create_index(
            "ix_fee_claims_state_month_centre", ["state", "month", "cost_centre"], unique=False
        )

    op.create_table(
        "fee_claim_items",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("participation_id", sa.Integer(), nullable=False),
        sa.Column("work_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("hours", portal.core.db.Hours(), nullable=False),
        sa.Column("is_chair", sa.Boolean(), nullable=False),
        sa.Column("km", portal.core.db.Hours(), nullable=False),
        sa.Column("route", sa.String(length=300), nullable=False),
        sa.Column("hours_away", portal.core.db.Hours(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["fee_claims.id"],
            name=op.f("fk_fee_claim_items_claim_id_fee_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participation_id"],
            ["participations.id"],
            name=op.f("fk_fee_claim_items_participation_id_participations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_claim_items")),
        sa.UniqueConstraint("participation_id", name=op.f("uq_fee_claim_items_participation_id")),
    )
    with op.batch_alter_table("fee_claim_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_claim_items_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "fee_claim_lines",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("participation_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("work_date", sa.Date(), nullable=False),
        sa.Column("quantity", portal.core.db.Hours(), nullable=False),
        sa.Column("unit_price", portal.core.db.Money(), nullable=False),
        sa.Column("amount", portal.core.db.Money(), nullable=False),
        sa.Column("taxable", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["fee_claims.id"],
            name=op.f("fk_fee_claim_lines_claim_id_fee_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participation_id"],
            ["participations.id"],
            name=op.f("fk_fee_claim_lines_participation_id_participations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_claim_lines")),
        sa.UniqueConstraint(
            "participation_id", "code", name=op.f("uq_fee_claim_lines_participation_id_code")
        ),
    )
    with op.batch_alter_table("fee_claim_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_claim_lines_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_fee_claim_lines_work_date"), ["work_date"], unique=False
        )

    op.create_table(
        "fee_invoices",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=25), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", portal.core.db.Money(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["fee_payment_batches.id"],
            name=op.f("fk_fee_invoices_batch_id_fee_payment_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["fee_claims.id"], name=op.f("fk_fee_invoices_claim_id_fee_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_invoices")),
        sa.UniqueConstraint("claim_id", name=op.f("uq_fee_invoices_claim_id")),
    )
    with op.batch_alter_table("fee_invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_invoices_batch_id"), ["batch_id"], unique=False)

    op.create_table(
        "fee_payment_batch_lines",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("amount", portal.core.db.Money(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["fee_payment_batches.id"],
            name=op.f("fk_fee_payment_batch_lines_batch_id_fee_payment_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["fee_claim_lines.id"],
            name=op.f("fk_fee_payment_batch_lines_line_id_fee_claim_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_payment_batch_lines")),
        sa.UniqueConstraint("line_id", name=op.f("uq_fee_payment_batch_lines_line_id")),
    )
    with op.batch_alter_table("fee_payment_batch_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fee_payment_batch_lines_batch_id"), ["batch_id"], unique=False
        )

    op.create_table(
        "fee_receipts",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("amount", portal.core.db.Money(), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["fee_claim_items.id"],
            name=op.f("fk_fee_receipts_item_id_fee_claim_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_receipts")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_fee_receipts_stored_name")),
    )
    with op.batch_alter_table("fee_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_receipts_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fee_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_receipts_item_id"))

    op.drop_table("fee_receipts")
    with op.batch_alter_table("fee_payment_batch_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_payment_batch_lines_batch_id"))

    op.drop_table("fee_payment_batch_lines")
    with op.batch_alter_table("fee_invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_invoices_batch_id"))

    op.drop_table("fee_invoices")
    with op.batch_alter_table("fee_claim_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_claim_lines_work_date"))
        batch_op.drop_index(batch_op.f("ix_fee_claim_lines_claim_id"))

    op.drop_table("fee_claim_lines")
    with op.batch_alter_table("fee_claim_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_claim_items_claim_id"))

    op.drop_table("fee_claim_items")
    with op.batch_alter_table("fee_claims", schema=None) as batch_op:
        batch_op.drop_index("ix_fee_claims_state_month_centre")
        batch_op.drop_index(batch_op.f("ix_fee_claims_state"))
        batch_op.drop_index("ix_fee_claims_payee_month")
        batch_op.drop_index(batch_op.f("ix_fee_claims_month"))
        batch_op.drop_index(batch_op.f("ix_fee_claims_cost_centre"))
        batch_op.drop_index(batch_op.f("ix_fee_claims_batch_id"))
        batch_op.drop_index(batch_op.f("ix_fee_claims_activity_id"))

    op.drop_table("fee_claims")
    with op.batch_alter_table("fee_payment_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_payment_batches_month"))
        batch_op.drop_index(batch_op.f("ix_fee_payment_batches_cost_centre"))

    op.drop_table("fee_payment_batches")
    op.drop_table("fee_payees")
    op.drop_table("fee_activity_settings")
    with op.batch_alter_table("fee_schedule_tiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_schedule_tiers_schedule_id"))

    op.drop_table("fee_schedule_tiers")
    op.drop_table("fee_travel_rates")
    with op.batch_alter_table("fee_schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_schedules_valid_from"))

    op.drop_table("fee_schedules")
