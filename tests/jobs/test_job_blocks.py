"""The job builders, pure: Slack accepts every message, big lists are capped, the text fallback reads well."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.domain.cadence import find_past_cadence
from bot.domain.plan import PlanRecord, build_morning_plan, find_overdue_followups
from bot.domain.speed import SpeedCheck
from bot.domain.staleness import find_stale_leads
from bot.slack.kit import MESSAGE_BLOCKS_MAX, SlackMessage
from bot.slack.messages.cleanup import build_cleanup_blocks
from bot.slack.messages.nudges import (
    build_speed_managers_blocks,
    build_speed_owner_blocks,
    build_stale_nudge_blocks,
)
from bot.slack.messages.plan import build_morning_plan_blocks, build_overdue_blocks, plan_lead_ids
from tests.fakeslack.blockkit import message_problem
from tests.jobs.factories import STAGES, facts, utc

NOW = utc("2026-11-30T13:30:00")
TODAY = date(2026, 11, 30)


def many(count: int, **overrides):
    return [
        facts(
            id=index + 1,
            company=f"Company {index}",
            created_at=NOW - timedelta(days=60),
            **overrides,
        )
        for index in range(count)
    ]


def messages(count: int) -> dict[str, SlackMessage]:
    overdue = many(
        count,
        next_follow_up=TODAY - timedelta(days=2),
        touch_count=7,
        last_touch_at=NOW - timedelta(days=20),
    )
    plan = build_morning_plan("UREP00001", overdue, stages=STAGES, now=NOW, today=TODAY)
    assert plan is not None
    check = SpeedCheck(overdue[0], timedelta(hours=4, minutes=5), timedelta(hours=4), True, True)
    return {
        "plan": build_morning_plan_blocks(plan, stages=STAGES, now=NOW),
        "overdue": build_overdue_blocks(
            find_overdue_followups(overdue, stages=STAGES, today=TODAY, plan=None),
            stages=STAGES,
            now=NOW,
            today=TODAY,
        ),
        "stale": build_stale_nudge_blocks(
            find_stale_leads(overdue, stages=STAGES, now=NOW, today=TODAY),
            stages=STAGES,
            now=NOW,
            today=TODAY,
        ),
        "cleanup": build_cleanup_blocks(
            find_past_cadence(
                overdue,
                attempts={lead.id: 6 for lead in overdue},
                stages=STAGES,
                late=frozenset(),
                max_touches=6,
                days_without_move=lambda _stage: 30,
                now=NOW,
                today=TODAY,
                kept_on={},
            ),
            touches=6,
            days=30,
            now=NOW,
            today=TODAY,
        ),
        "speed-owner": build_speed_owner_blocks(check),
        "speed-managers": build_speed_managers_blocks(check, now=NOW),
    }


@pytest.mark.parametrize("count", [1, 3, 24, 200])
def test_slack_accepts_every_job_message(count):
    for name, message in messages(count).items():
        problem = message_problem({"text": message.text, "blocks": message.blocks})
        assert problem is None, (name, count, problem)
        assert len(message.blocks) <= MESSAGE_BLOCKS_MAX


@pytest.mark.parametrize("name", ["plan", "overdue", "stale", "cleanup"])
def test_long_lists_end_with_and_n_more(name):
    message = messages(200)[name]
    more = [block for block in message.blocks if block.get("block_id") == "more"]
    assert len(message.blocks) == MESSAGE_BLOCKS_MAX and len(more) == 1
    shown = sum(1 for block in message.blocks if str(block.get("block_id", "")).count("_lead_"))
    assert more[0]["elements"][0]["text"].startswith(f"…and {200 - shown} more")
    assert "…and " in message.text  # the fallback lists the first leads and counts the rest


def test_lists_that_fit_have_no_more_line():
    for message in messages(3).values():
        assert not any(block.get("block_id") == "more" for block in message.blocks)


def test_the_plan_remembers_which_leads_it_showed():
    message = messages(200)["plan"]
    shown = plan_lead_ids({"blocks": message.blocks})
    assert 0 < len(shown) < 200
    leads = many(200, next_follow_up=TODAY - timedelta(days=2))
    hidden = [item.lead.id for item in find_overdue_followups(
        leads, stages=STAGES, today=TODAY, plan=PlanRecord(NOW, shown))]  # fmt: skip
    assert (
        len(hidden) == 200
    )  # untouched since the plan, or never shown: all still due in the afternoon


def test_snapshot_in_the_text_fallback():
    leads = [
        facts(stage="proposal", value=Decimal("12500")),
        facts(stage="closing", value=Decimal("5000")),
    ]
    plan = build_morning_plan("UREP00001", leads, stages=STAGES, now=NOW, today=TODAY)
    assert plan is not None
    text = build_morning_plan_blocks(plan, stages=STAGES, now=NOW).text
    assert text.startswith("*Your plan for Monday 30 November*")
    assert "*Your pipeline* · 2 open · $17.5k · $10.3k weighted" in text
    assert "Proposal: 1 · $12.5k · $6.3k weighted" in text


def test_groups_given_only_their_first_rows_lay_out_as_if_given_all():
    from bot.slack.messages.rows import fit_groups, lead_row

    def rows(start: int, count: int) -> list:
        return [lead_row("plan", start + n, f"*#{start + n}*", []) for n in range(count)]

    titles = [{"type": "divider"}, {"type": "divider"}, {"type": "divider"}]
    every = [(titles[0], rows(100, 30)), (titles[1], rows(200, 9)), (titles[2], rows(300, 4))]

    def laid_out(found: tuple) -> tuple:
        blocks, shown, hidden = found
        return blocks, [row.lead_id for row in shown], hidden

    whole = laid_out(fit_groups(every, budget=46))
    first = [(titles[0], rows(100, 25)), (titles[1], []), (titles[2], [])]
    assert laid_out(fit_groups(first, budget=46, counts=[30, 9, 4])) == whole
    assert whole[2] == 30 + 9 + 4 - 22
    # A group cut before a row that would have fit is refused, not laid out short.
    with pytest.raises(ValueError):
        fit_groups([(titles[0], rows(100, 3))], budget=46, counts=[10])
