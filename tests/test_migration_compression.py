"""Revision 0010 has PostgreSQL compress messages with lz4 where it can (until 0011 packs them)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Engine

from bot.migrate import current_revision, upgrade
from tests.test_migration_managers import _downgrade

NOW = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)


def _column_compression(engine: Engine) -> str:
    with engine.connect() as connection:
        return connection.execute(
            sa.text(
                "SELECT attcompression::text FROM pg_attribute "
                "WHERE attrelid = 'notifications'::regclass AND attname = 'payload'"
            )
        ).scalar_one()


def _has_lz4(engine: Engine) -> bool:
    with engine.connect() as connection:
        return (
            connection.execute(
                sa.text(
                    "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
                    "AND 'lz4' = ANY(enumvals)"
                )
            ).first()
            is not None
        )


def _store(engine: Engine, key: str, payload: object = None) -> None:
    """A message as revision 0010 stored it, in the JSON column."""
    if payload is None:
        # Varied enough that it is compressed rather than stored as it is, and big enough to be.
        payload = {
            "blocks": [
                {"block_id": f"row_{i}", "text": f"Lead {i * 7919 % 10007}"} for i in range(3000)
            ]
        }
    notifications = sa.table(
        "notifications",
        *(sa.column(name) for name in ("idempotency_key", "kind", "recipient", "priority",
                                       "status", "attempts", "not_before", "created_at")),
        sa.column("payload", sa.JSON),
    )  # fmt: skip
    with engine.begin() as connection:
        connection.execute(
            notifications.insert().values(
                idempotency_key=key, kind="plan", recipient="U1", priority=5, status="pending",
                attempts=0, not_before=NOW, created_at=NOW, payload=payload,
            )
        )  # fmt: skip


def _stored_compression(engine: Engine, key: str) -> str | None:
    with engine.connect() as connection:
        return connection.execute(
            sa.text(
                "SELECT pg_column_compression(payload) FROM notifications "
                "WHERE idempotency_key = :key"
            ),
            {"key": key},
        ).scalar_one()


def test_payloads_are_compressed_with_lz4_where_the_server_has_it(engine: Engine) -> None:
    upgrade(engine)
    _downgrade(engine, "0010")
    if engine.dialect.name != "postgresql":
        _downgrade(engine, "0009")
        assert current_revision(engine) == "0009"
        upgrade(engine, "0010")
        assert current_revision(engine) == "0010"
        upgrade(engine)  # the tests after this one share the database
        return
    lz4 = _has_lz4(engine)
    with engine.connect() as connection:
        default = connection.execute(sa.text("SHOW default_toast_compression")).scalar_one()
    assert _column_compression(engine) == ("l" if lz4 else "")
    _store(engine, "after")
    assert _stored_compression(engine, "after") == ("lz4" if lz4 else default)

    _downgrade(engine, "0009")
    assert _column_compression(engine) == ""
    _store(engine, "before")
    assert _stored_compression(engine, "before") == default
    assert _stored_compression(engine, "after") == ("lz4" if lz4 else default)

    upgrade(engine, "0010")
    assert _column_compression(engine) == ("l" if lz4 else "")
    upgrade(engine)  # the tests after this one share the database
