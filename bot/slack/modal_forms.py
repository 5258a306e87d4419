"""What the modals carry between opening and submission: block ids, private_metadata and state."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.domain.forms import NewLeadForm, TouchForm
from bot.domain.qualification import QUESTIONS
from bot.domain.rep_settings import SettingsForm
from bot.slack.kit import METADATA_MAX

PERMALINK_MAX = 1000
UNQUALIFIED = "unqualified"


class Block(StrEnum):
    """Input block ids; each input's action_id is the same word, and errors are filed under it."""

    COMPANY = "company"
    CONTACT = "contact"
    EMAIL = "email"
    PHONE = "phone"
    VALUE = "value"
    CURRENCY = "currency"
    SOURCE = "source"
    OWNER = "owner_id"
    STAGE = "stage"
    NEXT_FOLLOW_UP = "next_follow_up"
    NOTE = "note"
    LEAD = "lead"
    KIND = "kind"
    OCCURRED_AT = "occurred_at"
    OUTCOME = "outcome"
    LOST_CATEGORY = "lost_category"
    REASON = "reason"
    NEEDED_BY = "needed_by"
    EXPECTED_CLOSE = "expected_close"
    PLAN_TIME = "plan_time"
    WORKING_DAYS = "working_days"
    AWAY_UNTIL = "away_until"
    DELEGATE = "delegate"
    MUTED = "muted"


def question_block(key: str) -> str:
    """The block id of one checklist question."""
    return f"q_{key}"


@dataclass(frozen=True)
class ModalMeta:
    """Our own state riding along in a modal's private_metadata (kept far below 3,000 characters)."""

    channel_id: str | None = None
    lead_id: int | None = None
    permalink: str | None = None
    source_ts: str | None = None
    duplicates: tuple[int, ...] = field(default_factory=tuple)
    # The bot's message (in `channel_id`) whose button opened the modal, and that button's block.
    button_ts: str | None = None
    button_block: str | None = None

    def encode(self) -> str:
        data: dict[str, Any] = {
            "c": self.channel_id,
            "l": self.lead_id,
            "p": self.permalink
            if self.permalink and len(self.permalink) <= PERMALINK_MAX
            else None,
            "t": self.source_ts,
            "d": list(self.duplicates[:50]),
            "m": self.button_ts,
            "b": self.button_block,
        }
        text = json.dumps({key: value for key, value in data.items() if value})
        if len(text) > METADATA_MAX - SEAL_LENGTH:
            raise ValueError("private_metadata would exceed Slack's limit")
        return text

    @classmethod
    def decode(cls, text: str | None) -> ModalMeta:
        """The metadata a view carried back; anything unreadable means none."""
        try:
            data = json.loads(text or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        lead_id = data.get("l")
        duplicates = data.get("d") or []
        return cls(
            channel_id=_str(data.get("c")),
            lead_id=lead_id if isinstance(lead_id, int) else None,
            permalink=_str(data.get("p")) if _is_permalink(data.get("p")) else None,
            source_ts=_str(data.get("t")),
            duplicates=tuple(d for d in duplicates if isinstance(d, int)),
            button_ts=_str(data.get("m")),
            button_block=_str(data.get("b")),
        )


SEAL_LENGTH = 33  # 32 hex characters of HMAC and a dot


def seal(view: dict[str, Any], key: bytes) -> dict[str, Any]:
    """The view with its private_metadata signed, so a submission can't carry metadata we never sent."""
    text = str(view.get("private_metadata") or "")
    mac = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[: SEAL_LENGTH - 1]
    return {**view, "private_metadata": f"{mac}.{text}"}


def unseal(text: str | None, key: bytes) -> str | None:
    """The metadata a submitted view carried, or None when its signature does not hold."""
    mac, dot, body = (text or "").partition(".")
    expected = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()[: SEAL_LENGTH - 1]
    return body if dot and hmac.compare_digest(mac, expected) else None


def _is_permalink(value: object) -> bool:
    """Only a plain https link of sane length is kept: it ends up stored on a touch."""
    return isinstance(value, str) and value.startswith("https://") and len(value) <= PERMALINK_MAX


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def state_value(values: Mapping[str, Any], block_id: str) -> Any:
    """The value of the one input in a block, whatever its element type; None when empty."""
    leaf = next(iter((values.get(block_id) or {}).values()), None) or {}
    kind = leaf.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        option = leaf.get("selected_option") or {}
        return option.get("value")
    if kind == "checkboxes":
        return [option.get("value") for option in leaf.get("selected_options") or []]
    for key in ("selected_user", "selected_date", "selected_date_time", "selected_time", "value"):
        if key in leaf:
            return leaf[key]
    return None


def _values(view: Mapping[str, Any]) -> Mapping[str, Any]:
    return (view.get("state") or {}).get("values") or {}


def read_new_lead_form(view: Mapping[str, Any]) -> NewLeadForm:
    """The New lead modal's fields from a view_submission's view."""
    values = _values(view)
    return NewLeadForm(
        **{name.value: _text_or_none(state_value(values, name)) for name in _NEW_LEAD_FIELDS}
    )


def read_touch_form(view: Mapping[str, Any]) -> TouchForm:
    """The Log touch modal's fields from a view_submission's view."""
    values = _values(view)
    when = state_value(values, Block.OCCURRED_AT)
    return TouchForm(
        lead_id=_text_or_none(state_value(values, Block.LEAD)),
        kind=_text_or_none(state_value(values, Block.KIND)),
        note=_text_or_none(state_value(values, Block.NOTE)),
        occurred_at=int(when) if isinstance(when, int | float) and math.isfinite(when) else None,
        next_follow_up=_text_or_none(state_value(values, Block.NEXT_FOLLOW_UP)),
    )


def read_settings_form(view: Mapping[str, Any]) -> SettingsForm:
    """My settings' fields from a view_submission's view."""
    values = _values(view)
    days = state_value(values, Block.WORKING_DAYS) or []
    muted = state_value(values, Block.MUTED) or []
    return SettingsForm(
        plan_time=_text_or_none(state_value(values, Block.PLAN_TIME)),
        working_days=tuple(day for day in days if isinstance(day, str)),
        away_until=_text_or_none(state_value(values, Block.AWAY_UNTIL)),
        delegate=_text_or_none(state_value(values, Block.DELEGATE)),
        muted=tuple(kind for kind in muted if isinstance(kind, str)),
    )


def read_lost_form(view: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The Mark lost modal's category and reason (None where missing)."""
    values = _values(view)
    category = _text_or_none(state_value(values, Block.LOST_CATEGORY))
    return category, _text_or_none(state_value(values, Block.REASON))


def read_needed_by(view: Mapping[str, Any]) -> str | None:
    """The qualification form's "when do they need it" date (ISO), if given."""
    return _text_or_none(state_value(_values(view), Block.NEEDED_BY))


def read_qualify_form(view: Mapping[str, Any]) -> tuple[dict[str, str], bool]:
    """The checklist answers given, and whether "mark unqualified" was ticked."""
    values = _values(view)
    answers = {}
    for question in QUESTIONS:
        answer = state_value(values, question_block(question.key))
        if isinstance(answer, str):
            answers[question.key] = answer
    outcome = state_value(values, Block.OUTCOME) or []
    return answers, UNQUALIFIED in outcome


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


_NEW_LEAD_FIELDS = (
    Block.COMPANY,
    Block.CONTACT,
    Block.EMAIL,
    Block.PHONE,
    Block.VALUE,
    Block.CURRENCY,
    Block.SOURCE,
    Block.OWNER,
    Block.STAGE,
    Block.NEXT_FOLLOW_UP,
    Block.NOTE,
    Block.EXPECTED_CLOSE,
)
