"""Lead rows with their buttons, and laying them out within the 50-block cap: what the job DMs share."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from functools import cache
from typing import Any

from slack_sdk.models.blocks import Block

from bot.domain.rhythm import LeadFacts, Snapshot, StageRules, whole_days
from bot.slack import format as fmt
from bot.slack.controls import lead_value, lead_values
from bot.slack.ids import Action
from bot.slack.kit import (
    MESSAGE_BLOCKS_MAX,
    OPTION_TEXT_MAX,
    SlackMessage,
    accessible,
    actions_block,
    context_block,
    days_label,
    lead_label,
    mrkdwn_text,
    plain_text,
    section_block,
    snapshot_fields,
    to_dicts,
    touched_label,
)
from bot.slack.render import macro, render

TEXT_ITEMS = 15
# Blocks a lead's row takes: its line, then its buttons.
ROW_BLOCKS = 2
# The most lead rows a message can show or name in its text: a list needs only its first this
# many rows, and how many there are in all.
SHOWN_MAX = max(MESSAGE_BLOCKS_MAX // ROW_BLOCKS, TEXT_ITEMS)
SNOOZE_CHOICES = (("1d", "1 day"), ("3d", "3 days"), ("1w", "1 week"))


# What a title in a list of rows is: a block built either way.
Title = Block | dict[str, Any]


@dataclass(slots=True, eq=False)
class LeadRow:
    """One lead's two blocks (what, then buttons) and its one-line text fallback.

    The line and the buttons are built the first time they are asked for: a list of 200 leads
    shows about 20, and the rest only count towards "…and N more". A plain slotted class, not a
    frozen one with cached properties: a tick makes a hundred thousand of them.
    """

    lead_id: int
    prefix: str
    make_line: Callable[[], str]
    make_elements: Callable[[], Sequence[Any]]
    # Blocks the row takes, known without building them.
    size: int = ROW_BLOCKS
    _line: str | None = field(default=None, repr=False)

    @property
    def line(self) -> str:
        if self._line is None:
            self._line = self.make_line()
        return self._line

    @property
    def blocks(self) -> tuple[dict[str, Any], ...]:
        return (
            {
                "block_id": f"{self.prefix}_lead_{self.lead_id}",
                "text": mrkdwn_text(self.line),
                "type": "section",
            },
            actions_block(f"{self.prefix}_actions_{self.lead_id}", to_dicts(self.make_elements())),
        )

    @property
    def text(self) -> str:
        return " — ".join(part for part in self.line.splitlines() if part.strip())


# The reasons whose line (`job_lead_line.md.j2`) says when the lead was last touched.
_SAYS_TOUCHED = frozenset(
    ("overdue", "due_today", "missed_close", "closing", "no_next_step", "cadence")
)


def render_lead_line(
    lead: LeadFacts,
    stage: StageRules,
    *,
    reason: str,
    now: datetime,
    today: date,
    in_plan: bool = False,
    stale: bool = False,
    stuck: bool = False,
    zone: tzinfo | None = None,
    attempts: int = 0,
) -> str:
    """The mrkdwn for one lead in a job DM, its day labels in the reader's `zone`; user text is escaped by the template."""
    return macro("job_lead_line.md.j2", "lead_line")(
        lead=lead,
        stage_name=stage.name,
        reason=reason,
        now=now,
        today=today,
        in_plan=in_plan,
        stale=stale,
        stuck=stuck,
        # Worked out only for the lines that say them: a tick renders thousands of lines.
        touched=touched_label(lead.last_touch_at, now, zone) if reason in _SAYS_TOUCHED else "",
        came_in=fmt.age(lead.created_at, now, zone) if reason == "new" else "",
        attempts=attempts,
        untouched_days=whole_days(lead.no_touch_since(), now),
        in_stage_days=whole_days(lead.stage_changed_at, now),
        stale_after=stage.stale_days,
        stuck_after=stage.stuck_days,
        days_label=days_label,
    )


def snooze_select(lead_id: int) -> dict[str, Any]:
    return _static_select(_SNOOZE, _SNOOZE_PLACEHOLDER, lead_id, _SNOOZE_OPTIONS)


def move_select(lead_id: int, current: str, stages: Sequence[StageRules]) -> dict[str, Any] | None:
    options = _move_options(current, stages)
    return _static_select(_MOVE, _MOVE_PLACEHOLDER, lead_id, options) if options[0] else None


# A select's options before they are about a lead: their texts, and the codes their values add to the lead's.
Choices = tuple[tuple[dict[str, Any], ...], tuple[str, ...]]


def _choices(options: Sequence[tuple[str, str]]) -> Choices:
    """Options given as (code, label), at most Slack's 100."""
    kept = options[:100]
    return tuple(plain_text(label) for _, label in kept), tuple(code for code, _ in kept)


def _move_options(current: str, stages: Sequence[StageRules]) -> Choices:
    """The move-stage choices of a lead in `current`: every other stage."""
    return _choices(
        [(stage.key, stage.name[:OPTION_TEXT_MAX]) for stage in stages if stage.key != current]
    )


def _static_select(
    action_id: str, placeholder: dict[str, Any], lead_id: int, choices: Choices
) -> dict[str, Any]:
    """A select about one lead as slack_sdk's StaticSelectElement sends it: its keys in that order.

    The texts are shared, not copied: rows are built to be serialised, never changed after."""
    texts, codes = choices
    return {
        "action_id": action_id,
        "options": [
            {"text": text, "value": value}
            for text, value in zip(texts, lead_values(lead_id, codes), strict=True)
        ],
        "placeholder": placeholder,
        "type": "static_select",
    }


_SNOOZE = str(Action.SNOOZE)
_MOVE = str(Action.MOVE_STAGE)
_SNOOZE_OPTIONS = _choices(SNOOZE_CHOICES)
_SNOOZE_PLACEHOLDER = plain_text("Snooze")
_MOVE_PLACEHOLDER = plain_text("Move stage")


def _button(
    action_id: str,
    text: str,
    value: str,
    *,
    label: str | None = None,
    primary: bool = False,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A button as slack_sdk's ButtonElement sends it: its keys in that order."""
    button: dict[str, Any] = {}
    if label is not None:
        button["accessibility_label"] = accessible(label)
    button["action_id"] = action_id
    if confirm is not None:
        button["confirm"] = confirm
    if primary:
        button["style"] = "primary"
    button["text"] = plain_text(text)
    button["type"] = "button"
    button["value"] = value
    return button


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
    """`work_buttons` for the rows of one list: each stage's move-stage choices are worked out
    once, not once a row (a tick builds tens of thousands of rows over a handful of stages)."""

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
        name = lead_label(lead_id, company) if company is not None else None
        elements = [
            _button(
                _LOG_TOUCH, "Log touch", value, label=name and f"Log touch on {name}", primary=True
            ),
            _static_select(_SNOOZE, _SNOOZE_PLACEHOLDER, lead_id, _SNOOZE_OPTIONS),
        ]
        if moves[0]:
            elements.append(_static_select(_MOVE, _MOVE_PLACEHOLDER, lead_id, moves))
        elements.append(_button(_OPEN, "Open", value, label=name and f"Open {name}"))
        if name is None:
            return elements
        sure = {
            "title": _WON_TITLE,
            "text": mrkdwn_text(f"{name} closes as won and counts toward the win rate."),
            "confirm": _WON_CONFIRM,
            "deny": _WON_DENY,
        }
        elements += [
            _button(_EDIT, "Edit", value, label=f"Edit {name}"),
            _button(_WON, "Won", value, label=f"Mark won {name}", confirm=sure),
            _button(_LOST, "Lost…", value, label=f"Mark lost {name}"),
        ]
        return elements


_WON_TITLE = plain_text("Mark this lead won?")
_WON_CONFIRM = plain_text("Mark won")
_WON_DENY = plain_text("Cancel")
_LOG_TOUCH = str(Action.LOG_TOUCH)
_OPEN = str(Action.OPEN_LEAD)
_EDIT = str(Action.EDIT_LEAD)
_WON = str(Action.WON)
_LOST = str(Action.LOST)


def lead_row(prefix: str, lead_id: int, line: str, elements: Sequence[Any]) -> LeadRow:
    """A section with the lead's line and an actions block with its buttons; block ids carry the lead id."""
    return LeadRow(lead_id, prefix, lambda: line, lambda: elements)


@dataclass(frozen=True)
class WorkList:
    """What every row of one list to work through shares: its block ids' prefix, the moment and
    day its lines are said for, the reader's zone, and the buttons (see `work_buttons`)."""

    prefix: str
    now: datetime
    today: date
    zone: tzinfo | None
    buttons: WorkButtons

    @classmethod
    def of(
        cls,
        prefix: str,
        *,
        stages: Sequence[StageRules],
        now: datetime,
        today: date,
        zone: tzinfo | None = None,
    ) -> WorkList:
        return cls(prefix, now, today, zone, WorkButtons(stages))

    def row(self, lead: LeadFacts, stage: StageRules, *, reason: str, **flags: bool) -> LeadRow:
        """A lead's row, with the buttons that clear it from the list."""
        return LeadRow(
            lead.id,
            self.prefix,
            lambda: render_lead_line(
                lead,
                stage,
                reason=reason,
                now=self.now,
                today=self.today,
                zone=self.zone,
                **flags,
            ),
            lambda: self.buttons(lead.id, lead.stage, lead.company),
        )


def lead_ids_in(payload: dict[str, Any], *, prefix: str) -> frozenset[int]:
    """The leads a recorded message showed, read back from its block ids."""
    marker = f"{prefix}_lead_"
    ids = set()
    for block in payload.get("blocks") or ():
        block_id = str(block.get("block_id", ""))
        if block_id.startswith(marker) and block_id[len(marker) :].isdigit():
            ids.add(int(block_id[len(marker) :]))
    return frozenset(ids)


def lead_ids_in_text(text: str, *, prefix: str) -> frozenset[int]:
    """`lead_ids_in` of a recorded message's JSON text, without parsing the whole message.

    A block id is an object key's value, so it appears as `"block_id": "<prefix>_lead_<id>"` with
    bare quotes; inside a string (user text) every quote is escaped, so no text can imitate one.
    """
    return frozenset(int(found) for found in _block_id_pattern(prefix).findall(text))


@cache
def _block_id_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf'"block_id":\s*"{re.escape(prefix)}_lead_(\d+)"')


def more_context(hidden: int) -> dict[str, Any]:
    return context_block(f"…and {hidden} more — open the App Home to see them all", block_id="more")


def snapshot_text(snapshot: Snapshot) -> str:
    return render("job_snapshot.md.j2", **snapshot_fields(snapshot))


def fit_groups(
    groups: Sequence[tuple[Title | None, Sequence[LeadRow]]],
    *,
    budget: int,
    counts: Sequence[int] | None = None,
) -> tuple[list[Title], list[LeadRow], int]:
    """Lay out titled groups of lead rows in at most `budget` blocks; returns blocks, shown rows, hidden count.

    When everything does not fit, one block is kept back for the "…and N more" line. With
    `counts`, each group's rows are only its first ones and `counts` says how many it has in all:
    the rest take two blocks each, and must be ones that would not have fit anyway.
    """
    totals = [len(rows) for _title, rows in groups] if counts is None else list(counts)
    total = sum(
        (1 if title else 0) + sum(row.size for row in rows) + ROW_BLOCKS * (count - len(rows))
        for (title, rows), count in zip(groups, totals, strict=True)
    )
    room = budget if total <= budget else budget - 1
    blocks: list[Title] = []
    shown: list[LeadRow] = []
    hidden = 0
    for (title, rows), count in zip(groups, totals, strict=True):
        header_cost = 1 if title else 0
        for index in range(count):
            cost = (rows[index].size if index < len(rows) else ROW_BLOCKS) + (
                header_cost if index == 0 else 0
            )
            if cost > room:
                hidden += count - index
                break
            if index >= len(rows):
                raise ValueError("a group's first rows leave out one that fits")
            if index == 0 and title is not None:
                blocks.append(title)
            blocks.extend(rows[index].blocks)
            shown.append(rows[index])
            room -= cost
    return blocks, shown, hidden


def fit_with_more(
    groups: Sequence[tuple[Title | None, Sequence[LeadRow]]],
    *,
    budget: int,
    counts: Sequence[int] | None = None,
) -> list[Title]:
    """`fit_groups`'s blocks, ending with the "…and N more" line when some rows did not fit."""
    body, _shown, hidden = fit_groups(groups, budget=budget, counts=counts)
    return body + ([more_context(hidden)] if hidden else [])


def list_message(intro: str, rows: Sequence[LeadRow], *, total: int | None = None) -> SlackMessage:
    """A DM that is an intro and one list of lead rows, within the block cap.

    With `total`, `rows` are the list's first rows (at least `SHOWN_MAX` of them, when it has that
    many) of `total` in all."""
    count = len(rows) if total is None else total
    fixed: list[Title] = [section_block(intro, block_id="intro")]
    budget = MESSAGE_BLOCKS_MAX - len(fixed)
    blocks = fixed + fit_with_more([(None, rows)], budget=budget, counts=[count])
    return SlackMessage(
        text=fallback_text(intro, rows, hidden=count - len(rows)), blocks=to_dicts(blocks)
    )


def fallback_text(
    intro: str, rows: Sequence[LeadRow], *, hidden: int, footer: str | None = None
) -> str:
    """The plain `text` of a message: the intro, the first leads, the rest counted, then the footer."""
    lines = [intro]
    lines.extend(f"• {row.text}" for row in rows[:TEXT_ITEMS])
    rest = hidden + max(0, len(rows) - TEXT_ITEMS)
    if rest:
        lines.append(f"…and {rest} more")
    if footer:
        lines.append(footer)
    return "\n".join(lines)
