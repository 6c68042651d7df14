"""Accounts: a per-user session version so that sessions can be revoked

Sign-in lockout moved to the rate-limit storage (per account and client address), so the
per-account failure columns go.

Revision ID: 5e55b0a1c0de
Revises: 5b1e9d2c7a40
Create Date: 2026-12-02 02:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.core.db

revision: str = "5e55b0a1c0de"
down_revision: str | Sequence[str] | None = "5b1e9d2c7a40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locked_until", portal.core.db.UTCDateTime(timezone=True)))
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.drop_column("session_version")
