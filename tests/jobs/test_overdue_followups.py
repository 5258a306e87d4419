"""overdue-followups: at 14:00 local, what can still be saved: due today and not done, overdue and not acted on."""

from __future__ import annotations

from datetime import date

import pytest

from jobs import morning_plan, overdue_followups
from tests.jobs.factories import add_lead, add_rep, days, touch, utc

PLAN_AT = utc("2026-11-30T13:30:00")  # Mon 08:30 New York
AFTERNOON = utc("2026-11-30T19:00:00")  # Mon 14:00 New York
FRIDAY = date(2026, 11, 27)


@pytest.fixture
def overdue_lead(db, rep) -> int:
    """A lead whose follow-up was last Friday: overdue all Monday."""
    with db() as session:
        return add_lead(session, owner=rep, created_at=PLAN_AT - days(9), next_follow_up=FRIDAY)


def test_nothing_before_1400_or_on_the_weekend(deps, overdue_lead):
    assert overdue_followups.run(deps, PLAN_AT) == 0
    assert overdue_followups.run(deps, utc("2026-11-30T18:59:00")) == 0
    assert overdue_followups.run(deps, utc("2026-11-28T19:00:00")) == 0  # Saturday
    assert overdue_followups.run(deps, AFTERNOON) == 1


def test_shown_in_the_plan_and_untouched_is_sent_once(deps, queued, overdue_lead):
    assert morning_plan.run(deps, PLAN_AT) == 1
    assert overdue_followups.run(deps, AFTERNOON) == 1
    assert overdue_followups.run(deps, AFTERNOON) == 0
    [sent] = queued(overdue_followups.JOB_ID)
    assert sent.key == "overdue-followups:UNY000001:2026-11-30"
    assert f"overdue_lead_{overdue_lead}" in sent.block_ids()
    assert "in this morning's plan" in sent.text


def test_shown_in_the_plan_and_touched_since_is_not_sent(deps, db, queued, overdue_lead):
    morning_plan.run(deps, PLAN_AT)
    with db() as session:
        touch(session, overdue_lead, at=PLAN_AT + (AFTERNOON - PLAN_AT) / 2)
    assert overdue_followups.run(deps, AFTERNOON) == 0
    assert queued(overdue_followups.JOB_ID) == []


def test_overdue_but_not_in_the_plan_is_sent_unless_touched_since(
    deps, db, queued, rep, overdue_lead
):
    morning_plan.run(deps, PLAN_AT)
    with db() as session:
        # Assigned to this rep after the plan went out, with a follow-up already past: news,
        # though the handover itself changed the lead after the plan.
        late = add_lead(
            session,
            owner=rep,
            company="Late Arrival",
            created_at=PLAN_AT + (AFTERNOON - PLAN_AT) / 3,
            next_follow_up=FRIDAY,
        )
        # Another one the rep already called since: nothing to save there.
        called = add_lead(
            session,
            owner=rep,
            company="Called Since",
            created_at=PLAN_AT + (AFTERNOON - PLAN_AT) / 3,
            next_follow_up=FRIDAY,
            last_touch_at=PLAN_AT + (AFTERNOON - PLAN_AT) / 2,
        )
    assert overdue_followups.run(deps, AFTERNOON) == 1
    [sent] = queued(overdue_followups.JOB_ID)
    assert f"overdue_lead_{late}" in sent.block_ids()
    assert f"overdue_lead_{called}" not in sent.block_ids()
    assert "1 overdue not in this morning's plan" in sent.text


def test_without_a_plan_today_everything_overdue_is_sent(deps, db, queued, rep, overdue_lead):
    with db() as session:
        add_lead(
            session,
            owner=rep,
            created_at=PLAN_AT - days(9),
            next_follow_up=date(2026, 11, 30),
        )
    assert overdue_followups.run(deps, AFTERNOON) == 1
    [sent] = queued(overdue_followups.JOB_ID)
    # The overdue one, and the one due today and not done yet: both can still be saved.
    assert len([b for b in sent.block_ids() if b.startswith("overdue_lead_")]) == 2
    assert "1 follow-up due today and not done yet" in sent.text


def test_snoozed_and_nothing_overdue_send_nothing(deps, db, rep):
    with db() as session:
        add_lead(
            session,
            owner=rep,
            created_at=PLAN_AT - days(9),
            next_follow_up=FRIDAY,
            snoozed_until=date(2026, 12, 1),
        )
        add_rep(session, "UNY000002")
        add_lead(
            session,
            owner="UNY000002",
            created_at=PLAN_AT - days(9),
            next_follow_up=date(2026, 12, 2),
        )
    assert overdue_followups.run(deps, AFTERNOON) == 0
