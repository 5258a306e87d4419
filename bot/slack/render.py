"""Jinja2 for the prose inside blocks: strict about missing names, escaping user text."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from bot.slack import format as fmt
from bot.slack.mrkdwn import escape


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot", "templates"),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["esc"] = escape
    env.filters["money"] = fmt.money
    env.filters["short_money"] = fmt.short_money
    env.filters["day"] = fmt.day
    env.globals["age"] = fmt.age
    return env


def render(name: str, **context: Any) -> str:
    """Render `bot/templates/<name>` with `context`; any user text must pass through `|esc`."""
    return environment().get_template(name).render(**context).strip()


def render_string(source: str, **context: Any) -> str:
    """Render a template the team supplied in its config, with the same filters."""
    return environment().from_string(source).render(**context).strip()
