"""Panels and deliberation on the task queue: draw heartbeats, one draw per panel, no leases

Panel draw jobs get a heartbeat and an attempt counter; a partial unique index admits one
full draw under way or done per panel. Opinion-map recomputes are serialised by the task
queue's lock, so the lease columns of ``deliberation_results`` go.

Revision ID: 5b1e9d2c7a40
Revises: f6caac822b74
Create Date: 2026-12-02 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.core.db

revision: str = "5b1e9d2c7a40"
down_revision: str | Sequence[str] | None = "f6caac822b74"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_DRAW_CONDITION = "kind = 'draw' AND status IN ('queued', 'running', 'done')"


def upgrade() -> None:
    with op.batch_alter_table("panel_draw_jobs") as batch_op:
        batch_op.add_column(
            sa.Column("heartbeat_at", portal.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("attempt", sa.Integer(), server_default="0", nullable=False))
    # Older duplicates (from before the rule was enforced) would block the index: keep the
    # newest draw under way or done per panel and mark the others failed.
    op.execute(
        "UPDATE panel_draws SET status = 'failed' WHERE kind = 'draw' "
        "AND status IN ('queued', 'running', 'done') AND id NOT IN ("
        "SELECT max(id) FROM panel_draws WHERE kind = 'draw' "
        "AND status IN ('queued', 'running', 'done') GROUP BY panel_id)"
    )
    op.create_index(
        "uq_panel_draws_one_per_panel",
        "panel_draws",
        ["panel_id"],
        unique=True,
        sqlite_where=sa.text(ONE_DRAW_CONDITION),
        postgresql_where=sa.text(ONE_DRAW_CONDITION),
    )
    with op.batch_alter_table("deliberation_results") as batch_op:
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("lease_until")


def downgrade() -> None:
    with op.batch_alter_table("deliberation_results") as batch_op:
        batch_op.add_column(
            sa.Column("lease_owner", sa.String(length=80), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("lease_until", portal.core.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.drop_index("uq_panel_draws_one_per_panel", table_name="panel_draws")
    with op.batch_alter_table("panel_draw_jobs") as batch_op:
        batch_op.drop_column("attempt")
        batch_op.drop_column("heartbeat_at")
