"""Block Kit for `/pipeline`: open leads by stage, today's follow-ups, and for managers the team by rep."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import Block, DividerBlock

from bot.domain.rhythm import Snapshot
from bot.services.pipeline_queries import PipelineSummary, RepRow
from bot.slack.blocks import SECTION_TEXT_MAX
from bot.slack.job_blocks.common import money_label
from bot.slack.lead_blocks import MAX_BLOCKS, Reply, context, section, to_dicts, who
from bot.slack.render import render

REPORT_COMING = (
    "`/pipeline report` is coming soon; until then managers get the weekly report "
    "every Monday morning."
)


def snapshot_text(snapshot: Snapshot, *, title: str) -> str:
    rows = [
        {
            "name": row.name,
            "count": row.count,
            "value": money_label(row.value),
            "weighted": money_label(row.weighted),
        }
        for row in snapshot.rows
    ]
    return render(
        "pipeline_snapshot.md.j2",
        title=title,
        count=snapshot.count,
        value=money_label(snapshot.value),
        weighted=money_label(snapshot.weighted),
        rows=rows,
    )


def rep_line(row: RepRow) -> str:
    return render(
        "pipeline_rep_row.md.j2",
        who=who(row.rep_id),
        count=row.snapshot.count,
        value=money_label(row.snapshot.value),
        weighted=money_label(row.snapshot.weighted),
        overdue=row.overdue,
        due_today=row.due_today,
    )


def rep_sections(rows: tuple[RepRow, ...], *, budget: int) -> list[Block]:
    """One line per rep, packed into sections under the text limit; past `budget` blocks the rest are counted."""
    chunks: list[list[str]] = [[]]
    for row in rows:
        line = rep_line(row)
        if sum(len(text) + 1 for text in chunks[-1]) + len(line) > SECTION_TEXT_MAX - 100:
            chunks.append([])
        chunks[-1].append(line)
    chunks = [chunk for chunk in chunks if chunk]
    if len(chunks) <= budget:
        return [section("\n".join(chunk)) for chunk in chunks]
    shown = chunks[: budget - 1]
    hidden = len(rows) - sum(len(chunk) for chunk in shown)
    return [section("\n".join(chunk)) for chunk in shown] + [context(f"…and {hidden} more reps")]


def build_pipeline_blocks(summary: PipelineSummary, *, today: date) -> Reply:
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
        blocks += [
            DividerBlock(),
            section(snapshot_text(summary.team, title="Team"), block_id="team"),
        ]
        if summary.reps:
            budget = MAX_BLOCKS - len(blocks) - 1
            blocks += rep_sections(summary.reps, budget=budget)
    blocks.append(
        context("`/lead list` to work through your leads · `/lead help` for every command")
    )
    text = (
        f"Your pipeline: {summary.mine.count} open · {money_label(summary.mine.value)} · "
        f"{attention.overdue_total} overdue · {attention.due_today_total} due today"
    )
    if summary.team is not None:
        text += f"\nTeam: {summary.team.count} open · {money_label(summary.team.value)}"
    return Reply(text=text, blocks=to_dicts(blocks))
