"""The App Home board as a Block Kit view. Pure: a board and the viewer's clock in, a view dict out."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime, tzinfo
from enum import StrEnum
from functools import partial
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    OverflowMenuElement,
    SectionBlock,
    StaticSelectElement,
)

from bot.config import Stage
from bot.domain.rep_settings import MySettings
from bot.services.board import Board, BoardLead, StageColumn
from bot.slack import format as fmt
from bot.slack.controls import LeadControl
from bot.slack.ids import Action
from bot.slack.kit import (
    HEADER_TEXT_MAX,
    OPTION_TEXT_MAX,
    SECTION_TEXT_MAX,
    VIEW_BLOCKS_MAX,
    money_label,
    totals_fields,
    touched_label,
)
from bot.slack.messages.row_buttons import SNOOZE_CHOICES
from bot.slack.mrkdwn import escape, mention, truncate
from bot.slack.render import render
from bot.slack.settings import settings_block

# Slack refuses views over 250 kB; many stages make the per-stage selects large, so keep a margin.
VIEW_BYTES_BUDGET = 200_000


class Scope(StrEnum):
    """Whose leads the board shows: the viewer's own, or (managers only) the whole team's."""

    MINE = "mine"
    TEAM = "team"

    @classmethod
    def parse(cls, value: str | None, *, is_manager: bool) -> Scope:
        """The scope asked for, falling back to Mine for anything else or for a non-manager."""
        return cls.TEAM if value == cls.TEAM and is_manager else cls.MINE


class LeadMenu(StrEnum):
    """The verbs of a lead's overflow menu; an option's value is `<lead id>:<verb>[:<argument>]`."""

    LOG_TOUCH = "log_touch"
    EDIT = "edit"
    QUALIFY = "qualify"
    SNOOZE = "snooze"
    MOVE = "move"
    WON = "won"
    LOST = "lost"
    ARCHIVE = "archive"
    KEEP = "keep"


def scope_action_id(scope: Scope) -> str:
    """Each Mine/Team button needs its own action id within one actions block."""
    return f"{Action.HOME_SCOPE}:{scope}"


def plain(text: str, limit: int) -> str:
    """User text for a plain_text field: escaped like mrkdwn (Slack decodes both) and cut to fit."""
    return truncate(escape(text), limit)


def lead_menu(lead_id: int) -> OverflowMenuElement:
    """A lead's ⋯ menu (Slack allows five options): moving and snoozing live in each stage's
    selects. Mark won and Mark lost ask first, in a modal: an option cannot carry a confirm dialog."""
    options: list[tuple[str, tuple[str, ...]]] = [
        ("Log touch", (LeadMenu.LOG_TOUCH,)),
        ("Edit lead", (LeadMenu.EDIT,)),
        ("Qualify", (LeadMenu.QUALIFY,)),
        ("Mark won…", (LeadMenu.WON,)),
        ("Mark lost…", (LeadMenu.LOST,)),
    ]
    return OverflowMenuElement(
        action_id=Action.OVERFLOW,
        options=[
            Option(text=label, value=LeadControl(lead_id, parts).encode())
            for label, parts in options
        ],
    )


def follow_up_state(lead: BoardLead, today: date) -> str:
    """`overdue`, `today`, or empty: how urgent the lead's next follow-up is."""
    if lead.next_follow_up is None:
        return ""
    if lead.next_follow_up < today:
        return "overdue"
    return "today" if lead.next_follow_up == today else ""


def lead_text(
    lead: BoardLead, *, now: datetime, today: date, show_owner: bool, zone: tzinfo | None = None
) -> str:
    """The mrkdwn of one board row; the template escapes the company. Ages are the viewer's
    calendar days (`zone`)."""
    return render(
        "home_lead.md.j2",
        lead=lead,
        owner=mention(lead.owner_id) if show_owner else "",
        in_stage=fmt.age(lead.stage_changed_at, now, zone),
        touched=touched_label(lead.last_touch_at, now, zone),
        follow_up=follow_up_state(lead, today),
        snoozed=lead.snoozed_until is not None and lead.snoozed_until > today,
        today=today,
    )


def lead_block(
    lead: BoardLead, *, now: datetime, today: date, show_owner: bool, zone: tzinfo | None = None
) -> SectionBlock:
    text = lead_text(lead, now=now, today=today, show_owner=show_owner, zone=zone)
    return SectionBlock(
        block_id=f"home_lead_{lead.id}",
        text=MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX)),
        accessory=lead_menu(lead.id),
    )


def stage_header(column: StageColumn) -> HeaderBlock:
    value, weighted = money_label(column.value), money_label(column.weighted)
    label = f"{column.name} · {column.count} · {value} · {weighted} weighted"
    return HeaderBlock(block_id=f"home_stage_{column.key}", text=plain(label, HEADER_TEXT_MAX))


def _per_lead_select(
    placeholder: str,
    action_id: str,
    shown: Sequence[BoardLead],
    options: Callable[[BoardLead], list[Option]],
) -> StaticSelectElement:
    """One select for a whole stage, with an option group per lead shown."""
    return StaticSelectElement(
        placeholder=placeholder,
        action_id=action_id,
        option_groups=[
            OptionGroup(
                label=plain(f"#{lead.id} {lead.company}", OPTION_TEXT_MAX), options=options(lead)
            )
            for lead in shown
        ],
    )


def _move_options(lead: BoardLead, targets: Sequence[Stage]) -> list[Option]:
    return [
        Option(
            text=plain(f"→ {stage.name}", OPTION_TEXT_MAX),
            value=LeadControl(lead.id, (stage.key,)).encode(),
        )
        for stage in targets
    ]


def _snooze_options(lead: BoardLead) -> list[Option]:
    return [
        Option(text=f"Snooze {label}", value=LeadControl(lead.id, (code,)).encode())
        for code, label in SNOOZE_CHOICES
    ]


def stage_actions(
    column: StageColumn, shown: Sequence[BoardLead], stages: Sequence[Stage]
) -> ActionsBlock:
    """Move or snooze any lead shown in this stage: one option group per lead."""
    targets = [stage for stage in stages if stage.key != column.key]
    elements: list[StaticSelectElement] = []
    if targets:
        move = partial(_move_options, targets=targets)
        elements.append(_per_lead_select("Move a lead…", Action.MOVE_STAGE, shown, move))
    elements.append(_per_lead_select("Snooze a lead…", Action.SNOOZE, shown, _snooze_options))
    return ActionsBlock(block_id=f"home_stage_actions_{column.key}", elements=elements)


def more_block(column: StageColumn, hidden: int, scope: Scope) -> ContextBlock:
    who = "all" if scope is Scope.TEAM else "mine"
    text = render(
        "home_more.md.j2", hidden=hidden, stage_name=column.name, stage_key=column.key, who=who
    )
    return ContextBlock(
        block_id=f"home_more_{column.key}", elements=[MarkdownTextObject(text=text)]
    )


def allocate_rows(available: Sequence[int], totals: Sequence[int], budget: int) -> list[int]:
    """How many leads each stage shows within `budget` blocks, sharing fairly between stages.

    A stage costs its header, plus a row per lead shown, an actions block once it shows any,
    and a "…and N more" line while it hides some of `totals`. Returns rows per stage; stages
    that do not fit even empty get 0 and must be dropped by the caller.
    """
    shown = [0] * len(available)
    used = sum(1 + (1 if total > 0 else 0) for total in totals)
    if used > budget:
        return shown
    growing = True
    while growing:
        growing = False
        for index in sorted(range(len(shown)), key=lambda i: shown[i]):
            if shown[index] >= available[index]:
                continue
            cost = 1 + (1 if shown[index] == 0 else 0)
            cost -= 1 if shown[index] + 1 == totals[index] else 0
            if used + cost > budget:
                continue
            shown[index] += 1
            used += cost
            growing = True
            break
    return shown


def _fit_columns(columns: Sequence[StageColumn], budget: int) -> tuple[list[StageColumn], int]:
    """The leading stages whose header and summary line fit; the count of stages left out."""
    count = len(columns)
    # Leaving a stage out costs one block for the line that names it.
    while count and 2 * count + (1 if count < len(columns) else 0) > budget:
        count -= 1
    return list(columns[:count]), len(columns) - count


def top_blocks(
    board: Board,
    *,
    scope: Scope,
    is_manager: bool,
    settings: MySettings | None = None,
    today: date | None = None,
) -> list[Block]:
    """Title, totals, My settings, the Mine/Team switch for managers and the per-rep rows for Team."""
    title = "Team pipeline" if scope is Scope.TEAM else "Your pipeline"
    summary = render("home_summary.md.j2", **totals_fields(board), overdue=board.overdue)
    blocks: list[Block] = [
        HeaderBlock(block_id="home_title", text=title),
        SectionBlock(block_id="home_summary", text=MarkdownTextObject(text=summary)),
    ]
    if settings is not None and today is not None:
        blocks.append(settings_block(settings, today=today))
    if is_manager:
        blocks.append(
            ActionsBlock(
                block_id="home_scope",
                elements=[
                    ButtonElement(
                        text=label,
                        action_id=scope_action_id(option),
                        value=option.value,
                        style="primary" if option is scope else None,
                    )
                    for label, option in (("Mine", Scope.MINE), ("Team", Scope.TEAM))
                ],
            )
        )
    if scope is Scope.TEAM and board.reps:
        blocks.append(
            SectionBlock(block_id="home_reps", text=MarkdownTextObject(text=reps_text(board)))
        )
    blocks.append(DividerBlock(block_id="home_divider"))
    return blocks


def reps_text(board: Board) -> str:
    """The per-rep rows, as many as fit in one section."""
    rows = [
        {"mention": mention(rep.owner_id), "overdue": rep.overdue, **totals_fields(rep)}
        for rep in board.reps
    ]
    shown = len(rows)
    while True:
        text = render("home_reps.md.j2", reps=rows[:shown], hidden=len(rows) - shown)
        if len(text) <= SECTION_TEXT_MAX or shown == 0:
            return text
        shown -= 1


def build_home_view(
    board: Board,
    *,
    scope: Scope,
    is_manager: bool,
    stages: Sequence[Stage],
    now: datetime,
    today: date,
    zone: tzinfo | None = None,
    settings: MySettings | None = None,
) -> dict[str, Any]:
    """The Home tab: My settings, then the board by stage in at most 100 blocks, summarising what
    does not fit."""
    max_blocks = VIEW_BLOCKS_MAX
    while True:
        view = _layout(
            board,
            scope=scope,
            is_manager=is_manager,
            stages=stages,
            now=now,
            today=today,
            zone=zone,
            max_blocks=max_blocks,
            settings=settings,
        )
        size = len(json.dumps(view, separators=(",", ":"), ensure_ascii=False).encode())
        if size <= VIEW_BYTES_BUDGET or max_blocks <= 20:
            return view
        max_blocks -= 10


def _layout(
    board: Board,
    *,
    scope: Scope,
    is_manager: bool,
    stages: Sequence[Stage],
    now: datetime,
    today: date,
    max_blocks: int,
    zone: tzinfo | None = None,
    settings: MySettings | None = None,
) -> dict[str, Any]:
    blocks = top_blocks(board, scope=scope, is_manager=is_manager, settings=settings, today=today)
    if not board.columns:
        text = render("home_empty.md.j2", team=scope is Scope.TEAM)
        blocks.append(SectionBlock(block_id="home_empty", text=MarkdownTextObject(text=text)))
        return _view(blocks, scope)
    columns, left_out = _fit_columns(board.columns, max_blocks - len(blocks))
    budget = max_blocks - len(blocks) - (1 if left_out else 0)
    shown = allocate_rows(
        [len(column.leads) for column in columns], [column.count for column in columns], budget
    )
    for column, rows in zip(columns, shown, strict=True):
        leads = column.leads[:rows]
        blocks.append(stage_header(column))
        if leads:
            blocks.append(stage_actions(column, leads, stages))
        blocks.extend(
            lead_block(lead, now=now, today=today, show_owner=scope is Scope.TEAM, zone=zone)
            for lead in leads
        )
        if column.count > rows:
            blocks.append(more_block(column, column.count - rows, scope))
    if left_out:
        names = ", ".join(escape(column.name) for column in board.columns[len(columns) :])
        blocks.append(
            ContextBlock(
                block_id="home_more_stages",
                elements=[
                    MarkdownTextObject(text=truncate(f"…and leads in {names}", SECTION_TEXT_MAX))
                ],
            )
        )
    return _view(blocks, scope)


def build_off_team_view(line: str) -> dict[str, Any]:
    """The Home of someone off the roster: the one line on who can add them."""
    blocks: list[Block] = [
        HeaderBlock(block_id="home_title", text="pipebot"),
        SectionBlock(block_id="home_off_team", text=MarkdownTextObject(text=line)),
    ]
    return _view(blocks, Scope.MINE)


def _view(blocks: list[Block], scope: Scope) -> dict[str, Any]:
    return {
        "type": "home",
        "private_metadata": scope.value,
        "blocks": [block.to_dict() for block in blocks],
    }
