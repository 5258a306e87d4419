"""Block Kit rules Slack enforces on messages and views, reported as Slack's own error codes."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MESSAGE_TEXT_MAX = 40_000
MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
VIEW_BYTES_MAX = 250_000
ID_MAX = 255

_TEXT_TYPES = ("plain_text", "mrkdwn")
_PASSIVE_BLOCKS = frozenset({"divider", "rich_text", "video", "file", "call", "table"})
_SELECTS = frozenset({"static_select", "multi_static_select"})
_CHOICES = frozenset({"radio_buttons", "checkboxes"})


@dataclass(frozen=True)
class Problem:
    """Why Slack refuses a payload: the error code it answers and the first broken rule."""

    error: str
    detail: str


class _Invalid(Exception):
    """Carries the detail of the first broken rule out of the recursive checks."""


def message_problem(message: Mapping[str, Any]) -> Problem | None:
    """Check chat.postMessage-style arguments (text, blocks, attachments) the way Slack does."""
    text = message.get("text")
    if isinstance(text, str) and len(text) > MESSAGE_TEXT_MAX:
        return Problem("msg_too_long", f"text has {len(text)} characters, limit {MESSAGE_TEXT_MAX}")
    blocks = message.get("blocks")
    has_text = any(message.get(key) for key in ("text", "markdown_text", "attachments"))
    if not has_text and not blocks:
        return Problem("no_text", "a message needs text, blocks or attachments")
    if blocks is None:
        return None
    if not isinstance(blocks, list):
        return Problem("invalid_blocks_format", "blocks must be a JSON array")
    if len(blocks) > MESSAGE_BLOCKS_MAX:
        return Problem("invalid_blocks", f"{len(blocks)} blocks, limit {MESSAGE_BLOCKS_MAX}")
    try:
        _blocks(blocks)
    except _Invalid as exc:
        return Problem("invalid_blocks", str(exc))
    return None


def message_error(message: Mapping[str, Any]) -> str | None:
    """Slack's error code for these message arguments, or None when Slack would accept them."""
    problem = message_problem(message)
    return problem.error if problem else None


def view_problem(view: Any, *, kind: str | None = None) -> Problem | None:
    """Check a modal or Home tab view object the way views.open/push/update/publish do."""
    if not isinstance(view, Mapping):
        return Problem("invalid_arguments", "view must be a JSON object")
    size = len(json.dumps(view, separators=(",", ":"), ensure_ascii=False).encode())
    if size > VIEW_BYTES_MAX:
        return Problem("view_too_large", f"view is {size} bytes, limit {VIEW_BYTES_MAX}")
    try:
        _view(view, kind)
    except _Invalid as exc:
        return Problem("invalid_arguments", str(exc))
    return None


def view_error(view: Any, *, kind: str | None = None) -> str | None:
    """Slack's error code for this view, or None when Slack would accept it."""
    problem = view_problem(view, kind=kind)
    return problem.error if problem else None


def _require(condition: bool, detail: str) -> None:
    """Raise with the detail unless the condition holds."""
    if not condition:
        raise _Invalid(detail)


def _max_len(value: Any, limit: int, where: str) -> None:
    """Check an optional string field against its length limit."""
    if value is None:
        return
    _require(isinstance(value, str), f"{where}: must be a string")
    _require(len(value) <= limit, f"{where}: {len(value)} characters, limit {limit}")


def _text(obj: Any, where: str, *, limit: int, plain_only: bool = False) -> None:
    """Check a composition text object: type, non-empty text and its length limit."""
    _require(isinstance(obj, Mapping), f"{where}: must be a text object")
    _require(
        obj.get("type") in _TEXT_TYPES, f"{where}: text object needs type plain_text or mrkdwn"
    )
    if plain_only:
        _require(obj.get("type") == "plain_text", f"{where}: must be plain_text")
    text = obj.get("text")
    _require(isinstance(text, str), f"{where}: text object needs a text string")
    _require(
        1 <= len(text) <= limit, f"{where}: text must be 1..{limit} characters, got {len(text)}"
    )


def _list(value: Any, where: str, *, limit: int, minimum: int = 1) -> list[Any]:
    """Check that a field is an array with a bounded number of items."""
    _require(isinstance(value, list), f"{where}: must be an array")
    _require(
        minimum <= len(value) <= limit, f"{where}: {len(value)} items, allowed {minimum}..{limit}"
    )
    return value


def _options(options: Any, where: str, *, limit: int, plain_only: bool) -> None:
    """Check option objects: text up to 75 characters, value up to 150."""
    for i, option in enumerate(_list(options, where, limit=limit)):
        spot = f"{where}[{i}]"
        _require(isinstance(option, Mapping), f"{spot}: must be an option object")
        _text(option.get("text"), f"{spot}.text", limit=75, plain_only=plain_only)
        _require(isinstance(option.get("value"), str), f"{spot}.value: required")
        _max_len(option.get("value"), 150, f"{spot}.value")


def _select(element: Mapping[str, Any], where: str) -> None:
    """Check a static select: options or option_groups, up to 100 of each."""
    groups = element.get("option_groups")
    if groups is None:
        _options(element.get("options"), f"{where}.options", limit=100, plain_only=True)
        return
    _require("options" not in element, f"{where}: options and option_groups are exclusive")
    for i, group in enumerate(_list(groups, f"{where}.option_groups", limit=100)):
        _require(isinstance(group, Mapping), f"{where}.option_groups[{i}]: must be an object")
        _text(group.get("label"), f"{where}.option_groups[{i}].label", limit=75, plain_only=True)
        _options(
            group.get("options"), f"{where}.option_groups[{i}].options", limit=100, plain_only=True
        )


def _element(element: Any, where: str) -> None:
    """Check an interactive element and the limits of its kind."""
    _require(isinstance(element, Mapping), f"{where}: must be an element object")
    kind = element.get("type")
    _require(isinstance(kind, str), f"{where}: element needs a type")
    _max_len(element.get("action_id"), ID_MAX, f"{where}.action_id")
    if "placeholder" in element:
        _text(element["placeholder"], f"{where}.placeholder", limit=150, plain_only=True)
    if "confirm" in element:
        _confirm(element["confirm"], f"{where}.confirm")
    if kind == "button":
        _text(element.get("text"), f"{where}.text", limit=75, plain_only=True)
        _max_len(element.get("value"), 2000, f"{where}.value")
        _max_len(element.get("url"), 3000, f"{where}.url")
        _max_len(element.get("accessibility_label"), 75, f"{where}.accessibility_label")
    elif kind in _SELECTS:
        _select(element, where)
    elif kind == "overflow":
        _options(element.get("options"), f"{where}.options", limit=5, plain_only=True)
    elif kind in _CHOICES:
        _options(element.get("options"), f"{where}.options", limit=10, plain_only=False)
    elif kind == "plain_text_input":
        for field in ("min_length", "max_length"):
            value = element.get(field)
            _require(
                value is None or (isinstance(value, int) and 0 <= value <= 3000),
                f"{where}.{field}: must be an integer 0..3000",
            )


def _confirm(confirm: Any, where: str) -> None:
    """Check a confirmation dialog: title, text, confirm and deny within their limits."""
    _require(isinstance(confirm, Mapping), f"{where}: must be a confirm object")
    _text(confirm.get("title"), f"{where}.title", limit=100, plain_only=True)
    _text(confirm.get("text"), f"{where}.text", limit=300)
    _text(confirm.get("confirm"), f"{where}.confirm", limit=30, plain_only=True)
    _text(confirm.get("deny"), f"{where}.deny", limit=30, plain_only=True)


def _block(block: Any, where: str) -> None:
    """Check one layout block and the limits of its kind."""
    kind = block.get("type")
    if kind == "section":
        _require("text" in block or "fields" in block, f"{where}: section needs text or fields")
        if "text" in block:
            _text(block["text"], f"{where}.text", limit=3000)
        if "fields" in block:
            for i, field in enumerate(_list(block["fields"], f"{where}.fields", limit=10)):
                _text(field, f"{where}.fields[{i}]", limit=2000)
        if "accessory" in block:
            _element(block["accessory"], f"{where}.accessory")
    elif kind == "header":
        _text(block.get("text"), f"{where}.text", limit=150, plain_only=True)
    elif kind == "actions":
        elements = _list(block.get("elements"), f"{where}.elements", limit=25)
        action_ids = [e.get("action_id") for e in elements if isinstance(e, Mapping)]
        named = [a for a in action_ids if a is not None]
        _require(len(named) == len(set(named)), f"{where}: duplicate action_id")
        for i, element in enumerate(elements):
            _element(element, f"{where}.elements[{i}]")
    elif kind == "context":
        for i, item in enumerate(_list(block.get("elements"), f"{where}.elements", limit=10)):
            if not (isinstance(item, Mapping) and item.get("type") == "image"):
                _text(item, f"{where}.elements[{i}]", limit=3000)
    elif kind == "input":
        _text(block.get("label"), f"{where}.label", limit=2000, plain_only=True)
        if "hint" in block:
            _text(block["hint"], f"{where}.hint", limit=2000, plain_only=True)
        _element(block.get("element"), f"{where}.element")
    elif kind == "image":
        _require("image_url" in block or "slack_file" in block, f"{where}: image needs image_url")
        _max_len(block.get("alt_text"), 2000, f"{where}.alt_text")
    elif kind == "markdown":
        _max_len(block.get("text"), 12_000, f"{where}.text")
    else:
        _require(kind in _PASSIVE_BLOCKS, f"{where}: unknown block type {kind!r}")


def _blocks(blocks: list[Any], where: str = "blocks") -> None:
    """Check every block plus block_id length and uniqueness."""
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        spot = f"{where}[{i}]"
        _require(isinstance(block, Mapping), f"{spot}: must be a block object")
        _require(isinstance(block.get("type"), str), f"{spot}: block needs a type")
        block_id = block.get("block_id")
        if block_id is not None:
            _max_len(block_id, ID_MAX, f"{spot}.block_id")
            _require(block_id not in seen, f"{spot}.block_id: duplicate {block_id!r}")
            seen.add(block_id)
        _block(block, spot)


def _view(view: Mapping[str, Any], kind: str | None) -> None:
    """Check view-level fields, then its blocks."""
    view_type = view.get("type")
    _require(view_type in ("modal", "home"), "view.type: must be modal or home")
    _require(kind is None or view_type == kind, f"view.type: must be {kind}")
    blocks = _list(view.get("blocks"), "view.blocks", limit=VIEW_BLOCKS_MAX, minimum=0)
    if view_type == "modal":
        _text(view.get("title"), "view.title", limit=24, plain_only=True)
        for field in ("submit", "close"):
            if view.get(field) is not None:
                _text(view[field], f"view.{field}", limit=24, plain_only=True)
        has_input = any(isinstance(b, Mapping) and b.get("type") == "input" for b in blocks)
        _require(
            not has_input or view.get("submit") is not None,
            "view.submit: required with input blocks",
        )
    _max_len(view.get("private_metadata"), 3000, "view.private_metadata")
    _max_len(view.get("callback_id"), ID_MAX, "view.callback_id")
    _max_len(view.get("external_id"), ID_MAX, "view.external_id")
    _blocks(blocks, "view.blocks")
