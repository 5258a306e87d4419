"""api_touch_keys: a retried `POST /api/touches` with the same Idempotency-Key logs nothing twice

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-29 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_touch_keys",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("touch_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["touch_id"],
            ["touchpoints.id"],
            name=op.f("fk_api_touch_keys_touch_id_touchpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_api_touch_keys")),
    )
    with op.batch_alter_table("api_touch_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_touch_keys_touch_id"), ["touch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_touch_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_touch_keys_touch_id"))
    op.drop_table("api_touch_keys")
