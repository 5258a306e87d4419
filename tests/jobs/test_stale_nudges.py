"""stale-nudges: stale needs no future follow-up, stuck does not care; once per lead per 3 days; snooze skips."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.models import LeadEvent
from bot.services.rhythm import NUDGE_EVENT
from jobs import stale_nudges
from tests.jobs.factories import add_lead, days, utc

MON_1000 = utc("2026-11-30T15:00:00")  # Mon 10:00 New York


@pytest.fixture
def stale_lead(db, rep) -> int:
    """A proposal that has waited 20 days for a touch: stale and stuck on Monday."""
    with db() as session:
        return add_lead(session, owner=rep, stage="proposal", created_at=MON_1000 - days(20))


def test_window_is_1000_to_1400_on_working_days(deps, stale_lead):
    assert stale_nudges.run(deps, utc("2026-11-30T14:59:00")) == 0
    assert stale_nudges.run(deps, utc("2026-11-28T15:00:00")) == 0  # Saturday
    assert stale_nudges.run(deps, utc("2026-11-30T19:00:00")) == 0  # 14:00
    assert stale_nudges.run(deps, MON_1000) == 1
    assert stale_nudges.run(deps, MON_1000) == 0


def test_a_lead_is_nudged_at_most_once_per_three_days(deps, db, queued, stale_lead):
    sent = [stale_nudges.run(deps, MON_1000 + days(offset)) for offset in range(7)]
    # Mon, Tue, Wed, Thu, Fri, Sat, Sun → Monday and Thursday; the weekend has no nudges.
    assert sent == [1, 0, 0, 1, 0, 0, 0]
    assert [n.key for n in queued(stale_nudges.JOB_ID)] == [
        "stale-nudges:UNY000001:2026-11-30",
        "stale-nudges:UNY000001:2026-12-03",
    ]
    with db() as session:
        events = session.execute(
            select(LeadEvent.lead_id, LeadEvent.at).where(LeadEvent.kind == NUDGE_EVENT)
        ).all()
    assert [(row.lead_id, row.at) for row in events] == [
        (stale_lead, MON_1000),
        (stale_lead, MON_1000 + days(3)),
    ]


def test_stale_versus_stuck(deps, db, queued, rep):
    untouched_for_9_days = {
        "owner": rep,
        "stage": "proposal",
        "created_at": MON_1000 - days(30),
        "last_touch_at": MON_1000 - days(9),
    }
    with db() as session:
        scheduled = add_lead(
            session,
            **untouched_for_9_days,
            company="Scheduled",
            stage_changed_at=MON_1000 - days(20),
            next_follow_up=date(2026, 12, 2),
        )
        scheduled_fresh = add_lead(
            session,
            **untouched_for_9_days,
            company="Scheduled and moving",
            stage_changed_at=MON_1000 - days(3),
            next_follow_up=date(2026, 12, 2),
        )
        unscheduled = add_lead(
            session,
            **untouched_for_9_days,
            company="Forgotten",
            stage_changed_at=MON_1000 - days(3),
        )
    assert stale_nudges.run(deps, MON_1000) == 1
    [sent] = queued(stale_nudges.JOB_ID)
    ids = sent.block_ids()
    assert f"stale_lead_{scheduled}" in ids  # stuck: 20 days in proposal (stuck after 14)
    assert f"stale_lead_{unscheduled}" in ids  # stale: 9 days without a touch (stale after 5)
    assert (
        f"stale_lead_{scheduled_fresh}" not in ids
    )  # scheduled, so not stale; moved lately, so not stuck
    by_id = {
        block["block_id"]: block["text"]["text"]
        for block in sent.blocks
        if block.get("block_id", "").startswith("stale_lead_")
    }
    assert "In Proposal for 20 days (stuck after 14 days)" in by_id[f"stale_lead_{scheduled}"]
    assert "No touch" not in by_id[f"stale_lead_{scheduled}"]
    assert "No touch for 9 days (stale after 5 days)" in by_id[f"stale_lead_{unscheduled}"]


def test_snoozed_leads_wait_until_the_snooze_ends(deps, db, rep):
    with db() as session:
        add_lead(
            session,
            owner=rep,
            stage="proposal",
            created_at=MON_1000 - days(20),
            snoozed_until=date(2026, 12, 2),
        )
    assert stale_nudges.run(deps, MON_1000) == 0
    assert stale_nudges.run(deps, MON_1000 + days(1)) == 0
    assert stale_nudges.run(deps, MON_1000 + days(2)) == 1  # Wednesday 2 Dec: the snooze has ended


def test_nudge_limit_is_per_lead_not_per_owner(deps, db, queued, rep, stale_lead):
    first = stale_lead
    assert stale_nudges.run(deps, MON_1000) == 1
    with db() as session:
        second = add_lead(session, owner=rep, stage="proposal", created_at=MON_1000 - days(20))
    assert stale_nudges.run(deps, MON_1000 + days(1)) == 1
    tuesday = queued(stale_nudges.JOB_ID)[-1]
    assert f"stale_lead_{second}" in tuesday.block_ids()
    assert f"stale_lead_{first}" not in tuesday.block_ids()


def test_last_nudge_times_come_back_timezone_aware(deps, db, stale_lead):
    from bot.services.rhythm import last_lead_events

    stale_nudges.run(deps, MON_1000)
    with db() as session:
        [(_lead_id, at)] = last_lead_events(
            session, kind=NUDGE_EVENT, since=MON_1000 - days(1)
        ).items()
    assert at == MON_1000 and at.utcoffset() is not None
