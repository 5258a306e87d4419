"""The buttons under a lead's row in a job DM: the moves that clear it from the list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.rhythm import StageRules
from bot.slack.controls import lead_value
from bot.slack.ids import Action
from bot.slack.kit import (
    ACCESSIBILITY_LABEL_MAX,
    OPTION_TEXT_MAX,
    accessible,
    lead_label,
    plain_text,
)

SNOOZE_CHOICES = (("1d", "1 day"), ("3d", "3 days"), ("1w", "1 week"))

# A select's options before they are about a lead: each option's text, and the code its value
# adds to the lead's.
Choices = tuple[tuple[dict[str, Any], str], ...]


def work_buttons(
    lead_id: int, current_stage: str, stages: Sequence[StageRules], company: str | None = None
) -> list[dict[str, Any]]:
    """Log touch, snooze (1d/3d/1w), move stage, open, edit, won and lost: the moves that clear a
    lead from a list. Won asks first (a confirm dialog); Lost asks why. With the company, each
    button's accessibility label names the lead.

    Built as the dicts `cards.lead_button` and its kin send, keys in the same order: every row of
    every job DM has them."""
    return WorkButtons(stages)(lead_id, current_stage, company)


class WorkButtons:
    """`work_buttons` for the rows of one list, built as plainly as Python builds dicts: a tick
    builds a hundred thousand rows.

    Whatever is not about the lead is worked out once: each stage's move-stage choices (once a
    stage, not once a row), and every text object, placeholder and confirm text, which all rows
    share rather than copy. Sharing is safe because rows are only ever serialised, never changed
    after they are built. A row builds only what is its lead's: the values, the accessibility
    labels and the won-confirm text. Every dict has its keys in the order slack_sdk's models send
    them (sorted), so the stored JSON is the same bytes as theirs."""

    def __init__(self, stages: Sequence[StageRules]) -> None:
        self._stages = stages
        self._moves: dict[str, Choices] = {}

    def __call__(
        self, lead_id: int, current_stage: str, company: str | None = None
    ) -> list[dict[str, Any]]:
        moves = self._moves.get(current_stage)
        if moves is None:
            moves = self._moves[current_stage] = _move_options(current_stage, self._stages)
        value = lead_value(lead_id)
        # What each option's code completes into its value.
        head = lead_value(lead_id, "")
        if company is None:
            return _unnamed(value, head, moves)
        name = lead_label(lead_id, company)
        touch, open_, edit, won, lost = (
            f"Log touch on {name}",
            f"Open {name}",
            f"Edit {name}",
            f"Mark won {name}",
            f"Mark lost {name}",
        )
        if len(name) > _NAME_FITS:
            touch, open_, edit, won, lost = map(accessible, (touch, open_, edit, won, lost))
        elements = [
            {
                "accessibility_label": touch,
                "action_id": _LOG_TOUCH,
                "style": "primary",
                "text": _LOG_TOUCH_TEXT,
                "type": "button",
                "value": value,
            },
            {
                "action_id": _SNOOZE,
                "options": [
                    {"text": _SNOOZE_1[0], "value": head + _SNOOZE_1[1]},
                    {"text": _SNOOZE_2[0], "value": head + _SNOOZE_2[1]},
                    {"text": _SNOOZE_3[0], "value": head + _SNOOZE_3[1]},
                ],
                "placeholder": _SNOOZE_PLACEHOLDER,
                "type": "static_select",
            },
        ]
        if moves:
            elements.append(
                {
                    "action_id": _MOVE,
                    "options": [{"text": text, "value": head + code} for text, code in moves],
                    "placeholder": _MOVE_PLACEHOLDER,
                    "type": "static_select",
                }
            )
        elements += [
            {
                "accessibility_label": open_,
                "action_id": _OPEN,
                "text": _OPEN_TEXT,
                "type": "button",
                "value": value,
            },
            {
                "accessibility_label": edit,
                "action_id": _EDIT,
                "text": _EDIT_TEXT,
                "type": "button",
                "value": value,
            },
            {
                "accessibility_label": won,
                "action_id": _WON,
                "confirm": {
                    "title": _WON_TITLE,
                    "text": {
                        "text": f"{name} closes as won and counts toward the win rate.",
                        "type": "mrkdwn",
                    },
                    "confirm": _WON_CONFIRM,
                    "deny": _WON_DENY,
                },
                "text": _WON_TEXT,
                "type": "button",
                "value": value,
            },
            {
                "accessibility_label": lost,
                "action_id": _LOST,
                "text": _LOST_TEXT,
                "type": "button",
                "value": value,
            },
        ]
        return elements


def _unnamed(value: str, head: str, moves: Choices) -> list[dict[str, Any]]:
    """The buttons without the company: no labels, and none of those that need the lead named."""
    elements = [
        {
            "action_id": _LOG_TOUCH,
            "style": "primary",
            "text": _LOG_TOUCH_TEXT,
            "type": "button",
            "value": value,
        },
        _select(_SNOOZE, _SNOOZE_PLACEHOLDER, head, _SNOOZE_OPTIONS),
    ]
    if moves:
        elements.append(_select(_MOVE, _MOVE_PLACEHOLDER, head, moves))
    elements.append({"action_id": _OPEN, "text": _OPEN_TEXT, "type": "button", "value": value})
    return elements


def _choices(options: Sequence[tuple[str, str]]) -> Choices:
    """Options given as (code, label), at most Slack's 100."""
    return tuple((plain_text(label), code) for code, label in options[:100])


def _move_options(current: str, stages: Sequence[StageRules]) -> Choices:
    """The move-stage choices of a lead in `current`: every other stage."""
    return _choices(
        [(stage.key, stage.name[:OPTION_TEXT_MAX]) for stage in stages if stage.key != current]
    )


def _select(
    action_id: str, placeholder: dict[str, Any], head: str, choices: Choices
) -> dict[str, Any]:
    """A select about one lead as slack_sdk's StaticSelectElement sends it, keys in that order."""
    return {
        "action_id": action_id,
        "options": [{"text": text, "value": head + code} for text, code in choices],
        "placeholder": placeholder,
        "type": "static_select",
    }


_SNOOZE = str(Action.SNOOZE)
_MOVE = str(Action.MOVE_STAGE)
_LOG_TOUCH = str(Action.LOG_TOUCH)
_OPEN = str(Action.OPEN_LEAD)
_EDIT = str(Action.EDIT_LEAD)
_WON = str(Action.WON)
_LOST = str(Action.LOST)
_SNOOZE_OPTIONS = _choices(SNOOZE_CHOICES)
# The three snooze options one by one: a row writes them out rather than looping over them.
_SNOOZE_1, _SNOOZE_2, _SNOOZE_3 = _SNOOZE_OPTIONS
_SNOOZE_PLACEHOLDER = plain_text("Snooze")
_MOVE_PLACEHOLDER = plain_text("Move stage")
_LOG_TOUCH_TEXT = plain_text("Log touch")
_OPEN_TEXT = plain_text("Open")
_EDIT_TEXT = plain_text("Edit")
_WON_TEXT = plain_text("Won")
_LOST_TEXT = plain_text("Lost…")
_WON_TITLE = plain_text("Mark this lead won?")
_WON_CONFIRM = plain_text("Mark won")
_WON_DENY = plain_text("Cancel")
# The longest lead name with which every accessibility label is within Slack's limit as it is
# ("Log touch on " starts the longest): a longer one's labels are cut by `accessible`.
_NAME_FITS = ACCESSIBILITY_LABEL_MAX - len("Log touch on ")
