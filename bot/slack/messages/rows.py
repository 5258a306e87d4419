"""Lead rows (a line, then the buttons of `row_buttons`), and laying them out within the 50-block cap: what the job DMs share."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import cache
from typing import Any

from jinja2 import StrictUndefined
from slack_sdk.models.blocks import Block

from bot.domain.rhythm import LeadFacts, Snapshot, StageRules, whole_days
from bot.slack import format as fmt
from bot.slack.kit import (
    MESSAGE_BLOCKS_MAX,
    SlackMessage,
    context_block,
    section_block,
    snapshot_fields,
    to_dicts,
    touched_label,
)
from bot.slack.messages.row_buttons import WorkButtons
from bot.slack.render import macro

TEXT_ITEMS = 15
# Blocks a lead's row takes: its line, then its buttons.
ROW_BLOCKS = 2
# The most lead rows a message can show or name in its text: a list needs only its first this
# many rows, and how many there are in all.
SHOWN_MAX = max(MESSAGE_BLOCKS_MAX // ROW_BLOCKS, TEXT_ITEMS)


# What a title in a list of rows is: a block built either way.
Title = Block | dict[str, Any]


class LeadRow:
    """One lead's two blocks (what, then buttons) and its one-line text fallback.

    The line and the buttons are built the first time they are asked for: a list of 200 leads
    shows about 20, and the rest only count towards "…and N more". Each kind of row says how it
    makes them (`make_line`, `make_elements`) from what it keeps: a plain slotted class rather than
    closures or a frozen dataclass, as a tick makes a hundred thousand of them.
    """

    __slots__ = ("lead_id", "prefix", "_line")
    # Blocks the row takes, known without building them.
    size = ROW_BLOCKS

    def __init__(self, lead_id: int, prefix: str) -> None:
        self.lead_id = lead_id
        self.prefix = prefix
        self._line: str | None = None

    def make_line(self) -> str:
        raise NotImplementedError

    def make_elements(self) -> list[dict[str, Any]]:
        raise NotImplementedError

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
                "text": {"text": self.line, "type": "mrkdwn"},
                "type": "section",
            },
            {
                "block_id": f"{self.prefix}_actions_{self.lead_id}",
                "elements": self.make_elements(),
                "type": "actions",
            },
        )

    @property
    def text(self) -> str:
        return " — ".join(part for part in self.line.splitlines() if part.strip())


class _BuiltRow(LeadRow):
    """A row whose line and buttons were built before it."""

    __slots__ = ("_elements",)

    def __init__(self, lead_id: int, prefix: str, line: str, elements: list[dict[str, Any]]):
        super().__init__(lead_id, prefix)
        self._line = line
        self._elements = elements

    def make_elements(self) -> list[dict[str, Any]]:
        return self._elements


# What a lead's line (`job_lead_line.md.j2`) says besides the lead, by reason: when it was last
# touched, when it came in, how long it has gone untouched, how long it has been in its stage.
# Each is worked out only for the lines that say it (a tick renders a hundred thousand lines);
# the others get `_UNSAID`, which fails the render if the template ever says it after all.
_SAYS_TOUCHED = frozenset(
    ("overdue", "due_today", "missed_close", "closing", "no_next_step", "cadence")
)
_SAYS_CAME_IN = frozenset(("new",))
_SAYS_UNTOUCHED = frozenset(("going_stale", "nudge"))
_SAYS_IN_STAGE = frozenset(("missed_close", "closing", "stuck", "nudge", "cadence"))
_UNSAID = StrictUndefined(
    hint="not worked out for this reason: see _SAYS_* in bot.slack.messages.rows"
)
# The macro's parameters, in its order: `_lead_line` hands them over by position.
_LINE_ARGUMENTS = (
    "lead_id",
    "company",
    "value",
    "currency",
    "contact",
    "verdict",
    "stage_name",
    "next_follow_up",
    "expected_close",
    "reason",
    "today",
    "in_plan",
    "stale",
    "stuck",
    "touched",
    "came_in",
    "attempts",
    "untouched_days",
    "in_stage_days",
    "stale_after",
    "stuck_after",
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
    return _lead_line(lead, stage, reason, now, today, zone, in_plan, stale, stuck, attempts)


def _lead_line(
    lead: LeadFacts,
    stage: StageRules,
    reason: str,
    now: datetime,
    today: date,
    zone: tzinfo | None,
    in_plan: bool,
    stale: bool,
    stuck: bool,
    attempts: int,
) -> str:
    """`render_lead_line`, every argument by position: the line of each row of every job DM."""
    return _line_macro()(
        lead.id,
        lead.company,
        lead.value,
        lead.currency,
        lead.contact,
        lead.verdict,
        stage.name,
        lead.next_follow_up,
        lead.expected_close,
        reason,
        today,
        in_plan,
        stale,
        stuck,
        touched_label(lead.last_touch_at, now, zone) if reason in _SAYS_TOUCHED else _UNSAID,
        fmt.age(lead.created_at, now, zone) if reason in _SAYS_CAME_IN else _UNSAID,
        attempts,
        whole_days(lead.no_touch_since(), now) if reason in _SAYS_UNTOUCHED else _UNSAID,
        whole_days(lead.stage_changed_at, now) if reason in _SAYS_IN_STAGE else _UNSAID,
        stage.stale_days,
        stage.stuck_days,
    ).strip()


@cache
def _line_macro() -> Callable[..., str]:
    # `macro` is cached too, but by its arguments: hashing the 21 names for every line of a tick
    # is what this saves.
    return macro("job_lead_line.md.j2", "lead_line", _LINE_ARGUMENTS)


def lead_row(prefix: str, lead_id: int, line: str, elements: Sequence[Any]) -> LeadRow:
    """A section with the lead's line and an actions block with its buttons; block ids carry the lead id."""
    return _BuiltRow(lead_id, prefix, line, to_dicts(elements))


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

    def row(
        self,
        lead: LeadFacts,
        stage: StageRules,
        *,
        reason: str,
        in_plan: bool = False,
        stale: bool = False,
        stuck: bool = False,
    ) -> LeadRow:
        """A lead's row, with the buttons that clear it from the list."""
        return _WorkRow(self, lead, stage, reason, in_plan, stale, stuck)


class _WorkRow(LeadRow):
    """A row of a `WorkList`: its line and buttons are made from the lead when first asked for."""

    __slots__ = ("work", "lead", "stage", "reason", "in_plan", "stale", "stuck")

    def __init__(
        self,
        work: WorkList,
        lead: LeadFacts,
        stage: StageRules,
        reason: str,
        in_plan: bool,
        stale: bool,
        stuck: bool,
    ) -> None:
        # The base's fields set here, not by calling its __init__: one call less a row.
        self.lead_id = lead.id
        self.prefix = work.prefix
        self._line = None
        self.work = work
        self.lead = lead
        self.stage = stage
        self.reason = reason
        self.in_plan = in_plan
        self.stale = stale
        self.stuck = stuck

    def make_line(self) -> str:
        work = self.work
        return _lead_line(
            self.lead,
            self.stage,
            self.reason,
            work.now,
            work.today,
            work.zone,
            self.in_plan,
            self.stale,
            self.stuck,
            0,
        )

    def make_elements(self) -> list[dict[str, Any]]:
        lead = self.lead
        return self.work.buttons(lead.id, lead.stage, lead.company)


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
    fields = snapshot_fields(snapshot)
    snapshot_macro = macro("job_snapshot.md.j2", "snapshot", ("count", "value", "weighted", "rows"))
    return snapshot_macro(
        fields["count"], fields["value"], fields["weighted"], fields["rows"]
    ).strip()


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
