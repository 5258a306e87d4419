"""The shared kit of every Slack surface: one shape for a message, Slack's limits, small builders.

Every builder in `bot.slack.messages`, the Home and the modals take their limits and helpers from
here, so a limit is named once and a mention, a clip or a money label reads the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.domain.rhythm import Money, Snapshot
from bot.slack import format as fmt
from bot.slack.mrkdwn import escape, mention, truncate

# Slack's limits (https://api.slack.com/reference/block-kit): blocks in a message and in a view,
# characters of a section's text, a header, an option's text, a modal's title, a button's value
# and a view's private_metadata.
MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
SECTION_TEXT_MAX = 3000
HEADER_TEXT_MAX = 150
OPTION_TEXT_MAX = 75
MODAL_TITLE_MAX = 24
BUTTON_VALUE_MAX = 2000
METADATA_MAX = 3000
ACCESSIBILITY_LABEL_MAX = 75


@dataclass(frozen=True)
class SlackMessage:
    """A message before it is sent: the mrkdwn `text` fallback (notifications, screen readers) and its blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        """What `chat.postMessage` gets besides the channel (and what the outbox stores)."""
        data: dict[str, Any] = {"text": self.text}
        if self.blocks:
            data["blocks"] = self.blocks
        return data

    def in_ack(self) -> dict[str, Any]:
        """The message as the body of a command's ack: shown to its user alone, where they typed it,
        as a reply to the response_url would be (the fields and order of Bolt's `ack()`)."""
        data: dict[str, Any] = {"text": self.text, "response_type": "ephemeral"}
        if self.blocks:
            data["blocks"] = self.blocks
        return data


def to_dicts(blocks: Sequence[Block | dict[str, Any]]) -> list[dict[str, Any]]:
    """Blocks as Slack takes them; blocks already built as plain dicts pass through unchanged."""
    return [block if isinstance(block, dict) else block.to_dict() for block in blocks]


def section(text: str, *, block_id: str | None = None, accessory: Any = None) -> SectionBlock:
    """A mrkdwn section, cut to Slack's limit."""
    return SectionBlock(
        block_id=block_id,
        text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX)),
        accessory=accessory,
    )


def context(text: str, *, block_id: str | None = None) -> ContextBlock:
    """A small grey mrkdwn line, cut to Slack's limit."""
    return ContextBlock(
        block_id=block_id, elements=[MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX))]
    )


def section_dict(text: str, *, block_id: str | None = None) -> dict[str, Any]:
    """`section()` as the dict it sends, built directly: for hot paths, where slack_sdk's model
    objects (validation and `to_dict()`) cost more than the rest of the reply."""
    block: dict[str, Any] = {"block_id": block_id} if block_id is not None else {}
    block["text"] = {"text": truncate(text, SECTION_TEXT_MAX), "type": "mrkdwn"}
    block["type"] = "section"
    return block


def context_dict(text: str) -> dict[str, Any]:
    """`context()` as the dict it sends, built directly (see `section_dict`)."""
    return {
        "elements": [{"text": truncate(text, SECTION_TEXT_MAX), "type": "mrkdwn"}],
        "type": "context",
    }


def button_dict(
    text: str, *, action_id: str, value: str, accessibility_label: str | None = None
) -> dict[str, Any]:
    """A plain button as the dict slack_sdk's `ButtonElement` sends (see `section_dict`)."""
    element: dict[str, Any] = {
        "action_id": action_id,
        "text": {"emoji": True, "text": text, "type": "plain_text"},
        "type": "button",
        "value": value,
    }
    if accessibility_label is not None:
        element["accessibility_label"] = accessibility_label
    return element


def who(user_id: str | None) -> str:
    """A mention for a Slack user id we stored; anything that is not an id is shown escaped."""
    if not user_id:
        return "someone"
    try:
        return mention(user_id)
    except ValueError:
        return escape(user_id)


def clip(text: str, limit: int) -> str:
    """Shorten plain user text before it is escaped."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def lead_label(lead_id: int, company: str, *, limit: int = 40) -> str:
    """`#42 Acme Corp` for labels screen readers speak: the company cut to `limit` and escaped
    like any user text in a plain-text field (Slack decodes the entities)."""
    return f"#{lead_id} {escape(clip(' '.join(company.split()), limit))}"


def accessible(label: str) -> str:
    """A button's accessibility label within Slack's 75 characters (never cutting an entity)."""
    return truncate(label, ACCESSIBILITY_LABEL_MAX)


def duration_label(value: timedelta) -> str:
    """`45m`, `3h 20m`, `12h`: working time as people say it."""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes}m"
    return f"{hours}h {minutes}m" if minutes else f"{hours}h"


def touched_label(last_touch_at: datetime | None, now: datetime, zone: tzinfo | None = None) -> str:
    """`never`, `today`, `yesterday` or `3 days ago`, in the reader's calendar days (`zone`)."""
    if last_touch_at is None:
        return "never"
    days = fmt.calendar_days(last_touch_at, now, zone)
    if days == 0:
        return "today"
    return "yesterday" if days == 1 else f"{days} days ago"


def money_label(money: Money) -> str:
    """`$12.5k`, or `$12.5k + €3k` for a team selling in several currencies."""
    if not money.amounts:
        return fmt.money(None)
    return " + ".join(fmt.short_money(amount, currency) for currency, amount in money.amounts)


class Totals(Protocol):
    """Anything with a lead count and money totals: a snapshot or one of its stages, a board, a rep."""

    @property
    def count(self) -> int: ...
    @property
    def value(self) -> Money: ...
    @property
    def weighted(self) -> Money: ...


def totals_fields(totals: Totals) -> dict[str, Any]:
    """Count, value and weighted value as template values, the money as people say it."""
    return {
        "count": totals.count,
        "value": money_label(totals.value),
        "weighted": money_label(totals.weighted),
    }


def snapshot_fields(snapshot: Snapshot) -> dict[str, Any]:
    """A snapshot's totals and one row per stage, as template values."""
    rows = [{"name": row.name, **totals_fields(row)} for row in snapshot.rows]
    return {**totals_fields(snapshot), "rows": rows}


# Plain-dict Block Kit for the messages built thousands of times a tick (the jobs' DMs). Each
# helper returns exactly what slack_sdk's model's `to_dict()` returns, keys in the same (sorted)
# order, so a message is the same bytes whichever way it was built; the tests that pin the job
# messages check them against Slack's schema, the hot path does not.


def plain_text(text: str) -> dict[str, Any]:
    return {"emoji": True, "text": text, "type": "plain_text"}


def mrkdwn_text(text: str) -> dict[str, Any]:
    return {"text": text, "type": "mrkdwn"}


def section_block(text: str, *, block_id: str | None = None) -> dict[str, Any]:
    """`section(...)` as a plain dict: a mrkdwn section, cut to Slack's limit."""
    block: dict[str, Any] = {} if block_id is None else {"block_id": block_id}
    block["text"] = mrkdwn_text(truncate(text, SECTION_TEXT_MAX))
    block["type"] = "section"
    return block


def context_block(text: str, *, block_id: str | None = None) -> dict[str, Any]:
    """`context(...)` as a plain dict: a small grey mrkdwn line, cut to Slack's limit."""
    block: dict[str, Any] = {} if block_id is None else {"block_id": block_id}
    block["elements"] = [mrkdwn_text(truncate(text, SECTION_TEXT_MAX))]
    block["type"] = "context"
    return block


def header_block(text: str) -> dict[str, Any]:
    return {"text": plain_text(text), "type": "header"}


def divider_block() -> dict[str, Any]:
    return {"type": "divider"}


def actions_block(block_id: str, elements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"block_id": block_id, "elements": elements, "type": "actions"}


def button(text: str, *, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"action_id": action_id}
    if style is not None:
        element["style"] = style
    element.update(text=plain_text(text), type="button", value=value)
    return element


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain_text(text), "value": value}


def static_select(
    placeholder: str, *, action_id: str, options: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "action_id": action_id,
        "options": options,
        "placeholder": plain_text(placeholder),
        "type": "static_select",
    }
