"""notification_payload_packed: stored messages are compressed with Zstandard, on both databases

A morning plan is 54 kB of JSON and a tick queues 5,000 of them: written as text, those 270 MB
were a fifth of the tick. The column becomes binary and holds each message's JSON text
compressed (`bot.stored_json.PackedJSON`), 18 MB a tick. Messages stored before keep their plain
text, as bytes, and read back the same; PostgreSQL no longer compresses the column itself.

Revision ID: 0011
Revises: 0010
Create Date: 2027-01-12 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import zstandard
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# How a compressed payload starts (a Zstandard frame).
_FRAME_MAGIC = b"\x28\xb5\x2f\xfd"
# Payloads unpacked at once on the way down: a morning plan is tens of kilobytes.
_BATCH = 500


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE notifications ALTER COLUMN payload TYPE bytea "
            "USING convert_to(payload::text, 'UTF8')"
        )
        # Compressed already: the server would only try again and fail.
        op.execute("ALTER TABLE notifications ALTER COLUMN payload SET STORAGE EXTERNAL")
        return
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.alter_column(
            "payload", existing_type=sa.JSON(), type_=sa.LargeBinary(), existing_nullable=False
        )
    op.execute(
        "UPDATE notifications SET payload = CAST(payload AS BLOB) WHERE typeof(payload) = 'text'"
    )


def downgrade() -> None:
    _unpack_stored_payloads()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE notifications ALTER COLUMN payload TYPE json "
            "USING convert_from(payload, 'UTF8')::json"
        )
        op.execute("ALTER TABLE notifications ALTER COLUMN payload SET STORAGE EXTENDED")
        # As revision 0010 left it: the type's change set the column's compression back.
        lz4 = op.get_bind().execute(
            sa.text(
                "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
                "AND 'lz4' = ANY(enumvals)"
            )
        )
        if lz4.first() is not None:
            op.execute("ALTER TABLE notifications ALTER COLUMN payload SET COMPRESSION lz4")
        return
    op.execute(
        "UPDATE notifications SET payload = CAST(payload AS TEXT) WHERE typeof(payload) = 'blob'"
    )
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.alter_column(
            "payload", existing_type=sa.LargeBinary(), type_=sa.JSON(), existing_nullable=False
        )


def _unpack_stored_payloads() -> None:
    """Every compressed payload back to its JSON text's bytes, a batch of rows at a time."""
    bind = op.get_bind()
    notifications = sa.table(
        "notifications", sa.column("id", sa.Integer), sa.column("payload", sa.LargeBinary)
    )
    unpack = zstandard.ZstdDecompressor().decompress
    after = 0
    while True:
        rows = bind.execute(
            sa.select(notifications.c.id, notifications.c.payload)
            .where(notifications.c.id > after)
            .order_by(notifications.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        unpacked = [
            {"row_id": row_id, "text": unpack(bytes(payload))}
            for row_id, payload in rows
            if bytes(payload).startswith(_FRAME_MAGIC)
        ]
        if unpacked:
            bind.execute(
                notifications.update()
                .where(notifications.c.id == sa.bindparam("row_id"))
                .values(payload=sa.bindparam("text")),
                unpacked,
            )
        after = rows[-1][0]
