"""The weekly report as Block Kit: the recommendation first, then every figure of METRICS §2, within Slack's limits.

The parts are written in `report_parts`; here they are laid out. Tables (the funnel, time in stage, activity per rep) are packed a whole line at a time into
sections of at most 3,000 characters; what does not fit in the message's blocks and text budget is
counted in an "…and N more" line, never cut mid-row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.domain.recommendation import Action, Reason
from bot.domain.report import WeeklyReport
from bot.slack.kit import (
    HEADER_TEXT_MAX,
    MESSAGE_BLOCKS_MAX,
    SECTION_TEXT_MAX,
    SlackMessage,
    clip,
    context,
    section,
    to_dicts,
    who,
)
from bot.slack.messages.lead import TEXT_BUDGET
from bot.slack.messages.report_parts import (
    NOT_JUDGED,
    activity_line,
    figure_line,
    funnel_lines,
    open_value,
    outcomes_text,
    ranked_activity,
    span_label,
    time_lines,
    trend_text,
    value_and_weighted,
)
from bot.slack.render import render
from bot.slack.uploads import SlackFile

WEEKLY_FOOTER = (
    "The chart follows. `/pipeline report` shows the latest figures at any time; "
    "a rep who asks sees their own week."
)
REP_FOOTER = (
    "Only you can see this: your own leads and the touches you logged. "
    "Managers get the team's report every Monday."
)
MANAGER_ELSEWHERE_FOOTER = (
    "Only you can see this; the chart comes as a DM. "
    "Ask in the managers' channel to post the report there."
)
# Room kept for the blocks and text after the activity table (trend, footer).
_TAIL_BLOCKS = 4
HEADLINES = {
    Action.FILL: "fill the top of the funnel",
    Action.PUSH: "push what you have to a close",
    Action.HEALTHY: "healthy — convert what you have",
}


def recommendation_blocks(report: WeeklyReport, *, own: bool) -> list[Block]:
    """The action and the two or three numbers that decided it, then what could not be judged."""
    advice = report.recommendation
    figures = [figure_line(figure, report.currency) for figure in advice.figures]
    text = render("report_recommendation.md.j2", action=advice.action.value, own=own,
                  figures=figures)  # fmt: skip
    blocks: list[Block] = [section(text, block_id="report_recommendation")]
    unjudged = [reason for reason in advice.reasons if reason.note and not reason.holds]
    if unjudged:
        blocks.append(context("Not judged: " + "; ".join(_unjudged(r) for r in unjudged)))
    return blocks


def _unjudged(reason: Reason) -> str:
    return f"{NOT_JUDGED.get(reason.code, reason.code)} ({reason.note})"


# -- laying it out ----------------------------------------------------------------------------


@dataclass
class Budget:
    """What is left of a message's blocks and characters."""

    blocks: int
    chars: int

    def take(self, blocks: Sequence[Block], text: str = "") -> list[Block]:
        self.blocks -= len(blocks)
        self.chars -= len(text)
        return list(blocks)


def packed(
    head: str, rows: Sequence[str], budget: Budget, *, more: str, block_id: str
) -> list[Block]:
    """A heading and whole rows in as few sections as fit; past the budget the rest are counted, never cut."""
    chunks: list[list[str]] = []
    size = shown = 0
    room = budget.blocks - 1  # one block kept for the "…and N more" line
    chars = budget.chars - 80
    for line in [head, *rows]:
        cost = len(line) + 1
        if cost > chars:
            break
        if not chunks or size + cost > SECTION_TEXT_MAX:
            if len(chunks) >= room:
                break
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += cost
        chars -= cost
        shown += 1
    blocks: list[Block] = [
        section("\n".join(chunk), block_id=f"{block_id}_{index}")
        for index, chunk in enumerate(chunks)
    ]
    text = "\n".join("\n".join(chunk) for chunk in chunks)
    hidden = len(rows) - max(0, shown - 1)
    if hidden:
        blocks.append(context(f"…and {hidden} more {more}", block_id=f"{block_id}_more"))
    return budget.take(blocks, text)


def report_title(report: WeeklyReport, *, own: bool) -> str:
    window = report.window
    start = window.week_start.astimezone(window.zone).date()
    last = window.week_end.astimezone(window.zone).date() - timedelta(days=1)
    title = "Your week" if own else "Weekly pipeline report"
    return f"{title} · {span_label(start, last)}"


def build_weekly_report_blocks(
    report: WeeklyReport, *, rep_id: str | None = None, footer: str | None = None
) -> SlackMessage:
    """The weekly report: the team's, or with `rep_id` that rep's own week; `footer` is a closing note."""
    own = rep_id is not None
    title = report_title(report, own=own)
    budget = Budget(MESSAGE_BLOCKS_MAX - _TAIL_BLOCKS, TEXT_BUDGET)
    meta = (
        f"In {report.currency} · win rates over the {report.win_rates.days} days to Monday · "
        "conversion by cohort of leads that reached each stage"
    )
    blocks = budget.take(
        [HeaderBlock(text=clip(title, HEADER_TEXT_MAX)), context(meta)], title + meta
    )
    advice = recommendation_blocks(report, own=own)
    blocks += budget.take(advice, _text_of(advice))
    blocks += budget.take([DividerBlock()])
    head, *rows = funnel_lines(report)
    blocks += packed(head, rows, budget, more="stages", block_id="report_funnel")
    outcomes = outcomes_text(report)
    blocks += budget.take([section(outcomes, block_id="report_outcomes")], outcomes)
    head, *rows = time_lines(report)
    blocks += packed(head, rows, budget, more="stages", block_id="report_time")
    blocks += budget.take([DividerBlock()])
    activity = [activity_line(row) for row in ranked_activity(report, rep_id=rep_id)]
    trend = trend_text(report)
    budget.chars -= len(trend) + len(footer or "")
    head = "*Your activity this week*" if own else "*Activity this week*"
    blocks += packed(head, activity, budget, more="reps", block_id="report_activity")
    blocks.append(section(trend, block_id="report_trend"))
    if footer:
        blocks.append(context(footer))
    return SlackMessage(text=fallback(report, title), blocks=to_dicts(blocks))


def _text_of(blocks: Sequence[Block]) -> str:
    return " ".join(str(block.to_dict()) for block in blocks)


def fallback(report: WeeklyReport, title: str) -> str:
    """The notification text: the title, the recommendation and the numbers that decided it, the totals."""
    advice = report.recommendation
    figures = "; ".join(figure_line(f, report.currency).replace("*", "") for f in advice.figures)
    headline = HEADLINES[advice.action] + (f" ({figures})" if figures else "")
    count = sum(stage.count for stage in report.funnel)
    totals = value_and_weighted(open_value(report), report.forecast.weighted)
    return f"{title}: {headline}. {count} open · {totals}."


def on_demand_footer(user_id: str) -> str:
    """The closing note of a report a manager asked for in the managers' channel."""
    return f"Asked for by {who(user_id)} with `/pipeline report`."


def build_report_queued_reply(*, posted: bool) -> SlackMessage:
    """What a manager sees after `/pipeline report` in the managers' channel."""
    if posted:
        return SlackMessage("Posting the weekly report here, with its chart, in a moment.")
    return SlackMessage(
        "You asked for the report here within the hour, so it is already above: "
        "it is posted once per hour."
    )


def chart_file(report: WeeklyReport, currency: str, png: bytes) -> SlackFile:
    """One chart of the report as a file: a title with the week and currency, alt text for screen readers."""
    title = f"{report_title(report, own=False)} · {currency}"
    converted = currency == report.currency
    apart = "" if converted else f" (leads in {currency}, which has no rate into {report.currency})"
    alt = (
        f"Funnel chart in {currency}{apart}: open leads and value per stage with the conversion "
        "between stages, and new leads, advances and wins over the last five weeks."
    )
    return SlackFile(png, f"pipeline-{currency}.png", title, alt_text=alt, initial_comment=title)
