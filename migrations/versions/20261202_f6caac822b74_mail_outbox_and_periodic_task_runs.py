"""Core: the transactional mail outbox and the once-per-period guard of periodic tasks

Revision ID: f6caac822b74
Revises: 8d043f0ce54b
Create Date: 2026-12-02 00:43:13.650120
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.core.db
import portal.core.encryption

revision: str = "f6caac822b74"
down_revision: str | Sequence[str] | None = "8d043f0ce54b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", portal.core.encryption.EncryptedText(), nullable=False),
        sa.Column("html_body", portal.core.encryption.EncryptedText(), nullable=False),
        sa.Column("attachments", portal.core.encryption.EncryptedText(), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", portal.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", portal.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mail_outbox_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mail_outbox_to_address"), ["to_address"], unique=False)

    op.create_table(
        "periodic_task_runs",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("period_start", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", portal.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_periodic_task_runs")),
        sa.UniqueConstraint(
            "name", "period_start", name=op.f("uq_periodic_task_runs_name_period_start")
        ),
    )


def downgrade() -> None:
    op.drop_table("periodic_task_runs")
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_outbox_to_address"))
        batch_op.drop_index("ix_mail_outbox_status_next_attempt_at")

    op.drop_table("mail_outbox")
