"""Small helpers shared by the delivery tests."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from bot.deps import Deps
from bot.models import Notification
from bot.services.outbox import PRIORITY_DIGEST, enqueue
from bot.slack.kit import SlackMessage
from tests.fakeslack import FakeSlack


def add(
    deps: Deps, key: str, recipient: str, text: str = "hello", *, priority: int = PRIORITY_DIGEST
) -> bool:
    """Enqueue one message in its own transaction."""
    with deps.session_factory.begin() as session:
        return enqueue(
            session,
            key=key,
            kind="test",
            recipient=recipient,
            message=SlackMessage(text),
            now=deps.clock.now(),
            priority=priority,
        )


def rows(deps: Deps) -> dict[str, Notification]:
    """Every notification by idempotency key."""
    with deps.session_factory() as session:
        return {n.idempotency_key: n for n in session.scalars(select(Notification))}


def posted_keys(fake: FakeSlack) -> Counter[str]:
    """How many chat.postMessage calls the fake accepted per idempotency key (a dropped answer still counts)."""
    accepted = [
        c
        for c in fake.calls("chat.postMessage")
        if (c.ok or c.status == 0) and c.args.get("metadata")
    ]
    return Counter(_key(call.args) for call in accepted)


def stored_keys(fake: FakeSlack, channels: list[str]) -> Counter[str]:
    """How many messages the fake workspace holds per idempotency key, across these conversations."""
    keys: Counter[str] = Counter()
    for channel in channels:
        for message in fake.channel_messages(channel):
            metadata = message.get("metadata") or {}
            keys[str(metadata.get("event_payload", {}).get("key"))] += 1
    return keys


def _key(args: dict[str, Any]) -> str:
    return str((args.get("metadata") or {}).get("event_payload", {}).get("key"))
