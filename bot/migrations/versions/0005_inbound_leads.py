"""leads.inbound: speed to lead runs only for inbound leads

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-14 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# The default `team.inbound_sources` when this revision was written.
_INBOUND_SOURCES = ("website", "inbound", "webinar", "referral")


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("inbound", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    # Leads made before the flag: inbound when their source says so or someone else created them
    # for their first owner; never when they were imported.
    leads = sa.table(
        "leads",
        sa.column("id", sa.Integer),
        sa.column("source", sa.String),
        sa.column("created_by", sa.String),
        sa.column("created_at", sa.DateTime),
        sa.column("inbound", sa.Boolean),
    )
    events = sa.table(
        "lead_events",
        sa.column("lead_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("at", sa.DateTime),
    )
    imported = sa.exists().where(events.c.lead_id == leads.c.id, events.c.kind == "imported")
    assigned_at_creation = sa.exists().where(
        events.c.lead_id == leads.c.id,
        events.c.kind == "assigned",
        events.c.at == leads.c.created_at,
    )
    op.execute(
        leads.update()
        .where(
            ~imported,
            sa.or_(
                sa.func.lower(sa.func.trim(leads.c.source)).in_(_INBOUND_SOURCES),
                assigned_at_creation,
            ),
        )
        .values(inbound=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("inbound")
