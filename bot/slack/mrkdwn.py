"""Safe mrkdwn: escape user text, and build mentions and links only from values we trust."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_USER_ID_RE = re.compile(r"[UW][A-Z0-9]{2,}")
_ENTITY_RE = re.compile(r"&(amp|lt|gt);")
_ANY_ENTITY_RE = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);")
_UNENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_ELLIPSIS = "…"


def escape(text: str) -> str:
    """Escape Slack's three control characters so user text can never become markup."""
    # `&` first, or the entities written for `<` and `>` would be escaped again. Each is looked
    # for before it is replaced: most text has none, and a tick escapes hundreds of thousands.
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def unescape(text: str) -> str:
    """Undo `escape`: turn `&amp;`, `&lt;` and `&gt;` back into characters."""
    # One pass, so `&amp;lt;` becomes `&lt;` and not `<`.
    return _ENTITY_RE.sub(lambda match: _UNENTITIES[match.group(1)], text)


def mention(user_id: str) -> str:
    """A user mention such as `<@U012AB3CD>`; refuses anything that is not a user id."""
    if not _USER_ID_RE.fullmatch(user_id):
        raise ValueError(f"not a Slack user id: {user_id!r}")
    return f"<@{user_id}>"


def link(url: str, label: str) -> str:
    """A link with an escaped label; anything but a plain http(s) URL gives the label alone."""
    if not _is_safe_url(url):
        return escape(label)
    target = url.replace("&", "&amp;")
    return f"<{target}|{escape(label)}>" if label else f"<{target}>"


def truncate(text: str, limit: int) -> str:
    """Shorten mrkdwn to at most `limit` characters, ending in `…`, without breaking an entity or link."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text) <= limit:
        return text
    cut = limit - len(_ELLIPSIS)
    head = text[:cut]
    amp = head.rfind("&")
    if amp != -1:
        entity = _ANY_ENTITY_RE.match(text, amp)
        if entity is not None and entity.end() > cut:
            head = head[:amp]
    opening = head.rfind("<")
    if opening != -1 and ">" not in head[opening:]:
        head = head[:opening]
    return head.rstrip() + _ELLIPSIS


def _is_safe_url(url: str) -> bool:
    if any(char.isspace() or char in "<>|" or ord(char) < 32 for char in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
