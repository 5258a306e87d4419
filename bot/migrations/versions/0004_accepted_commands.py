"""accepted_commands: slash commands acknowledged but not yet answered

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accepted_commands",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("command", sa.String(length=32), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("response_url", sa.String(length=500), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accepted_commands")),
    )
    with op.batch_alter_table("accepted_commands", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accepted_commands_received_at"), ["received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("accepted_commands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accepted_commands_received_at"))
    op.drop_table("accepted_commands")
