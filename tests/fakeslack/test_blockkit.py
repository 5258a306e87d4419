"""Block Kit limits the fake enforces, one broken rule at a time."""

from typing import Any

import pytest

from tests.fakeslack.blockkit import message_error, message_problem, view_error


def plain(text: str) -> dict[str, Any]:
    """A plain_text object."""
    return {"type": "plain_text", "text": text}


def button(text: str = "Go", value: str = "v", action_id: str = "go") -> dict[str, Any]:
    """A button element."""
    return {"type": "button", "text": plain(text), "value": value, "action_id": action_id}


def option(text: str = "Won", value: str = "won") -> dict[str, Any]:
    """An option object."""
    return {"text": plain(text), "value": value}


def select(options: list[dict[str, Any]]) -> dict[str, Any]:
    """A static_select element."""
    return {"type": "static_select", "action_id": "stage", "options": options}


def section(text: str = "hi", **extra: Any) -> dict[str, Any]:
    """A section block."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def actions(*elements: dict[str, Any]) -> dict[str, Any]:
    """An actions block."""
    return {"type": "actions", "elements": list(elements)}


def text_input(**extra: Any) -> dict[str, Any]:
    """An input block around a plain_text_input."""
    element = {"type": "plain_text_input", "action_id": "note", **extra}
    return {"type": "input", "block_id": "note", "label": plain("Note"), "element": element}


def msg(*blocks: dict[str, Any]) -> dict[str, Any]:
    """Message arguments with a text fallback and some blocks."""
    return {"text": "fallback", "blocks": list(blocks)}


def modal(blocks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A modal with a title and submit button."""
    return {
        "type": "modal",
        "title": plain("Lead"),
        "submit": plain("Save"),
        "blocks": blocks,
        **extra,
    }


VALID_BLOCKS = [
    {"type": "header", "text": plain("Pipeline")},
    section("x" * 3000, block_id="a" * 255, accessory=button()),
    {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2000}] * 10},
    actions(*[button(action_id=f"b{i}", text="t" * 75, value="v" * 2000) for i in range(25)]),
    actions(select([option(f"o{i}", f"v{i}") for i in range(100)])),
    actions(select([option("t" * 75, "v" * 150)])),
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 10},
    {"type": "divider"},
]

MESSAGE_CASES = [
    ("no text or blocks", {}, "no_text"),
    ("text too long", {"text": "x" * 40_001}, "msg_too_long"),
    ("51 blocks", msg(*[section()] * 51), "invalid_blocks"),
    ("blocks not a list", {"text": "fallback", "blocks": "[oops"}, "invalid_blocks_format"),
    ("section text over 3000", msg(section("x" * 3001)), "invalid_blocks"),
    ("11 section fields", msg({"type": "section", "fields": [plain("f")] * 11}), "invalid_blocks"),
    ("field over 2000", msg({"type": "section", "fields": [plain("f" * 2001)]}), "invalid_blocks"),
    ("header over 150", msg({"type": "header", "text": plain("h" * 151)}), "invalid_blocks"),
    (
        "mrkdwn header",
        msg({"type": "header", "text": {"type": "mrkdwn", "text": "h"}}),
        "invalid_blocks",
    ),
    ("button text over 75", msg(actions(button(text="t" * 76))), "invalid_blocks"),
    ("button value over 2000", msg(actions(button(value="v" * 2001))), "invalid_blocks"),
    ("action_id over 255", msg(actions(button(action_id="a" * 256))), "invalid_blocks"),
    ("block_id over 255", msg(section(block_id="b" * 256)), "invalid_blocks"),
    ("duplicate block_id", msg(section(block_id="x"), section(block_id="x")), "invalid_blocks"),
    ("26 actions", msg(actions(*[button(action_id=f"b{i}") for i in range(26)])), "invalid_blocks"),
    ("duplicate action_id", msg(actions(button(), button())), "invalid_blocks"),
    (
        "11 context elements",
        msg({"type": "context", "elements": [plain("c")] * 11}),
        "invalid_blocks",
    ),
    ("101 options", msg(actions(select([option()] * 101))), "invalid_blocks"),
    ("option text over 75", msg(actions(select([option(text="t" * 76)]))), "invalid_blocks"),
    ("option value over 150", msg(actions(select([option(value="v" * 151)]))), "invalid_blocks"),
    ("text missing type", msg({"type": "section", "text": {"text": "hi"}}), "invalid_blocks"),
    ("text missing text", msg({"type": "section", "text": {"type": "mrkdwn"}}), "invalid_blocks"),
    ("empty section text", msg(section("")), "invalid_blocks"),
    ("block without type", msg({"text": plain("x")}), "invalid_blocks"),
    ("unknown block type", msg({"type": "carousel"}), "invalid_blocks"),
]

VIEW_CASES = [
    ("101 blocks", modal([section()] * 101), "invalid_arguments"),
    ("over 250 kB", modal([section("x" * 3000)] * 90), "view_too_large"),
    ("title over 24", modal([], title=plain("t" * 25)), "invalid_arguments"),
    ("submit over 24", modal([], submit=plain("s" * 25)), "invalid_arguments"),
    ("close over 24", modal([], close=plain("c" * 25)), "invalid_arguments"),
    ("missing title", {"type": "modal", "blocks": []}, "invalid_arguments"),
    ("private_metadata over 3000", modal([], private_metadata="m" * 3001), "invalid_arguments"),
    ("callback_id over 255", modal([], callback_id="c" * 256), "invalid_arguments"),
    ("max_length over 3000", modal([text_input(max_length=3001)]), "invalid_arguments"),
    (
        "input without submit",
        {"type": "modal", "title": plain("x"), "blocks": [text_input()]},
        "invalid_arguments",
    ),
    (
        "duplicate block_id",
        modal([section(block_id="x"), section(block_id="x")]),
        "invalid_arguments",
    ),
    ("wrong view type", {"type": "popup", "blocks": []}, "invalid_arguments"),
    ("not an object", ["modal"], "invalid_arguments"),
]


def test_valid_blocks_at_every_limit_pass() -> None:
    assert message_error({"text": "x" * 40_000, "blocks": VALID_BLOCKS}) is None
    assert message_error({"blocks": [section()] * 50}) is None
    assert (
        view_error(modal([section()] * 100, private_metadata="m" * 3000, callback_id="c" * 255))
        is None
    )
    assert view_error(modal([text_input(max_length=3000)], title=plain("t" * 24))) is None
    assert view_error({"type": "home", "blocks": VALID_BLOCKS}, kind="home") is None


@pytest.mark.parametrize(
    ("message", "expected"), [c[1:] for c in MESSAGE_CASES], ids=[c[0] for c in MESSAGE_CASES]
)
def test_message_rules(message: dict[str, Any], expected: str) -> None:
    assert message_error(message) == expected


@pytest.mark.parametrize(
    ("view", "expected"), [c[1:] for c in VIEW_CASES], ids=[c[0] for c in VIEW_CASES]
)
def test_view_rules(view: Any, expected: str) -> None:
    assert view_error(view) == expected


def test_problem_explains_the_broken_rule() -> None:
    problem = message_problem({"text": "x", "blocks": [section(), actions(button(text="t" * 76))]})
    assert problem is not None
    assert problem.error == "invalid_blocks"
    assert "blocks[1].elements[0].text" in problem.detail


def test_home_views_are_checked_against_the_expected_kind() -> None:
    assert view_error(modal([]), kind="home") == "invalid_arguments"
