"""Shared pieces of the job DMs: lead rows with their buttons, money totals, the 50-block cap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)

from bot.domain.rhythm import LeadFacts, Money, Snapshot, StageRules, whole_days
from bot.slack import format as fmt
from bot.slack.blocks import section, to_dicts
from bot.slack.ids import Action
from bot.slack.render import render

MAX_BLOCKS = 50
TEXT_ITEMS = 15
SNOOZE_CHOICES = (("1d", "1 day"), ("3d", "3 days"), ("1w", "1 week"))


@dataclass(frozen=True)
class JobMessage:
    """A job's message before it has a recipient: mrkdwn fallback text and blocks."""

    text: str
    blocks: list[dict[str, Any]]


@dataclass(frozen=True)
class LeadRow:
    """One lead's two blocks (what, then buttons) and its one-line text fallback."""

    lead_id: int
    blocks: tuple[Block, ...]
    text: str


def days_label(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


def duration_label(value: timedelta) -> str:
    """`45m`, `3h 20m`, `12h`: working time as people say it."""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes}m"
    return f"{hours}h {minutes}m" if minutes else f"{hours}h"


def money_label(money: Money) -> str:
    """`$12.5k`, or `$12.5k + €3k` for a team selling in several currencies."""
    if not money.amounts:
        return fmt.money(None)
    return " + ".join(fmt.short_money(amount, currency) for currency, amount in money.amounts)


class Totals(Protocol):
    """Anything with a lead count and money totals: a snapshot or one of its stages, a board, a rep."""

    @property
    def count(self) -> int: ...
    @property
    def value(self) -> Money: ...
    @property
    def weighted(self) -> Money: ...


def totals_fields(totals: Totals) -> dict[str, Any]:
    """Count, value and weighted value as template values, the money as people say it."""
    return {
        "count": totals.count,
        "value": money_label(totals.value),
        "weighted": money_label(totals.weighted),
    }


def snapshot_fields(snapshot: Snapshot) -> dict[str, Any]:
    """A snapshot's totals and one row per stage, as template values."""
    rows = [{"name": row.name, **totals_fields(row)} for row in snapshot.rows]
    return {**totals_fields(snapshot), "rows": rows}


def touched_label(last_touch_at: datetime | None, now: datetime) -> str:
    """`never`, `today` or `3 days ago`: when a lead was last touched."""
    if last_touch_at is None:
        return "never"
    age = fmt.age(last_touch_at, now)
    return age if age == "today" else f"{age} ago"


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
) -> str:
    """The mrkdwn for one lead in a job DM; the company and contact are escaped by the template."""
    return render(
        "job_lead_line.md.j2",
        lead=lead,
        stage_name=stage.name,
        reason=reason,
        now=now,
        today=today,
        in_plan=in_plan,
        stale=stale,
        stuck=stuck,
        touched=touched_label(lead.last_touch_at, now),
        untouched_days=whole_days(lead.no_touch_since(), now),
        in_stage_days=whole_days(lead.stage_changed_at, now),
        stale_after=stage.stale_days,
        stuck_after=stage.stuck_days,
        days_label=days_label,
        age=fmt.age,
    )


def snooze_select(lead_id: int) -> StaticSelectElement:
    return StaticSelectElement(
        placeholder="Snooze",
        action_id=Action.SNOOZE,
        options=[Option(text=label, value=f"{lead_id}:{code}") for code, label in SNOOZE_CHOICES],
    )


def move_select(
    lead_id: int, current: str, stages: Sequence[StageRules]
) -> StaticSelectElement | None:
    options = [
        Option(text=stage.name[:75], value=f"{lead_id}:{stage.key}")
        for stage in stages
        if stage.key != current
    ]
    if not options:
        return None
    return StaticSelectElement(
        placeholder="Move stage", action_id=Action.MOVE_STAGE, options=options[:100]
    )


def work_buttons(lead_id: int, current_stage: str, stages: Sequence[StageRules]) -> list[Any]:
    """Log touch, snooze (1d/3d/1w), move stage and open: the moves that clear a lead from a list."""
    value = str(lead_id)
    elements: list[Any] = [
        ButtonElement(text="Log touch", action_id=Action.LOG_TOUCH, value=value, style="primary"),
        snooze_select(lead_id),
    ]
    move = move_select(lead_id, current_stage, stages)
    if move is not None:
        elements.append(move)
    elements.append(ButtonElement(text="Open", action_id=Action.OPEN_LEAD, value=value))
    return elements


def lead_row(prefix: str, lead_id: int, line: str, elements: list[Any]) -> LeadRow:
    """A section with the lead's line and an actions block with its buttons; block ids carry the lead id."""
    return LeadRow(
        lead_id=lead_id,
        blocks=(
            SectionBlock(block_id=f"{prefix}_lead_{lead_id}", text=MarkdownTextObject(text=line)),
            ActionsBlock(block_id=f"{prefix}_actions_{lead_id}", elements=elements),
        ),
        text=" — ".join(part for part in line.splitlines() if part.strip()),
    )


def work_row(
    prefix: str,
    lead: LeadFacts,
    stage: StageRules,
    *,
    stages: Sequence[StageRules],
    reason: str,
    now: datetime,
    today: date,
    **flags: bool,
) -> LeadRow:
    """A lead's row in a list to work through, with the buttons that clear it (see `work_buttons`)."""
    line = render_lead_line(lead, stage, reason=reason, now=now, today=today, **flags)
    return lead_row(prefix, lead.id, line, work_buttons(lead.id, lead.stage, stages))


def lead_ids_in(payload: dict[str, Any], *, prefix: str) -> frozenset[int]:
    """The leads a recorded message showed, read back from its block ids."""
    marker = f"{prefix}_lead_"
    ids = set()
    for block in payload.get("blocks") or ():
        block_id = str(block.get("block_id", ""))
        if block_id.startswith(marker) and block_id[len(marker) :].isdigit():
            ids.add(int(block_id[len(marker) :]))
    return frozenset(ids)


def more_context(hidden: int) -> ContextBlock:
    return ContextBlock(
        block_id="more",
        elements=[
            MarkdownTextObject(text=f"…and {hidden} more — open the App Home to see them all")
        ],
    )


def snapshot_text(snapshot: Snapshot) -> str:
    return render("job_snapshot.md.j2", **snapshot_fields(snapshot))


def fit_groups(
    groups: Sequence[tuple[Block | None, Sequence[LeadRow]]], *, budget: int
) -> tuple[list[Block], list[LeadRow], int]:
    """Lay out titled groups of lead rows in at most `budget` blocks; returns blocks, shown rows, hidden count.

    When everything does not fit, one block is kept back for the "…and N more" line.
    """
    total = sum((1 if title else 0) + 2 * len(rows) for title, rows in groups)
    room = budget if total <= budget else budget - 1
    blocks: list[Block] = []
    shown: list[LeadRow] = []
    hidden = 0
    for title, rows in groups:
        header_cost = 1 if title else 0
        for index, row in enumerate(rows):
            cost = len(row.blocks) + (header_cost if index == 0 else 0)
            if cost > room:
                hidden += len(rows) - index
                break
            if index == 0 and title is not None:
                blocks.append(title)
            blocks.extend(row.blocks)
            shown.append(row)
            room -= cost
    return blocks, shown, hidden


def fit_with_more(
    groups: Sequence[tuple[Block | None, Sequence[LeadRow]]], *, budget: int
) -> list[Block]:
    """`fit_groups`'s blocks, ending with the "…and N more" line when some rows did not fit."""
    body, _shown, hidden = fit_groups(groups, budget=budget)
    return body + ([more_context(hidden)] if hidden else [])


def list_message(intro: str, rows: Sequence[LeadRow]) -> JobMessage:
    """A DM that is an intro and one list of lead rows, within the block cap."""
    fixed: list[Block] = [section(intro, block_id="intro")]
    blocks = fixed + fit_with_more([(None, rows)], budget=MAX_BLOCKS - len(fixed))
    return JobMessage(text=fallback_text(intro, rows, hidden=0), blocks=to_dicts(blocks))


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
