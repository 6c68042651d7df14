"""Swedish council texts and activity titles

Councils get a Swedish purpose and tasks, and activities a Swedish title, where the county
writes both languages; pages fall back to the Finnish text (marked with its language).

Revision ID: 3a7c1e5d9b20
Revises: 5e55b0a1c0de
Create Date: 2026-12-02 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3a7c1e5d9b20"
down_revision: str | Sequence[str] | None = "5e55b0a1c0de"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("councils") as batch_op:
        batch_op.add_column(sa.Column("purpose_sv", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("tasks_sv", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("activities") as batch_op:
        batch_op.add_column(
            sa.Column("title_sv", sa.String(length=300), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch_op:
        batch_op.drop_column("title_sv")
    with op.batch_alter_table("councils") as batch_op:
        batch_op.drop_column("tasks_sv")
        batch_op.drop_column("purpose_sv")
