"""Pure rules about leads: identity of a company, who may change what, weighted value."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

OPEN = "open"
WON = "won"
LOST = "lost"
ARCHIVED = "archived"
STATUSES = (OPEN, WON, LOST, ARCHIVED)

TOUCH_KINDS = ("call", "email", "meeting", "demo", "message", "linkedin", "note", "other")

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def company_key(company: str) -> str:
    """A case-, accent- and punctuation-insensitive key for spotting duplicate companies."""
    folded = unicodedata.normalize("NFKD", company).encode("ascii", "ignore").decode() or company
    return _NOT_WORD.sub(" ", folded.casefold()).strip()


def may_change(*, owner_id: str, actor_id: str, actor_is_manager: bool) -> bool:
    """Only the owner or a manager may move, assign, win, lose, archive, snooze or qualify."""
    return actor_is_manager or owner_id == actor_id


def weighted(value: Decimal | None, probability: Decimal) -> Decimal:
    """Value times stage probability, to the cent."""
    return ((value or Decimal(0)) * probability).quantize(Decimal("0.01"))
