"""the roster, a rep's own settings, and folded text for search

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-21 09:00:00.000000
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_BATCH = 2000


_LETTER_FOLDS = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)


def _fold(text: str) -> str:
    """bot.domain.leads.search_fold as it was when this revision was written."""
    decomposed = unicodedata.normalize("NFKD", text.casefold()).translate(_LETTER_FOLDS)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def _lead_text(company, contact, email, phone, source) -> str:  # type: ignore[no-untyped-def]
    """bot.domain.leads.lead_search_text as it was when this revision was written."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    fields = (company, contact, email, phone, digits, source)
    return "\n".join(_fold(field) for field in fields if field)


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN on both databases: SQLite's batch mode would copy `reps`,
    # and a copy cannot replace a table that other rows point at.
    op.add_column(
        "reps", sa.Column("in_reps_group", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("reps", sa.Column("own_plan_time", sa.String(length=5), nullable=True))
    op.add_column("reps", sa.Column("own_working_days", sa.String(length=32), nullable=True))
    op.add_column("reps", sa.Column("away_until", sa.Date(), nullable=True))
    op.add_column("reps", sa.Column("away_delegate", sa.String(length=32), nullable=True))
    op.add_column("reps", sa.Column("muted", sa.String(length=200), nullable=True))
    op.add_column("leads", sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    op.add_column(
        "touchpoints", sa.Column("search_text", sa.Text(), nullable=False, server_default="")
    )

    bind = op.get_bind()
    leads = sa.table(
        "leads",
        sa.column("id", sa.Integer),
        sa.column("company", sa.String),
        sa.column("contact", sa.String),
        sa.column("email", sa.String),
        sa.column("phone", sa.String),
        sa.column("source", sa.String),
        sa.column("search_text", sa.Text),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(leads.c.id, leads.c.company, leads.c.contact, leads.c.email,
                      leads.c.phone, leads.c.source)
            .where(leads.c.id > last).order_by(leads.c.id).limit(_BATCH)
        ).all()  # fmt: skip
        if not rows:
            break
        bind.execute(
            leads.update().where(leads.c.id == sa.bindparam("lead_id")),
            [{"lead_id": row[0], "search_text": _lead_text(*row[1:])} for row in rows],
        )
        last = rows[-1][0]

    touches = sa.table(
        "touchpoints",
        sa.column("id", sa.Integer),
        sa.column("note", sa.Text),
        sa.column("search_text", sa.Text),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(touches.c.id, touches.c.note)
            .where(touches.c.id > last, touches.c.note != "")
            .order_by(touches.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            touches.update().where(touches.c.id == sa.bindparam("touch_id")),
            [{"touch_id": row[0], "search_text": _fold(row[1] or "")} for row in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("touchpoints", schema=None) as batch_op:
        batch_op.drop_column("search_text")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("search_text")
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.drop_column("muted")
        batch_op.drop_column("away_delegate")
        batch_op.drop_column("away_until")
        batch_op.drop_column("own_working_days")
        batch_op.drop_column("own_plan_time")
        batch_op.drop_column("in_reps_group")
