"""leads.lost_category and alert_conditions, for the managers' channel

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lost_category", sa.String(length=16), nullable=True))

    # Leads lost before categories existed: the qualification form's reason is "unqualified".
    leads = sa.table(
        "leads",
        sa.column("status", sa.String),
        sa.column("lost_reason", sa.String),
        sa.column("lost_category", sa.String),
    )
    op.execute(
        leads.update()
        .where(leads.c.status == "lost")
        .values(
            lost_category=sa.case(
                (sa.func.lower(leads.c.lost_reason).like("%unqualified%"), "unqualified"),
                else_="other",
            )
        )
    )

    op.create_table(
        "alert_conditions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("last_posted_on", sa.Date(), nullable=False),
        sa.Column("last_value", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("cleared_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_conditions")),
        sa.UniqueConstraint("kind", "scope", name=op.f("uq_alert_conditions_kind")),
    )


def downgrade() -> None:
    op.drop_table("alert_conditions")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("lost_category")
