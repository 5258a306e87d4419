"""weekly-report: Monday's report and its charts queued once per week, and the reads behind a rep's own week."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.domain.team_facts import ManagerWindow
from bot.scheduler import next_fire_times
from bot.services import leads, manager_facts, reps
from jobs import weekly_report
from tests.domain.managers_kit import RULES
from tests.seeding import StatementCounter
from tests.services.test_manager_facts import DANA, KENJI, NOW, seed_team

NY = ZoneInfo("America/New_York")
WINDOW = ManagerWindow.at(NOW, zone=NY, rules=RULES)


def rows(queued):
    return [(sent.kind, sent.recipient, sent.key) for sent in queued()]


def test_monday_queues_the_report_then_its_chart_once_for_the_week(deps, queued) -> None:
    seed_team(deps)
    assert weekly_report.run(deps, NOW) == 2
    assert rows(queued) == [
        ("weekly-report", "CMANAGERS", "weekly-report:2026-11-30"),
        ("weekly-report-chart", "CMANAGERS", "weekly-report:2026-11-30:chart:USD"),
    ]
    summary, chart = queued()
    assert summary.text.startswith("Weekly pipeline report · 30 Nov – 6 Dec 2026: ")
    assert summary.blocks[2]["block_id"] == "report_recommendation"
    assert base64.b64decode(chart.payload["file"]["content_b64"]).startswith(b"\x89PNG")
    assert chart.payload["file"]["title"] == "Weekly pipeline report · 30 Nov – 6 Dec 2026 · USD"
    # A rerun that morning, or later that week, reports the same week: nothing new.
    assert weekly_report.run(deps, NOW) == 0
    assert weekly_report.run(deps, NOW + timedelta(days=3)) == 0
    assert len(queued()) == 2
    # The next Monday is the next week.
    assert weekly_report.run(deps, NOW + timedelta(days=7)) == 2
    assert [key for *_, key in rows(queued)][2:] == [
        "weekly-report:2026-12-07",
        "weekly-report:2026-12-07:chart:USD",
    ]


def test_a_rerun_reads_nothing_once_the_week_is_queued(deps, engine) -> None:
    seed_team(deps)
    weekly_report.run(deps, NOW)
    with StatementCounter(engine) as counter:
        assert weekly_report.run(deps, NOW + timedelta(hours=1)) == 0
    assert len(counter.selects) == 1  # only the key is looked up


def test_each_currency_without_a_rate_gets_its_own_chart(deps, queued) -> None:
    seed_team(deps)
    with deps.session_factory.begin() as session:
        for company, currency in (("Seoul Co", "KRW"), ("Berlin AG", "EUR")):
            new = leads.NewLead(company=company, owner_id=DANA, stage="prospecting",
                                value=Decimal(5000), currency=currency)  # fmt: skip
            leads.create_lead(session, new=new, created_by=DANA, now=NOW - timedelta(days=2))
    assert weekly_report.run(deps, NOW) == 4
    keys = [key for *_, key in rows(queued)]
    assert keys[1:] == [f"weekly-report:2026-11-30:chart:{code}" for code in ("USD", "EUR", "KRW")]
    summary = queued()[0]
    assert "+ €5k not converted" in summary.text and "+ ₩5k not converted" in summary.text


def test_a_new_team_gets_a_report_that_says_to_fill_and_when_the_trend_starts(deps, queued) -> None:
    with deps.session_factory.begin() as session:
        reps.ensure_rep(session, user_id=DANA, now=NOW - timedelta(days=2))
        first = leads.NewLead(company="First", owner_id=DANA, stage="prospecting")
        leads.create_lead(session, new=first, created_by=DANA, now=NOW - timedelta(days=2))
    assert weekly_report.run(deps, NOW) == 2
    summary = queued()[0]
    shown = "\n".join(
        block["text"]["text"] for block in summary.blocks if block["type"] == "section"
    )
    assert shown.startswith(":seedling: *Fill the top of the funnel*")
    assert "*Trend from week 5*" in shown and "Mon 11 Jan" in shown


def test_no_managers_channel_queues_nothing_and_says_why(make_deps, queued, caplog) -> None:
    deps = make_deps(PIPEBOT_MANAGERS_CHANNEL="")
    with caplog.at_level(logging.INFO, logger="pipebot.jobs"):
        assert weekly_report.run(deps, NOW) == 0
    assert "no managers channel" in caplog.text and queued() == []


def test_the_trigger_ticks_at_nine_team_time_on_working_days_across_the_clock_change() -> None:
    fires = next_fire_times(
        "weekly-report",
        after=datetime(2026, 10, 30, tzinfo=UTC),
        count=3,
        team_zone=NY,
        working_days=("mon", "tue", "wed", "thu", "fri"),
    )
    local = [fire.astimezone(NY) for fire in fires]
    # The report itself goes out once a week; the days after Monday only catch a missed Monday.
    assert [(f.date().isoformat(), f.hour, f.minute) for f in local] == [
        ("2026-10-30", 9, 0),
        ("2026-11-02", 9, 0),
        ("2026-11-03", 9, 0),
    ]
    assert (
        weekly_report.JOB.schedule
        == "Mondays 09:00 team time (the next working day after a holiday)"
    )
    assert weekly_report.JOB.run is weekly_report.run


def test_a_reps_own_week_reads_only_their_leads_and_their_own_activity(deps) -> None:
    ids = seed_team(deps)
    with deps.session_factory() as session:
        facts = manager_facts.read_report_facts(session, window=WINDOW, rules=RULES, owner=DANA)
    assert [rep.id for rep in facts.reps] == [DANA]
    assert sorted(lead.company for lead in facts.open_leads) == ["Parked", "Worked"]
    assert {move.lead_id for move in facts.moves} <= {
        ids[n] for n in ("Worked", "Dud", "Won", "Parked")
    }
    assert {close.owner_id for close in facts.closes} == {DANA}
    assert {row.author_id for row in facts.touches} == {DANA}
    assert [(row.person_id, row.count) for row in facts.snoozes] == [(DANA, 1)]
    assert set(facts.last_touches) <= {ids["Worked"], ids["Dud"], ids["Parked"], ids["Won"]}
    assert [amount.owner_id for amount in facts.won_this_period] == [DANA]
    assert {lead.owner_id for lead in facts.new_leads} == {DANA}
    assert facts.history_start == NOW - timedelta(days=40)
    with deps.session_factory() as session:
        kenji = manager_facts.read_report_facts(session, window=WINDOW, rules=RULES, owner=KENJI)
    assert {lead.owner_id for lead in kenji.open_leads} == {KENJI}
    # Inbound, Weak, Unsure and Handed: seed_team gives Kenji four new leads in the window.
    assert {lead.owner_id for lead in kenji.new_leads} == {KENJI} and len(kenji.new_leads) == 4


def test_a_reps_own_week_is_read_in_the_same_statements_as_the_teams(deps, engine) -> None:
    def measure(owner: str | None) -> int:
        with deps.session_factory() as session, StatementCounter(engine) as counter:
            manager_facts.read_report_facts(session, window=WINDOW, rules=RULES, owner=owner)
        return len(counter.statements)

    seed_team(deps, "A")
    small = (measure(None), measure(DANA + "A"))
    for suffix in "BCDEF":
        seed_team(deps, suffix)
    large = (measure(None), measure(DANA + "A"))
    # The same statements for the team and for one rep, whatever the team's size.
    assert small == large and small[0] == small[1], (small, large)
