"""The weekly report's Block Kit, from hand-built pipelines: what it says, in what order, within Slack's limits."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.domain.money import Fx
from bot.domain.report import WeeklyReport, build_weekly_report
from bot.domain.team_facts import Close, Move, NewLead, RepFacts, ReportFacts, TouchCount
from bot.domain.team_rules import StageRule, TeamRules
from bot.slack.kit import MESSAGE_BLOCKS_MAX, SECTION_TEXT_MAX
from bot.slack.messages.lead import TEXT_BUDGET
from bot.slack.messages.report import (
    build_report_queued_reply,
    build_weekly_report_blocks,
    chart_file,
)
from bot.slack.messages.report_parts import activity_line, ranked_activity
from bot.slack.uploads import SlackFile
from tests.domain.managers_kit import DANA, GONE, KENJI, RULES, days_ago, lead, rep, window
from tests.fakeslack import message_problem
from tests.hostile import FORBIDDEN

USD = Fx("USD")
PAIR = (rep(DANA), rep(KENJI))


def report_of(*leads: Any, reps: tuple[RepFacts, ...] = PAIR, rules: TeamRules = RULES,
              fx: Fx = USD, start: Any = None, **facts: Any) -> WeeklyReport:  # fmt: skip
    """The report over hand-built facts; a team with a long history unless `start` says otherwise."""
    built = ReportFacts(window(rules=rules), reps, tuple(leads),
                        history_start=start or days_ago(400), **facts)  # fmt: skip
    return build_weekly_report(built, rules=rules, fx=fx)


def texts(message: dict[str, Any]) -> Iterator[str]:
    """Every text Slack shows of a message: the fallback, then each block's."""
    yield message["text"]
    for block in message["blocks"]:
        if block.get("text"):
            yield block["text"]["text"]
        for element in block.get("elements", []):
            yield element.get("text", "")


def shown(report: WeeklyReport, **options: Any) -> tuple[dict[str, Any], str]:
    """The payload (checked as Slack checks it) and all its text as one string."""
    message = build_weekly_report_blocks(report, **options).payload()
    assert message_problem(message) is None
    assert len(message["blocks"]) <= MESSAGE_BLOCKS_MAX
    for block in message["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= SECTION_TEXT_MAX
    return message, "\n".join(texts(message))


def sections(message: dict[str, Any]) -> dict[str, str]:
    return {
        block["block_id"]: block["text"]["text"]
        for block in message["blocks"]
        if block["type"] == "section"
    }


def test_a_new_team_is_told_to_fill_first_with_the_number_that_decided_it() -> None:
    report = report_of(lead(), reps=(rep(DANA, first_owned_at=days_ago(3)), rep(KENJI)),
                       start=days_ago(3))  # fmt: skip
    message, text = shown(report)
    kinds = [block["type"] for block in message["blocks"]]
    # Header, what the figures are, then the recommendation before anything else.
    assert kinds[:3] == ["header", "context", "section"]
    assert message["blocks"][0]["text"]["text"] == "Weekly pipeline report · 30 Nov – 6 Dec 2026"
    advice = message["blocks"][2]["text"]["text"]
    assert advice.startswith(":seedling: *Fill the top of the funnel*")
    # One early lead for two reps: 0.5 per rep against 5.
    assert "• Open early-stage leads per rep *0.5*, below 5" in advice
    assert "quota coverage (no quotas)" in message["blocks"][3]["elements"][0]["text"]
    assert "new-lead inflow (needs four weeks of history)" in text
    assert "*Win rate* n/a — no lead was won, lost or archived in the last 90 days." in text
    # The first lead came on Friday 4 December: the four weeks from Monday 7 December are the
    # first complete ones, so the first trend comes on Monday 11 January.
    assert "*Trend from week 5*" in text and "Mon 11 Jan" in text
    assert message["text"].startswith(
        "Weekly pipeline report · 30 Nov – 6 Dec 2026: fill the top of the funnel "
        "(Open early-stage leads per rep 0.5, below 5). 1 open · $1k · $100 weighted."
    )


def test_push_names_the_rep_over_a_late_stage_wip_limit() -> None:
    leads = [lead() for _ in range(12)] + [lead(stage="proposal") for _ in range(9)]
    message, text = shown(report_of(*leads))
    advice = sections(message)["report_recommendation"]
    assert advice.startswith(":dart: *Push what you have to a close*")
    assert f"Late-stage leads of one rep *9* (<@{DANA}>), above the WIP limit (8)" in advice


def test_healthy_says_no_reason_holds() -> None:
    leads = [lead(owner_id=owner) for owner in (DANA, KENJI) for _ in range(6)]
    message, _ = shown(report_of(*leads))
    advice = sections(message)["report_recommendation"]
    assert advice.startswith(":white_check_mark: *Healthy — convert what you have*")
    assert "•" not in advice


def test_currencies_are_never_added_and_missing_values_are_said() -> None:
    fx = Fx("USD", {"EUR": Decimal("1.1")})
    report = report_of(
        lead(value=Decimal(1000)),
        lead(value=Decimal(1000), currency="EUR"),
        lead(value=Decimal(3_000_000), currency="KRW"),
        lead(value=None),
        lead(stage="proposal", value=Decimal(2000), currency="KRW"),
        fx=fx,
    )
    message, text = shown(report)
    funnel = sections(message)["report_funnel_0"]
    # $1,000 + €1,000 × 1.1 = $2,100; the won is kept on its own line, and 1 of 5 has no value.
    assert (
        "*Funnel now* · 5 open · $2.1k + ₩3m not converted · $210 + ₩301k not converted "
        "weighted (value missing on 1 of 5)" in funnel
    )
    assert "*Prospecting* · 4 open · $2.1k + ₩3m not converted" in funnel
    assert "*Proposal* · 1 open · $0 + ₩2k not converted · $0 + ₩1k not converted weighted" in (
        funnel
    )
    assert "*Weighted forecast* $210 + ₩301k not converted (value missing on 1 of 5)" in text
    assert [chart.currency for chart in report.charts] == ["USD", "KRW"]


def test_every_figure_of_the_week_is_there() -> None:
    week = window()
    monday = week.mondays[1]
    closes = tuple(
        Close(900 + n, DANA, outcome, monday + timedelta(hours=30 + n), "proposal",
              "competitor" if outcome == "lost" else None, Decimal(2000), "USD", days_ago(60))
        for n, outcome in enumerate(["won"] * 6 + ["lost"] * 4 + ["archived"])
    )  # fmt: skip
    moves = (
        Move(1, None, "prospecting", days_ago(40)),
        Move(1, "prospecting", "qualification", monday + timedelta(hours=20)),
    )
    new = (NewLead(2, DANA, monday + timedelta(hours=14), True, monday + timedelta(hours=15)),)
    touches = (TouchCount(DANA, "call", 0, 7), TouchCount(DANA, "email", 0, 3),
               TouchCount(DANA, "note", 0, 2))  # fmt: skip
    report = report_of(
        lead(id=1, stage="qualification", stage_changed_at=monday + timedelta(hours=20)),
        lead(id=2, created_at=monday + timedelta(hours=14), expected_close=date(2026, 12, 20)),
        lead(stage="proposal", value=Decimal(8000), stage_changed_at=days_ago(20)),
        closes=closes, moves=moves, new_leads=new, touches=touches,
    )  # fmt: skip
    message, text = shown(report)
    parts = sections(message)
    assert (
        "*Qualification* · 1 open · $1k · $200 weighted — week: 1 in, 0 advanced"
        in (parts["report_funnel_0"])
    )
    assert "↳ to Qualification: n/a (1 of 1) · 0 pending" in parts["report_funnel_0"]
    # 6 won and 4 lost in the 28 days: 60%, and by value 12,000 of 20,000.
    assert "*Win rate* 60% · close rate 55% · value win rate 60%" in parts["report_outcomes"]
    assert (
        "28 days to Monday: 6 won ($12k), 4 lost ($8k), 0 unqualified, 1 archived"
        in (parts["report_outcomes"])
    )
    assert "*Weighted forecast* $4.3k · late stages $4k weighted of $8k" in text
    assert "Expected to close by Thu 31 Dec (from close dates): $100 weighted of $1k" in text
    # Proposal's one open lead has been there 20 days, past its 14-day stuck clock.
    assert (
        "Proposal: — done (n=0) · 20.0 open now (n=1) :warning: past its 14-day stuck clock"
        in (parts["report_time_0"])
    )
    team = parts["report_activity_0"].splitlines()[1]
    assert team.startswith("*Team* · 10 contact touches (7 call, 3 email) · 2 notes · 1 new")
    assert "6 won · 4 lost" in team
    assert "speed to lead: 1.0h median (working hours), n/a (1 of 1) in target" in team


def test_a_trend_with_history_shows_arrows_only_for_big_enough_changes() -> None:
    week = window()
    new = tuple(
        NewLead(n, DANA, week.mondays[w + 1] + timedelta(hours=10 + n % 50), False, None)
        for w, count in enumerate((15, 10, 10, 10, 10))
        for n in range(count)
    )
    touches = tuple(TouchCount(DANA, "call", w, 21 if w == 0 else 20) for w in range(5))
    _, text = shown(report_of(lead(), new_leads=new, touches=touches))
    assert "New leads: *15* ↑ · mean 10" in text
    assert "Contact touches: *21* · mean 20" in text
    assert "Win rate: *n/a* · mean n/a" in text


def test_a_rep_who_left_is_shown_as_such_and_the_busiest_come_first() -> None:
    reps = (rep(DANA), rep(KENJI), rep(GONE, is_active=False))
    touches = (TouchCount(KENJI, "call", 0, 9), TouchCount(GONE, "email", 0, 2),
               TouchCount(DANA, "call", 0, 1))  # fmt: skip
    message, _ = shown(report_of(lead(owner_id=GONE), reps=reps, touches=touches))
    rows = sections(message)["report_activity_0"].splitlines()[1:]
    assert [row.split(" ")[0] for row in rows] == ["*Team*", f"<@{KENJI}>", f"<@{GONE}>",
                                                   f"<@{DANA}>"]  # fmt: skip
    assert rows[2].startswith(f"<@{GONE}> _(left)_ · 2 contact touches (2 email)")


def test_a_reps_own_week_shows_only_their_row() -> None:
    report = report_of(lead(), reps=(rep(DANA),), touches=(TouchCount(DANA, "call", 0, 4),))
    message, text = shown(report, rep_id=DANA, footer="Only you can see this.")
    assert message["blocks"][0]["text"]["text"].startswith("Your week · 30 Nov")
    activity = sections(message)["report_activity_0"].splitlines()
    assert activity[0] == "*Your activity this week*" and len(activity) == 2
    assert activity[1].startswith(f"<@{DANA}> · 4 contact touches") and "*Team*" not in text
    assert "for what you have to deliver" in text
    assert message["blocks"][-1]["elements"][0]["text"] == "Only you can see this."


def test_a_big_team_is_summarised_whole_rows_at_a_time() -> None:
    reps = tuple(rep(f"UREP{n:05d}") for n in range(300))
    touches = tuple(TouchCount(r.id, kind, 0, 1 + n % 7) for n, r in enumerate(reps)
                    for kind in ("call", "email", "meeting", "demo"))  # fmt: skip
    report = report_of(*[lead(owner_id=r.id) for r in reps], reps=reps, touches=touches)
    message, text = shown(report)
    assert len(text) <= TEXT_BUDGET + len(message["text"]) + 500
    rows = [
        line
        for block_id, body in sections(message).items()
        if block_id.startswith("report_activity")
        for line in body.splitlines()
        if not line.startswith("*Activity")
    ]
    full = {activity_line(row) for row in ranked_activity(report, rep_id=None)}
    assert rows and all(row in full for row in rows)  # never a row cut short
    more = re.search(r"…and (\d+) more reps", text)
    assert more is not None and len(rows) + int(more.group(1)) == len(full)
    # The trend and the closing note still come after the summarised table.
    assert (
        message["blocks"][-1]["type"] == "section"
        and "Trend" in message["blocks"][-1]["text"]["text"]
    )


def test_many_long_stages_are_packed_into_several_sections_without_cutting_a_row() -> None:
    stages = tuple(
        StageRule(f"stage{n}", f"Stage {n} " + "with a long name " * 6, n, Decimal("0.1"), 7, 21)
        for n in range(24)
    )
    rules = dataclasses.replace(RULES, stages=stages)
    report = report_of(*[lead(stage=f"stage{n}") for n in range(24)], rules=rules)
    message, _ = shown(report)
    parts = sections(message)
    more = {
        block["block_id"]: int(re.findall(r"\d+", block["elements"][0]["text"])[0])
        for block in message["blocks"]
        if block.get("block_id", "").endswith("_more")
    }
    for table in ("report_funnel", "report_time"):
        bodies = [body for key, body in parts.items() if key.startswith(table)]
        lines = [line for body in bodies for line in body.splitlines()]
        rows = [line for line in lines if line.startswith(("*Stage ", "Stage "))]
        assert all(line.count("long name") == 6 for line in rows)  # whole rows only
        assert len(rows) + more.get(f"{table}_more", 0) == 24, table
    funnel = [key for key in parts if key.startswith("report_funnel")]
    assert len(funnel) >= 2 and "report_funnel_more" not in more


@pytest.mark.parametrize(
    "hostile",
    ["<!channel> & co", "<https://evil.test|Proposal>", "<@U0BOSS>", "Won &lt;!here&gt;"],
)
def test_user_text_is_escaped(hostile: str) -> None:
    stages = tuple(
        dataclasses.replace(stage, name=f"{hostile} {stage.index}") for stage in RULES.stages
    )
    rules = dataclasses.replace(RULES, stages=stages)
    stranger = "bob<!here>"  # an imported owner that is no Slack id
    touches = (TouchCount(stranger, "call", 0, 3),)
    report = report_of(lead(), lead(owner_id=stranger), rules=rules, touches=touches)
    _, text = shown(report)
    for forbidden in FORBIDDEN:
        if forbidden != "<@":  # mentions built from the ids we store are meant
            assert forbidden not in text
    assert set(re.findall(r"<@([^>]*)>", text)) == {DANA, KENJI}
    assert "bob&lt;!here&gt;" in text
    assert hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in text


def test_a_chart_is_a_file_named_for_people_with_alt_text() -> None:
    report = report_of(lead(), lead(value=Decimal(5_000_000), currency="KRW"))
    chart = chart_file(report, "KRW", b"\x89PNG")
    assert isinstance(chart, SlackFile)
    assert chart.title == "Weekly pipeline report · 30 Nov – 6 Dec 2026 · KRW"
    assert "no rate into USD" in chart.alt_text and chart.filename == "pipeline-KRW.png"
    payload = chart.payload()
    assert payload["file"]["content_b64"] == "iVBORw==" and payload["initial_comment"]


def test_the_reply_to_a_manager_in_the_channel() -> None:
    assert "Posting the weekly report here" in build_report_queued_reply(posted=True).text
    assert "already above" in build_report_queued_reply(posted=False).text
