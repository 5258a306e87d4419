"""The notification outbox: a message is recorded under its idempotency key before it is sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.models import Notification

PRIORITY_ALERT = 1
PRIORITY_DIRECT = 3
PRIORITY_DIGEST = 5


@dataclass(frozen=True)
class Message:
    """What to post: mrkdwn fallback text, blocks, and where."""

    recipient: str
    text: str
    blocks: list[dict[str, Any]] | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text}
        if self.blocks:
            data["blocks"] = self.blocks
        return data


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    message: Message,
    now: datetime,
    priority: int = PRIORITY_DIGEST,
    not_before: datetime | None = None,
) -> bool:
    """Record a message once per `key`; False when that key was already recorded (nothing changes)."""
    values = {
        "idempotency_key": key[:255],
        "kind": kind,
        "recipient": message.recipient,
        "priority": priority,
        "payload": message.payload(),
        "status": "pending",
        "attempts": 0,
        "not_before": not_before or now,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = pg_insert(Notification).values(**values).on_conflict_do_nothing(
            index_elements=["idempotency_key"]
        )
    elif dialect == "sqlite":
        statement = sqlite_insert(Notification).values(**values).on_conflict_do_nothing(
            index_elements=["idempotency_key"]
        )
    else:
        statement = insert(Notification).values(**values)
    result = session.execute(statement)
    return bool(result.rowcount)
