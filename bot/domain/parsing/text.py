"""Words, quoted phrases and free text of slash-command input sent with `should_escape`."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.domain.errors import ParseError

QUOTES = '"“”„'

_KEY_RE = re.compile(r"([A-Za-z][A-Za-z_-]*):")
# `https://…` left unlinked must not read as a `https:` key.
_NOT_KEYS = frozenset({"http", "https", "mailto", "tel"})
_QUOTE_RE = re.compile(f"[{QUOTES}]")
_MARKUP_RE = re.compile(r"<([^<>]*)>")
_ENTITY_RE = re.compile(r"&(amp|lt|gt);")
_UNENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_SCHEME_RE = re.compile(r"^https?://", re.IGNORECASE)
# Direction overrides can make a name render as something else.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True, slots=True)
class Token:
    """A word or quoted phrase: `raw` as typed, `text` without quotes, and where it sits."""

    raw: str
    text: str
    start: int
    end: int
    quoted: bool

    @property
    def key(self) -> str | None:
        """The lower-case `key` of an unquoted `key:value` word, else None."""
        match = _KEY_RE.match(self.raw)
        if match is None or match.group(1).lower() in _NOT_KEYS:
            return None
        return match.group(1).lower()

    @property
    def value(self) -> str:
        """What follows `key:`, quotes removed; the whole text when there is no key."""
        key = self.key
        return self.text[len(key) + 1 :] if key is not None else self.text


def tokenize(text: str) -> list[Token]:
    """Split on whitespace, keeping `"quoted phrases"` and Slack `<…>` markup whole."""
    tokens: list[Token] = []
    length = len(text)
    i = 0
    while i < length:
        if text[i].isspace():
            i += 1
            continue
        start = i
        parts: list[str] = []
        quoted = False
        while i < length and not text[i].isspace():
            char = text[i]
            # With should_escape a typed `<` arrives as `&lt;`, so a real `<` opens markup.
            close = text.find(">", i) if char == "<" else -1
            if close != -1:
                parts.append(text[i : close + 1])
                i = close + 1
                continue
            close = _find_quote(text, i + 1) if char in QUOTES else -1
            if close != -1:
                parts.append(text[i + 1 : close])
                quoted = True
                i = close + 1
                continue
            parts.append(char)
            i += 1
        tokens.append(
            Token(raw=text[start:i], text="".join(parts), start=start, end=i, quoted=quoted)
        )
    return tokens


def key_value(tokens: list[Token], i: int) -> tuple[str, int]:
    """The value of `key:value`, or of `key: value` with a space after the colon."""
    token = tokens[i]
    value = token.value
    if not value and not token.quoted:
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if following is not None and following.key is None:
            return following.text, 2
        return "", 1
    if not token.quoted and value.startswith(tuple(QUOTES)):
        raise ParseError(
            f'The quote after `{token.key}:` is never closed; close it, e.g. {token.key}:"two words".'
        )
    return value, 1


def unescape(text: str) -> str:
    """Turn Slack's `&amp;`, `&lt;`, `&gt;` back into the characters the user typed."""
    return _ENTITY_RE.sub(lambda match: _UNENTITIES[match.group(1)], text)


def plain(text: str) -> str:
    """Readable text from escaped mrkdwn: `<@U1|dana>` → `@dana`, links → their label, entities undone."""
    return unescape(_MARKUP_RE.sub(_markup_as_text, text))


def clean_line(text: str) -> str:
    """`plain` text on one line: control characters dropped, whitespace collapsed."""
    return tidy_line(plain(text))


def clean_block(text: str) -> str:
    """`plain` text that keeps its line breaks, for notes and reasons."""
    return tidy_block(plain(text))


def tidy_line(text: str) -> str:
    """Text on one line with its markup kept as typed: control characters dropped, whitespace collapsed."""
    return " ".join(_drop_controls(text, newlines=False).split())


def tidy_block(text: str) -> str:
    """Text that keeps its markup and line breaks as typed; trailing spaces and blank ends trimmed."""
    flat = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in _drop_controls(flat, newlines=True).split("\n")]
    return "\n".join(lines).strip()


def shown(text: str, limit: int = 40) -> str:
    """A short one-line quote of user input for an error message, in backticks."""
    flat = clean_line(text).replace("`", "'")
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return f"`{flat}`" if flat else "nothing"


def _find_quote(text: str, start: int) -> int:
    match = _QUOTE_RE.search(text, start)
    return match.start() if match else -1


def _markup_as_text(match: re.Match[str]) -> str:
    target, _, label = match.group(1).partition("|")
    if target.startswith(("@", "#")):
        return target[0] + (label or target[1:])
    if target.startswith("!subteam^"):
        return label or "@" + target.removeprefix("!subteam^")
    if target.startswith("!date^"):
        return label
    if target.startswith("!"):
        return label or "@" + target[1:]
    for scheme in ("mailto:", "tel:"):
        if target.lower().startswith(scheme):
            return label or target[len(scheme) :].split("?")[0]
    if not label or label.rstrip("/") in (
        target.rstrip("/"),
        _SCHEME_RE.sub("", target).rstrip("/"),
    ):
        return label or target
    return f"{label} ({target})"


def _drop_controls(text: str, *, newlines: bool) -> str:
    if text.isprintable():
        return text  # no control, format (direction) or line-break character: nothing to drop
    kept: list[str] = []
    for char in text:
        if char == "\n" and newlines:
            kept.append(char)
        elif char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) not in ("Cc", "Cs") and char not in _BIDI_CONTROLS:
            kept.append(char)
    return "".join(kept)
