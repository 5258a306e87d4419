"""Helpers for the `/lead` and `/pipeline` end-to-end tests: seed leads, read replies, click buttons."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import func, select

from bot.models import Lead, Notification
from bot.slack.sender import deliver
from tests import support
from tests.e2e.live import REP, Live
from tests.seeding import seed_lead
from tests.slackkit import block_actions_payload


def seed(
    live: Live, company: str, *, owner: str = REP, value: str | None = "1000", **options
) -> int:
    """Create a lead straight through the service, as if its owner had added it."""
    return seed_lead(live.deps, company, owner=owner, value=value, **options)


def lead(live: Live, lead_id: int) -> Lead:
    with live.deps.session_factory() as session:
        found = session.get(Lead, lead_id)
        assert found is not None
        session.expunge(found)
        return found


def count_leads(live: Live) -> int:
    with live.deps.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Lead)) or 0


def notifications(live: Live) -> list[Notification]:
    with live.deps.session_factory() as session:
        rows = list(session.scalars(select(Notification).order_by(Notification.id)))
        session.expunge_all()
        return rows


def reply(live: Live) -> dict[str, Any]:
    """The latest private reply (a response_url post)."""
    return live.slack.responses()[-1].args


def strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON-like value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def shown(message: dict[str, Any]) -> str:
    """All the text a message shows, fallback and blocks, as one string."""
    return "\n".join(strings({"text": message.get("text"), "blocks": message.get("blocks")}))


def buttons(message: dict[str, Any], action_id: str) -> list[dict[str, Any]]:
    """The buttons with this action id, in block order."""
    found = []
    for block in message.get("blocks") or []:
        elements = block.get("elements") if block["type"] == "actions" else [block.get("accessory")]
        found += [e for e in elements or [] if e and e.get("action_id") == action_id]
    return found


def click(
    live: Live,
    button: dict[str, Any],
    *,
    user_id: str = REP,
    channel_id: str = "C0001",
    message_ts: str | None = None,
    container: str = "message",
    view: dict[str, Any] | None = None,
) -> str | None:
    """Click a button as Slack sends it; returns the response_url it came with (None from a view)."""
    url = None
    if container == "message":
        url = live.slack.new_response_url(
            channel_id=channel_id, user_id=user_id, message_ts=message_ts
        )
    payload = block_actions_payload(
        user_id=user_id,
        action_id=button["action_id"],
        value=button.get("value"),
        channel_id=channel_id,
        message_ts=message_ts,
        response_url=url,
        trigger_id=live.slack.issue_trigger_id(),
        container=container,
        view=view,
    )
    assert live.interact(payload).status == 200
    return url


def deliver_outbox(live: Live) -> None:
    """Send what the outbox holds to the fake Slack, as the sender would."""
    client = WebClient(token=support.BOT_TOKEN, base_url=live.slack.base_url)
    deps = dataclasses.replace(live.deps, slack=client)
    deliver(deps, owner="e2e-test", sleep=lambda seconds: None)
