"""Revision 0011 packs the outbox's messages: those stored before read back the same, both ways."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.migrate import current_revision, upgrade
from bot.models import Notification
from bot.services.outbox import enqueue
from bot.slack.kit import SlackMessage
from tests.test_migration_compression import _store
from tests.test_migration_managers import _downgrade

NOW = datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
MESSAGE = {
    "text": "Ünïcode — “quotes” & <tags> 👍🏽",
    "blocks": [{"block_id": f"plan_lead_{i}", "text": f"Lead {i}"} for i in range(200)],
}


def _payloads(engine: Engine) -> dict[str, object]:
    with engine.connect() as connection:
        rows = connection.execute(select(Notification.idempotency_key, Notification.payload))
        return {key: payload for key, payload in rows}


def _stored_as_json(engine: Engine) -> dict[str, object]:
    """Each payload as 0010's JSON column reads it."""
    with engine.connect() as connection:
        return {
            key: (json.loads(payload) if isinstance(payload, str) else payload)
            for key, payload in connection.execute(
                sa.text("SELECT idempotency_key, payload FROM notifications")
            )
        }


def test_messages_stored_before_packing_read_back_the_same_both_ways(engine: Engine) -> None:
    upgrade(engine)
    _downgrade(engine, "0010")
    _store(engine, "before", MESSAGE)

    upgrade(engine)
    assert current_revision(engine) == "0011"
    with Session(engine) as session, session.begin():
        enqueue(
            session,
            key="after",
            kind="plan",
            recipient="U1",
            message=SlackMessage(MESSAGE["text"], blocks=MESSAGE["blocks"]),
            now=NOW,
        )
    assert _payloads(engine) == {"before": MESSAGE, "after": MESSAGE}

    _downgrade(engine, "0010")
    assert _stored_as_json(engine) == {"before": MESSAGE, "after": MESSAGE}

    upgrade(engine)
    assert _payloads(engine) == {"before": MESSAGE, "after": MESSAGE}
