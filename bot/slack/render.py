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
    env.filters["days"] = fmt.days_label
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
def macro(name: str, macro_name: str, arguments: tuple[str, ...]) -> Callable[..., str]:
    """A macro of `bot/templates/<name>` as a plain function, to call once per item of a long list.

    Rendering a template sets up a fresh context each time, which costs several times what the
    text itself does; a macro of a template loaded once is a plain call. Plainer still, this is
    the function Jinja compiled for the macro, without the `Macro` wrapper that matches the
    arguments one by one on every call: it takes `arguments` — which must be the macro's own, in
    its order, checked here once — all of them, by position. Its result is the macro's text
    unstripped. Any user text must pass through `|esc`.
    """
    env = environment()
    found = getattr(env.get_template(name).module, macro_name)
    if tuple(found.arguments) != arguments:
        raise TypeError(
            f"{macro_name} takes {', '.join(found.arguments)}; not {', '.join(arguments)}"
        )
    if found.catch_kwargs or found.catch_varargs or found.caller or env.is_async:
        raise TypeError(f"{macro_name} is called by position alone: no caller, *varargs, **kwargs")
    return cast(Callable[..., str], found._func)


def render_string(source: str, **context: Any) -> str:
    """Render a template the team supplied in its config, sandboxed, with the same filters."""
    return team_environment().from_string(source).render(**context).strip()
