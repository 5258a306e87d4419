"""Jinja2 for the prose inside blocks: strict about missing names, escaping user text."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, cast

from jinja2 import Environment, PackageLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from bot.slack import format as fmt
from bot.slack.mrkdwn import escape

_OPTIONS: dict[str, Any] = {
    "undefined": StrictUndefined,
    "autoescape": False,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "keep_trailing_newline": False,
}


def _with_filters(env: Environment) -> Environment:
    env.filters["esc"] = escape
    env.filters["money"] = fmt.money
    env.filters["short_money"] = fmt.short_money
    env.filters["day"] = fmt.day
    env.filters["date"] = fmt.date_label
    env.globals["age"] = fmt.age
    return env


@cache
def environment() -> Environment:
    """Our own templates in `bot/templates`, compiled once: they ship with the code, so a process
    need not look at their files again on every render (`auto_reload` would, each time)."""
    return _with_filters(
        Environment(loader=PackageLoader("bot", "templates"), auto_reload=False, **_OPTIONS)
    )


@cache
def team_environment() -> Environment:
    """Templates an admin writes in `pipeline.toml`: sandboxed, so config can never run code."""
    return _with_filters(ImmutableSandboxedEnvironment(**_OPTIONS))


def render(name: str, **context: Any) -> str:
    """Render `bot/templates/<name>` with `context`; any user text must pass through `|esc`."""
    return environment().get_template(name).render(**context).strip()


@cache
def macro(name: str, macro_name: str) -> Callable[..., str]:
    """A macro of `bot/templates/<name>`, to call once per item of a long list.

    Rendering a template sets up a fresh context each time, which costs several times what the
    text itself does; a macro of a template loaded once is a plain call. Its arguments are all
    required, by name, and handed to it in its own order: Jinja matches keywords to parameters
    one by one on every call. Its result is stripped like `render`'s. Any user text must pass
    through `|esc`.
    """
    found = getattr(environment().get_template(name).module, macro_name)
    names = tuple(found.arguments)

    def call(**context: Any) -> str:
        if len(context) != len(names):
            raise TypeError(f"{macro_name} takes {', '.join(names)}; got {', '.join(context)}")
        return cast(str, found(*[context[key] for key in names])).strip()

    return call


def render_string(source: str, **context: Any) -> str:
    """Render a template the team supplied in its config, sandboxed, with the same filters."""
    return team_environment().from_string(source).render(**context).strip()
