"""Pure rhythm rules: the plan's sections, stale versus stuck, nudges per clock crossed, cadence and speed."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.domain.cadence import find_past_cadence
from bot.domain.plan import PlanRecord, Section, build_morning_plan, find_overdue_followups
from bot.domain.rhythm import Money, take_snapshot
from bot.domain.speed import WorkingHours, check_speed_to_lead, window_of
from bot.domain.staleness import PastNudge, check_clocks, decide_nudges, find_stale_leads
from tests.jobs.factories import STAGES, facts, utc

NOW = utc("2026-11-30T13:30:00")  # Mon 30 Nov, 08:30 in New York
TODAY = date(2026, 11, 30)
PROPOSAL = next(stage for stage in STAGES if stage.key == "proposal")  # stale 5, stuck 14


def ago(days: int, hours: int = 0):
    return NOW - timedelta(days=days, hours=hours)


def test_plan_sections_each_lead_once_in_working_order():
    leads = [
        facts(id=1, next_follow_up=TODAY - timedelta(days=2), last_touch_at=ago(3), touch_count=1),
        facts(id=2, next_follow_up=TODAY, last_touch_at=ago(1), touch_count=1),
        facts(id=3, stage="closing", last_touch_at=ago(1), touch_count=2, created_at=ago(20)),
        facts(id=4, stage="qualification", last_touch_at=ago(6), touch_count=1, created_at=ago(30)),
        facts(id=5, created_at=ago(0, 3)),
        facts(id=6, stage="qualification", last_touch_at=ago(1), touch_count=1, created_at=ago(2)),
        facts(
            id=7, next_follow_up=TODAY - timedelta(days=1), snoozed_until=TODAY + timedelta(days=1)
        ),
    ]
    plan = build_morning_plan("UREP00001", leads, stages=STAGES, now=NOW, today=TODAY)
    assert plan is not None
    assert [(item.section, item.lead.id) for item in plan.items] == [
        (Section.OVERDUE, 1),
        (Section.DUE_TODAY, 2),
        (Section.CLOSING, 3),
        (Section.GOING_STALE, 4),  # 6 days without a touch, stale after 7: stale by tomorrow
        (Section.NEW, 5),
        (Section.NO_NEXT_STEP, 6),  # touched yesterday, nothing planned: gently, last
    ]
    assert plan.snapshot.count == 7  # snoozed and quiet leads still count in the snapshot


def test_no_open_leads_means_no_plan_and_nothing_due_means_a_clear_day():
    assert build_morning_plan("UREP00001", [], stages=STAGES, now=NOW, today=TODAY) is None
    quiet = facts(last_touch_at=ago(1), touch_count=1, next_follow_up=TODAY + timedelta(days=3))
    plan = build_morning_plan("UREP00001", [quiet], stages=STAGES, now=NOW, today=TODAY)
    assert plan is not None and plan.is_clear and plan.snapshot.count == 1


def test_snapshot_counts_value_and_weighted_value_by_stage():
    leads = [
        facts(stage="proposal", value=Decimal("10000")),
        facts(stage="proposal", value=Decimal("2000")),
        facts(stage="closing", value=Decimal("5000")),
        facts(stage="closing", value=None),
        facts(stage="closing", value=Decimal("100"), currency="EUR"),
    ]
    snapshot = take_snapshot(leads, stages=STAGES)
    proposal, closing = snapshot.rows
    assert (proposal.key, proposal.count, proposal.value, proposal.weighted) == (
        "proposal",
        2,
        Money((("USD", Decimal("12000")),)),
        Money((("USD", Decimal("6000.00")),)),
    )
    assert closing.count == 3
    assert closing.weighted == Money((("USD", Decimal("4000.00")), ("EUR", Decimal("80.00"))))
    assert snapshot.count == 5


def test_stale_needs_no_future_follow_up_but_stuck_does_not_care():
    old = {
        "stage": "proposal",
        "created_at": ago(40),
        "stage_changed_at": ago(20),
        "touch_count": 1,
    }
    scheduled = facts(**old, last_touch_at=ago(9), next_follow_up=TODAY + timedelta(days=2))
    finding = check_clocks(scheduled, PROPOSAL, now=NOW, today=TODAY)
    assert finding is not None and not finding.stale and finding.stuck

    unscheduled = facts(**old, last_touch_at=ago(9))
    finding = check_clocks(unscheduled, PROPOSAL, now=NOW, today=TODAY)
    assert finding is not None and finding.stale and finding.stuck

    # A follow-up due today is not "future": the lead can be stale.
    due_today = facts(
        **{**old, "stage_changed_at": ago(2)}, last_touch_at=ago(9), next_follow_up=TODAY
    )
    finding = check_clocks(due_today, PROPOSAL, now=NOW, today=TODAY)
    assert finding is not None and finding.stale and not finding.stuck

    fresh = facts(stage="proposal", created_at=ago(3), last_touch_at=ago(1), touch_count=1)
    assert check_clocks(fresh, PROPOSAL, now=NOW, today=TODAY) is None


def test_stale_clock_starts_at_creation_for_an_untouched_lead():
    lead = facts(stage="proposal", created_at=ago(5))
    finding = check_clocks(lead, PROPOSAL, now=NOW, today=TODAY)
    assert finding is not None and finding.stale and finding.days_without_touch == 5


def test_snoozed_leads_are_not_stale_until_the_snooze_ends():
    lead = facts(stage="proposal", created_at=ago(30), snoozed_until=TODAY + timedelta(days=1))
    assert find_stale_leads([lead], stages=STAGES, now=NOW, today=TODAY) == []
    assert find_stale_leads([lead], stages=STAGES, now=NOW, today=TODAY + timedelta(days=1)) != []


def test_a_lead_is_nudged_once_per_clock_crossed_not_every_few_days():
    [finding] = find_stale_leads(
        [facts(stage="proposal", created_at=ago(6))], stages=STAGES, now=NOW, today=TODAY
    )
    lead_id = finding.lead.id
    first = decide_nudges([finding], history={}, today=TODAY)
    assert [f.lead.id for f in first.nudge] == [lead_id]
    again = decide_nudges([finding], history={lead_id: [PastNudge(ago(3), (1, 0))]}, today=TODAY)
    assert not again.nudge and not again.escalate


def test_overdue_in_the_afternoon_skips_what_the_plan_showed_and_was_acted_on():
    plan_at = utc("2026-11-30T13:30:00")
    yesterday = TODAY - timedelta(days=1)
    shown_untouched = facts(id=11, next_follow_up=yesterday, last_touch_at=ago(5), touch_count=1)
    shown_touched = facts(
        id=12, next_follow_up=yesterday, last_touch_at=plan_at + timedelta(hours=2), touch_count=2
    )
    shown_moved = facts(
        id=13, next_follow_up=yesterday, stage_changed_at=plan_at + timedelta(hours=1)
    )
    not_shown = facts(
        id=14, next_follow_up=yesterday, last_touch_at=plan_at + timedelta(hours=2), touch_count=1
    )
    due_today = facts(id=15, next_follow_up=TODAY)
    snoozed = facts(id=16, next_follow_up=yesterday, snoozed_until=TODAY + timedelta(days=1))
    leads = [shown_untouched, shown_touched, shown_moved, not_shown, due_today, snoozed]
    plan = PlanRecord(sent_at=plan_at, lead_ids=frozenset({11, 12, 13}))
    items = find_overdue_followups(leads, stages=STAGES, today=TODAY, plan=plan)
    # What can still be saved: the overdue lead nobody acted on since the plan, and the follow-up
    # due today and not done yet. An overdue lead touched since the plan was acted on, shown or not.
    assert [(item.lead.id, item.in_plan, item.due_today) for item in items] == [
        (11, True, False),
        (15, False, True),
    ]
    # Without a plan today, everything overdue or due today and unsnoozed is news.
    assert [
        item.lead.id
        for item in find_overdue_followups(leads, stages=STAGES, today=TODAY, plan=None)
    ] == [11, 12, 13, 14, 15]


def test_cadence_by_attempts_or_days_without_a_move_and_keep_hides_for_two_weeks():
    many_attempts = facts(id=21, touch_count=6, last_touch_at=ago(2), created_at=ago(10))
    long_in_stage = facts(id=22, touch_count=1, last_touch_at=ago(2), created_at=ago(31))
    fine = facts(id=23, touch_count=5, last_touch_at=ago(2), created_at=ago(29))
    kept = facts(id=24, touch_count=9, last_touch_at=ago(2), created_at=ago(60))
    kept_long_ago = facts(id=25, touch_count=9, last_touch_at=ago(2), created_at=ago(60))
    # Many touches, but a meeting answered all but one: not past the cadence.
    answered = facts(id=26, touch_count=9, last_touch_at=ago(2), created_at=ago(10))
    findings = find_past_cadence(
        [many_attempts, long_in_stage, fine, kept, kept_long_ago, answered],
        attempts={21: 6, 22: 1, 23: 5, 24: 9, 25: 9, 26: 1},
        stages=STAGES,
        late=frozenset({"proposal", "closing"}),
        max_touches=6,
        days_without_move=lambda stage: 30,
        now=NOW,
        today=TODAY,
        # Kept 13 days ago still hides; kept 14 days ago (the same weekday) is back.
        kept_on={24: TODAY - timedelta(days=13), 25: TODAY - timedelta(days=14)},
    )
    assert sorted((f.lead.id, f.attempts, f.by_touches, f.by_age) for f in findings) == [
        (21, 6, True, False),
        (22, 1, False, True),
        (25, 9, True, True),
    ]


def test_speed_to_lead_half_window_then_breach_in_working_hours():
    hours = WorkingHours(ZoneInfo("America/New_York"), frozenset(range(5)), time(9), time(18))
    window = window_of(Decimal(4))
    created = utc("2026-11-30T14:00:00")  # Mon 09:00 New York
    lead = facts(created_at=created, inbound=True)
    at = {
        h: check_speed_to_lead(lead, now=created + timedelta(hours=h), hours=hours, window=window)
        for h in (1, 2, 4)
    }
    assert at[1] is not None and not at[1].half_due
    assert at[2] is not None and at[2].half_due and not at[2].breached
    assert at[4] is not None and at[4].breached and at[4].waited == timedelta(hours=4)
    touched = facts(
        created_at=created,
        first_touch_at=created,
        last_touch_at=created,
        touch_count=1,
        inbound=True,
    )
    assert (
        check_speed_to_lead(touched, now=created + timedelta(hours=5), hours=hours, window=window)
        is None
    )
    # A rep's own prospect has no speed-to-lead clock at all.
    own = facts(created_at=created, inbound=False)
    assert (
        check_speed_to_lead(own, now=created + timedelta(hours=5), hours=hours, window=window)
        is None
    )
