"""The controls every managers'-channel item shares (Open, Nudge owner, Reassign) and what they send. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConfirmObject,
    Option,
    OptionGroup,
    StaticSelectElement,
)

from bot.domain.money import MoneySum
from bot.domain.rhythm import LeadFacts, StageRules
from bot.services.records import LeadView
from bot.services.reps import RepChoice
from bot.slack import format as fmt
from bot.slack.controls import OPTION_VALUE_MAX, ROUND_ROBIN, ItemControl, ItemKind
from bot.slack.ids import Action
from bot.slack.kit import (
    OPTION_TEXT_MAX,
    SlackMessage,
    accessible,
    clip,
    lead_label,
    section,
    to_dicts,
    who,
)
from bot.slack.messages.rows import WorkList, list_message
from bot.slack.mrkdwn import escape

NUDGE_PREFIX = "managers_nudge"
MAX_REP_OPTIONS = 99


def money_sum_label(money: MoneySum) -> str:
    """`$120k`, with `+ ₩50m not converted` when some values have no rate into the reporting currency."""
    parts = [fmt.short_money(money.total, money.currency)]
    parts.extend(money.not_converted_lines())
    return " ".join(parts)


def share_label(share: object) -> str:
    """A share (0–1) as a whole percent; `—` when there is none."""
    try:
        return f"{float(share) * 100:.0f}%"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"


def reassign_select(
    item: ItemControl, reps: Sequence[RepChoice], *, exclude: str = ""
) -> StaticSelectElement | None:
    """Reassign…: round-robin among the reps in their working hours, or one rep by name."""
    choices = [rep for rep in reps if rep.id != exclude][:MAX_REP_OPTIONS]
    auto = Option(text="Round-robin: reps at work now", value=item.picking(ROUND_ROBIN).encode())
    named = [
        Option(text=clip(rep.name or rep.id, OPTION_TEXT_MAX), value=item.picking(rep.id).encode())
        for rep in choices
    ]
    options = [auto, *named]
    if any(len(option.value or "") > OPTION_VALUE_MAX for option in options):
        return None
    return StaticSelectElement(
        placeholder="Reassign…",
        action_id=Action.MANAGERS_REASSIGN,
        option_groups=[
            OptionGroup(label="Automatic", options=[auto]),
            *([OptionGroup(label="Give to", options=named)] if named else []),
        ],
        confirm=ConfirmObject(
            title="Reassign these leads?",
            text="Each new owner gets a DM at once, with the leads.",
            confirm="Reassign",
            deny="Cancel",
        ),
    )


def item_actions(
    block_id: str,
    item: ItemControl,
    *,
    open_leads: bool = True,
    nudge: bool = False,
    reps: Sequence[RepChoice] | None = None,
    exclude: str = "",
) -> ActionsBlock | None:
    """The buttons under one item: Open (the list, privately), Nudge owner, Reassign."""
    value = item.encode()
    elements: list[object] = []
    if open_leads:
        elements.append(ButtonElement(text="Open", action_id=Action.MANAGERS_OPEN, value=value))
    if nudge:
        elements.append(
            ButtonElement(text="Nudge owner", action_id=Action.MANAGERS_NUDGE, value=value)
        )
    if reps is not None:
        select = reassign_select(item, reps, exclude=exclude)
        if select is not None:
            elements.append(select)
    return ActionsBlock(block_id=block_id, elements=elements) if elements else None


def build_pick_owner_blocks(
    lead: LeadView, *, holder: str, reps: Sequence[RepChoice], stage_name: str
) -> SlackMessage:
    """A lead came in and no rep was at work to take it: it waits with `holder`; pick who gets it."""
    worth = f" ({fmt.short_money(lead.value, lead.currency)})" if lead.value is not None else ""
    name = f"#{lead.id} {escape(clip(lead.company, 80))}"
    source = f" from {escape(clip(lead.source, 40))}" if lead.source else ""
    text = (
        f":inbox_tray: New lead *{name}*{worth}{source}, {escape(stage_name)}: no rep was at work "
        f"to take it, so it waits with {who(holder)}. Pick who gets it; they get a DM at once and "
        "the speed-to-lead clock starts for them."
    )
    elements: list[object] = [
        ButtonElement(
            text="Open lead",
            action_id=Action.OPEN_LEAD,
            value=str(lead.id),
            accessibility_label=accessible(f"Open {lead_label(lead.id, lead.company)}"),
        )
    ]
    reassign = reassign_select(ItemControl(ItemKind.LEAD, (str(lead.id),)), reps, exclude=holder)
    if reassign is not None:
        elements.append(reassign)
    blocks = [
        section(text, block_id=f"pick_owner_{lead.id}"),
        ActionsBlock(block_id=f"pick_owner_actions_{lead.id}", elements=elements),
    ]
    return SlackMessage(text=text, blocks=to_dicts(blocks))


def facts_of(lead: LeadView) -> LeadFacts:
    """A lead as the job builders lay it out."""
    return LeadFacts(
        id=lead.id, company=lead.company, contact=lead.contact, owner_id=lead.owner_id,
        stage=lead.stage, value=lead.value, currency=lead.currency, created_at=lead.created_at,
        stage_changed_at=lead.stage_changed_at, last_touch_at=lead.last_touch_at,
        first_touch_at=lead.last_touch_at, next_follow_up=lead.next_follow_up,
        snoozed_until=lead.snoozed_until, touch_count=lead.touch_count,
    )  # fmt: skip


def build_manager_nudge_blocks(
    leads: Sequence[LeadView],
    *,
    manager_id: str,
    why: str,
    stages: Sequence[StageRules],
    now: datetime,
    today: date,
) -> SlackMessage:
    """The DM "Nudge owner" sends: which manager asks, why, and each lead with the moves that clear it."""
    by_key = {stage.key: stage for stage in stages}
    intro = f"{who(manager_id)} asks you to look at {_count(len(leads))}: {escape(why)}."
    if not leads:
        intro = f"{who(manager_id)} says: {escape(why)}."
    work = WorkList.of(NUDGE_PREFIX, stages=stages, now=now, today=today)
    rows = [
        work.row(facts_of(lead), by_key.get(lead.stage, stages[0]), reason="nudge")
        for lead in leads
    ]
    return list_message(intro, rows)


def _count(n: int) -> str:
    return "1 lead" if n == 1 else f"{n} leads"
