"""lead_external_ids: the client ids that make `POST /api/leads` idempotent

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-15 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lead_external_ids",
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("touch_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_lead_external_ids_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("external_id", name=op.f("pk_lead_external_ids")),
    )
    with op.batch_alter_table("lead_external_ids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_external_ids_lead_id"), ["lead_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lead_external_ids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_external_ids_lead_id"))
    op.drop_table("lead_external_ids")
