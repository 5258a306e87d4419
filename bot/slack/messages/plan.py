"""The morning plan and the afternoon overdue DM."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from bot.domain.plan import SECTIONS, MorningPlan, OverdueItem, Section
from bot.domain.rhythm import StageRules
from bot.slack.kit import (
    MESSAGE_BLOCKS_MAX,
    SlackMessage,
    divider_block,
    header_block,
    section_block,
    to_dicts,
)
from bot.slack.messages.rows import (
    SHOWN_MAX,
    LeadRow,
    Title,
    WorkList,
    fallback_text,
    fit_with_more,
    lead_ids_in,
    lead_ids_in_text,
    list_message,
    snapshot_text,
)
from bot.slack.render import macro, render

PLAN_PREFIX = "plan"
OVERDUE_PREFIX = "overdue"

SECTION_TITLES = {
    Section.OVERDUE: ("Overdue follow-ups", "overdue"),
    Section.DUE_TODAY: ("Due today", "due today"),
    Section.MISSED_CLOSE: ("Missed close dates", "missed close date"),
    Section.CLOSING: ("Close to closing", "close to closing"),
    Section.GOING_STALE: ("Going stale", "going stale"),
    Section.STUCK: ("Stuck in their stage", "stuck"),
    Section.NEW: ("New leads awaiting a first touch", "new"),
    Section.NO_NEXT_STEP: ("No next step yet", "without a next step"),
}


def _plan_title(plan: MorningPlan) -> str:
    return f"Your plan for {plan.day:%A} {plan.day.day} {plan.day:%B}"


def build_morning_plan_blocks(
    plan: MorningPlan, *, stages: Sequence[StageRules], now: datetime, zone: tzinfo | None = None
) -> SlackMessage:
    """The morning DM: what to work today, section by section, and the pipeline snapshot, in ≤ 50 blocks."""
    counts = plan.counts()
    parts = [f"*{counts[part]}* {SECTION_TITLES[part][1]}" for part in SECTIONS if counts[part]]
    plan_intro = macro("job_plan_intro.md.j2", "plan_intro", ("clear", "parts"))
    intro = plan_intro(plan.is_clear, parts).strip()
    groups: list[tuple[Title | None, list[LeadRow]]] = []
    group_counts: list[int] = []
    work = WorkList.of(PLAN_PREFIX, stages=stages, now=now, today=plan.day, zone=zone)
    for part in SECTIONS:
        rows = [
            work.row(item.lead, item.stage, reason=part.value) for item in plan.in_section(part)
        ]
        if counts[part]:
            groups.append(
                (
                    section_block(f"*{SECTION_TITLES[part][0]}*", block_id=f"title_{part.value}"),
                    rows,
                )
            )
            group_counts.append(counts[part])
    snapshot = snapshot_text(plan.snapshot)
    fixed: list[Title] = [header_block(_plan_title(plan)), section_block(intro, block_id="intro")]
    tail: list[Title] = [divider_block(), section_block(snapshot, block_id="snapshot")]
    budget = MESSAGE_BLOCKS_MAX - len(fixed) - len(tail)
    blocks = fixed + fit_with_more(groups, budget=budget, counts=group_counts) + tail
    all_rows = [row for _title, rows in groups for row in rows]
    text = fallback_text(
        f"*{_plan_title(plan)}*\n{intro}",
        all_rows,
        hidden=plan.listed - len(all_rows),
        footer=snapshot,
    )
    return SlackMessage(text=text, blocks=to_dicts(blocks))


def plan_lead_ids(payload: dict[str, Any]) -> frozenset[int]:
    """The leads a recorded morning plan showed (those hidden behind "and N more" were not shown)."""
    return lead_ids_in(payload, prefix=PLAN_PREFIX)


def plan_lead_ids_in_text(text: str) -> frozenset[int]:
    """`plan_lead_ids` of a recorded plan's JSON text: a tick reads thousands without loading them."""
    return lead_ids_in_text(text, prefix=PLAN_PREFIX)


def build_empty_pipeline_blocks(*, day: date) -> SlackMessage:
    """The short Monday DM of a rep with no open lead: time to fill the pipeline."""
    text = render("job_empty_pipeline.md.j2", day=day)
    return SlackMessage(text=text, blocks=[section_block(text, block_id="empty_pipeline")])


def build_overdue_blocks(
    items: Sequence[OverdueItem],
    *,
    stages: Sequence[StageRules],
    now: datetime,
    today: date,
    zone: tzinfo | None = None,
) -> SlackMessage:
    """The 14:00 DM: follow-ups due today and not done, and overdue ones nobody acted on since the plan."""
    due_today = sum(1 for item in items if item.due_today)
    in_plan = sum(1 for item in items if not item.due_today and item.in_plan)
    intro = render(
        "job_overdue_intro.md.j2",
        due_today=due_today,
        in_plan=in_plan,
        fresh=len(items) - due_today - in_plan,
    )
    work = WorkList.of(OVERDUE_PREFIX, stages=stages, now=now, today=today, zone=zone)
    rows = [
        work.row(
            item.lead,
            item.stage,
            reason="due_today" if item.due_today else "overdue",
            in_plan=item.in_plan,
        )
        for item in items[:SHOWN_MAX]
    ]
    return list_message(intro, rows, total=len(items))
