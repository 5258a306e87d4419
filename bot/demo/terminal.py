"""Lay out a Slack message in the terminal roughly the way Slack shows it."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

WIDTH = 78
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_DATE = re.compile(r"<!date\^\d+\^[^|]*\|([^>]+)>")
_EMOJI = {
    "hourglass": "⌛", "hourglass_flowing_sand": "⏳", "large_yellow_circle": "🟡", "red_circle": "🔴",
    "rotating_light": "🚨", "tada": "🎉", "trophy": "🏆", "warning": "⚠️", "white_check_mark": "✅", "zzz": "💤",
    "seedling": "🌱", "dart": "🎯",
}  # fmt: skip
_SHORTCODE = re.compile(r":([a-z0-9_+-]+):")


def mrkdwn_to_plain(text: str, names: Mapping[str, str]) -> str:
    """Resolve mentions and links, drop markup characters, then unescape entities."""
    text = _MENTION.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _DATE.sub(lambda m: m.group(1), text)
    text = _SHORTCODE.sub(lambda m: _EMOJI.get(m.group(1), m.group(0)), text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _wrap(text: str, indent: str = "") -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(
            textwrap.wrap(paragraph, WIDTH - 4 - len(indent), subsequent_indent="  ") or [""]
        )
    return [indent + line for line in lines]


def _text_of(obj: Mapping[str, Any] | None, names: Mapping[str, str]) -> str:
    if not obj:
        return ""
    return (
        mrkdwn_to_plain(obj.get("text", ""), names)
        if obj.get("type") == "mrkdwn"
        else obj.get("text", "")
    )


def _element_label(element: Mapping[str, Any], names: Mapping[str, str]) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[ {_text_of(element.get('text'), names)} ]"
    if kind == "overflow":
        return "[ ⋯ ]"
    if kind in ("static_select", "external_select", "users_select"):
        return f"[ {_text_of(element.get('placeholder'), names) or 'Choose'} ▾ ]"
    return f"[ {kind} ]"


def _block_lines(block: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        title = _text_of(block.get("text"), names)
        return [title.upper(), "═" * min(len(title), WIDTH - 4)]
    if kind == "divider":
        return ["─" * (WIDTH - 4)]
    if kind == "section":
        lines = _wrap(_text_of(block.get("text"), names))
        for field in block.get("fields", []):
            lines.extend(_wrap(_text_of(field, names), "  "))
        if block.get("accessory"):
            lines.append("    " + _element_label(block["accessory"], names))
        return lines
    if kind == "context":
        joined = "  ".join(_text_of(element, names) for element in block.get("elements", []))
        return _wrap(joined, "  ")
    if kind == "actions":
        return _wrap("  ".join(_element_label(e, names) for e in block.get("elements", [])), "  ")
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    return [f"[{kind}]"]


def render_message(
    title: str,
    payload: Mapping[str, Any],
    names: Mapping[str, str],
    *,
    style: Callable[[str], str] = str,
) -> str:
    """A boxed card: who it went to, then each block as text."""
    lines: list[str] = []
    blocks = payload.get("blocks") or []
    if blocks:
        for block in blocks:
            lines.extend(_block_lines(block, names))
    else:
        lines.extend(_wrap(mrkdwn_to_plain(payload.get("text", ""), names)))
    top = f"┌─ {title} " + "─" * max(0, WIDTH - 5 - len(title))
    body = [f"│ {line}" for line in lines]
    return "\n".join([style(top), *body, "└" + "─" * (WIDTH - 1)])
