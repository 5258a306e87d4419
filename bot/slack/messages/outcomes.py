"""What a message shows once someone acted on it: the lead's buttons give way to one line saying so."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.slack.kit import MESSAGE_BLOCKS_MAX, SECTION_TEXT_MAX
from bot.slack.mrkdwn import escape, mention, truncate

# How a logged touch reads after "Logged"; other kinds take "a": a call, a demo, a note.
TOUCH_WORDS = {"email": "an email", "linkedin": "a LinkedIn message", "other": "a touch"}


def on_day(value: date, *, today: date) -> str:
    """A date that stays true in a message read later: `Fri 4 Dec`, with the year when not this one."""
    text = f"{value:%a} {value.day} {value:%b}"
    return text if value.year == today.year else f"{text} {value.year}"


def snoozed_line(*, until: date, user_id: str, today: date) -> str:
    return f":white_check_mark: Snoozed until {on_day(until, today=today)} by {mention(user_id)}"


def kept_line(*, until: date, user_id: str, today: date) -> str:
    return (
        f":white_check_mark: Kept by {mention(user_id)}: the cleanup leaves it alone until"
        f" {on_day(until, today=today)}; its follow-up and snooze are unchanged"
    )


def next_step_line(*, on: date | None, user_id: str, today: date) -> str:
    if on is None:
        return f":white_check_mark: No next step planned, by {mention(user_id)}"
    return f":white_check_mark: Next step {on_day(on, today=today)}, set by {mention(user_id)}"


def close_date_line(*, on: date | None, user_id: str, today: date) -> str:
    if on is None:
        return f":white_check_mark: Expected close date cleared by {mention(user_id)}"
    return (
        f":white_check_mark: Expected to close {on_day(on, today=today)}, set by {mention(user_id)}"
    )


def moved_line(*, stage_name: str, user_id: str) -> str:
    return f":white_check_mark: Moved to *{escape(stage_name)}* by {mention(user_id)}"


def won_line(*, user_id: str) -> str:
    return f":trophy: Marked won by {mention(user_id)}"


def lost_line(*, reason: str | None, user_id: str) -> str:
    because = f" ({truncate(escape(reason), 200)})" if reason else ""
    return f":white_check_mark: Marked lost{because} by {mention(user_id)}"


def reopened_line(*, stage_name: str, user_id: str) -> str:
    return (
        f":leftwards_arrow_with_hook: Reopened, back in {escape(stage_name)}, by {mention(user_id)}"
    )


def archived_line(*, user_id: str) -> str:
    return f":white_check_mark: Archived by {mention(user_id)}"


def touch_words(kind: str) -> str:
    """A touch kind as a phrase: `a call`, `an email`, `a touch` (for `other`)."""
    return TOUCH_WORDS.get(kind, f"a {escape(kind)}")


def logged_line(*, kind: str, user_id: str) -> str:
    return f":white_check_mark: Logged {touch_words(kind)} by {mention(user_id)}"


def _context(block_id: str, line: str) -> dict[str, Any]:
    return {
        "type": "context",
        "block_id": block_id,
        "elements": [{"type": "mrkdwn", "text": line}],
    }


def build_outcome_blocks(line: str, *, block_id: str = "outcome") -> list[dict[str, Any]]:
    """A message that is only the outcome line, for when the original blocks are not at hand."""
    return [_context(block_id, line)]


def build_acted_message(
    message: Mapping[str, Any], *, block_id: str | None, line: str
) -> tuple[str, list[dict[str, Any]]]:
    """The text and blocks of a message someone acted on; only the line when its blocks are unknown."""
    blocks = message.get("blocks")
    if blocks:
        acted = build_acted_message_blocks(blocks, block_id=block_id, line=line)
    else:
        acted = build_outcome_blocks(line)
    return "\n".join(part for part in (message.get("text"), line) if part), acted


def build_acted_message_blocks(
    blocks: Sequence[dict[str, Any]], *, block_id: str | None, line: str
) -> list[dict[str, Any]]:
    """The message's blocks with the acted-on block's controls replaced by `line`; the rest kept.

    An actions block becomes a context line; a section loses its accessory and gains the line.
    When the block is not found the line is added at the end (or replaces the last block, at the
    50-block limit), so the user always sees that the click worked.
    """
    result: list[dict[str, Any]] = []
    found = False
    for block in blocks:
        if block_id is None or block.get("block_id") != block_id:
            result.append(copy.deepcopy(block))
            continue
        found = True
        if block.get("type") == "section" and "accessory" in block:
            result.append(_without_accessory(block, line))
        else:
            result.append(_context(block_id, line))
    if not found:
        if len(result) >= MESSAGE_BLOCKS_MAX:
            result = result[: MESSAGE_BLOCKS_MAX - 1]
        result.append(_context(_free_block_id(result), line))
    return result


def _without_accessory(block: dict[str, Any], line: str) -> dict[str, Any]:
    section = {key: copy.deepcopy(value) for key, value in block.items() if key != "accessory"}
    text = section.get("text")
    if isinstance(text, dict):
        # Text Slack echoes back is already entity-encoded, so it is safe to keep as mrkdwn.
        joined = f"{text.get('text', '')}\n{line}"
        section["text"] = {"type": "mrkdwn", "text": truncate(joined, SECTION_TEXT_MAX)}
    else:
        section["fields"] = [*section.get("fields", [])[:9], {"type": "mrkdwn", "text": line}]
    return section


def _free_block_id(blocks: Sequence[dict[str, Any]]) -> str:
    taken = {block.get("block_id") for block in blocks}
    serial = 1
    while f"outcome_{serial}" in taken:
        serial += 1
    return f"outcome_{serial}"
