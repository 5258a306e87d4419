"""leads.qualification_verdict: the checklist's verdict, stored so time sunk can find weak fits

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-22 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.domain.qualification import verdict

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("qualification_verdict", sa.String(length=32), nullable=True))
    # Leads qualified before the column existed get the verdict of their stored answers.
    leads = sa.table(
        "leads",
        sa.column("id", sa.Integer),
        sa.column("qualification", sa.JSON),
        sa.column("qualification_verdict", sa.String),
    )
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(leads.c.id, leads.c.qualification)
            .where(leads.c.qualification.is_not(None), leads.c.id > last_id)
            .order_by(leads.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for lead_id, answers in rows:
            if isinstance(answers, dict):
                connection.execute(
                    sa.update(leads)
                    .where(leads.c.id == lead_id)
                    .values(qualification_verdict=verdict(answers))
                )
        last_id = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("qualification_verdict")
