"""leads.lost_category, alert_conditions and date indexes, for the managers' channel

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

    # The managers' figures read moves, touches, new leads and snoozes by date across all leads;
    # the indexes on a lead's moves and touches now also order them (same leading column).
    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stage_changes_changed_at",
            ["changed_at", "to_stage", "lead_id", "from_stage"],
            unique=False,
        )
        batch_op.create_index(
            "ix_stage_changes_lead_history",
            ["lead_id", "changed_at", "id", "from_stage", "to_stage"],
            unique=False,
        )
        batch_op.drop_index("ix_stage_changes_lead_id")
    with op.batch_alter_table("touchpoints", schema=None) as batch_op:
        batch_op.create_index(
            "ix_touchpoints_occurred_at",
            ["occurred_at", "lead_id", "author_id", "kind"],
            unique=False,
        )
        batch_op.create_index(
            "ix_touchpoints_lead_time", ["lead_id", "occurred_at", "kind"], unique=False
        )
        batch_op.drop_index("ix_touchpoints_lead_id")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index("ix_leads_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_leads_owner_created", ["owner_id", "created_at"], unique=False)
    with op.batch_alter_table("lead_events", schema=None) as batch_op:
        batch_op.create_index("ix_lead_events_kind_at", ["kind", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lead_events", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_events_kind_at")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_owner_created")
        batch_op.drop_index("ix_leads_created_at")
    with op.batch_alter_table("touchpoints", schema=None) as batch_op:
        batch_op.create_index("ix_touchpoints_lead_id", ["lead_id"], unique=False)
        batch_op.drop_index("ix_touchpoints_lead_time")
        batch_op.drop_index("ix_touchpoints_occurred_at")
    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.create_index("ix_stage_changes_lead_id", ["lead_id"], unique=False)
        batch_op.drop_index("ix_stage_changes_lead_history")
        batch_op.drop_index("ix_stage_changes_changed_at")
    op.drop_table("alert_conditions")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("lost_category")
