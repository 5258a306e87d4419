"""Block Kit for `/pipeline`: open leads by stage, today's follow-ups, and for managers the team by rep."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import Block, DividerBlock

from bot.domain.rhythm import Snapshot
from bot.services.pipeline_queries import PipelineSummary, RepRow
from bot.slack.kit import (
    MESSAGE_BLOCKS_MAX,
    SECTION_TEXT_MAX,
    SlackMessage,
    context,
    money_label,
    section,
    snapshot_fields,
    to_dicts,
    totals_fields,
    who,
)
from bot.slack.messages.lead import TEXT_BUDGET
from bot.slack.render import render

USAGE = (
    "Usage: `/pipeline` for your pipeline, or `/pipeline report` for the weekly report "
    "(a rep gets their own week; a manager gets the team's, posted there when asked in the "
    "managers' channel)."
)


def snapshot_text(snapshot: Snapshot, *, title: str) -> str:
    return render("pipeline_snapshot.md.j2", title=title, **snapshot_fields(snapshot))


def rep_line(row: RepRow) -> str:
    return render(
        "pipeline_rep_row.md.j2",
        who=who(row.rep_id),
        **totals_fields(row.snapshot),
        overdue=row.overdue,
        due_today=row.due_today,
    )


def rep_sections(rows: tuple[RepRow, ...], *, budget: int, chars: int) -> list[Block]:
    """One line per rep packed into sections; past `budget` blocks or `chars` characters the rest are counted."""
    chunks: list[list[str]] = []
    size = used = shown = 0
    for row in rows:
        line = rep_line(row)
        used += len(line) + 1
        if used > chars:
            break
        if not chunks or size + len(line) + 1 > SECTION_TEXT_MAX:
            if len(chunks) == budget - 1:
                break
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line) + 1
        shown += 1
    blocks: list[Block] = [section("\n".join(chunk)) for chunk in chunks]
    if shown < len(rows):
        blocks.append(context(f"…and {len(rows) - shown} more reps"))
    return blocks


def build_pipeline_blocks(summary: PipelineSummary, *, today: date) -> SlackMessage:
    """The caller's pipeline and today's follow-ups; the team and a row per rep when there is a team view."""
    mine = snapshot_text(summary.mine, title="Your pipeline")
    attention = summary.attention
    needs = render(
        "pipeline_attention.md.j2",
        overdue=attention.overdue,
        overdue_total=attention.overdue_total,
        due=attention.due_today,
        due_total=attention.due_today_total,
        today=today,
    )
    blocks: list[Block] = [section(mine, block_id="mine"), section(needs, block_id="attention")]
    if summary.team is not None:
        team = snapshot_text(summary.team, title="Team")
        blocks += [DividerBlock(), section(team, block_id="team")]
        if summary.reps:
            blocks += rep_sections(
                summary.reps,
                budget=MESSAGE_BLOCKS_MAX - len(blocks) - 1,
                chars=TEXT_BUDGET - len(mine) - len(needs) - len(team),
            )
    blocks.append(
        context("`/lead list` to work through your leads · `/lead help` for every command")
    )
    text = (
        f"Your pipeline: {summary.mine.count} open · {money_label(summary.mine.value)} · "
        f"{attention.overdue_total} overdue · {attention.due_today_total} due today"
    )
    if summary.team is not None:
        text += f"\nTeam: {summary.team.count} open · {money_label(summary.team.value)}"
    return SlackMessage(text=text, blocks=to_dicts(blocks))
