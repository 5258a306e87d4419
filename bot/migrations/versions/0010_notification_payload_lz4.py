"""notification_payload_lz4: stored messages are compressed with lz4 on PostgreSQL

A morning plan is tens of kilobytes of JSON, and the server compresses every one it stores: with
pglz, the default, that took about a quarter of a second per 250 messages a tick queues; lz4 does
it in about half the time. Only where the server has it (PostgreSQL 14 and later, built with
lz4); elsewhere, and on SQLite, nothing changes. Rows already stored keep their compression.

Revision ID: 0010
Revises: 0009
Create Date: 2027-01-05 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def _compression_setting(*, lz4: bool) -> bool:
    """Whether this is PostgreSQL with per-column compression, and lz4 among its methods if asked."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    found = bind.execute(
        sa.text(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'"
            + (" AND 'lz4' = ANY(enumvals)" if lz4 else "")
        )
    ).first()
    return found is not None


def upgrade() -> None:
    if _compression_setting(lz4=True):
        op.execute("ALTER TABLE notifications ALTER COLUMN payload SET COMPRESSION lz4")


def downgrade() -> None:
    if _compression_setting(lz4=False):
        op.execute("ALTER TABLE notifications ALTER COLUMN payload SET COMPRESSION DEFAULT")
