"""stale-nudges: stale needs no future follow-up, stuck does not care; once per lead per 3 days; snooze skips."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.models import LeadEvent
from bot.services.rhythm import NUDGE_EVENT
from jobs import stale_nudges
from tests.jobs.factories import add_lead, add_rep, days, outbox, utc

MON_1000 = utc("2026-11-30T15:00:00")  # Mon 10:00 New York


def nudges(db):
    with db() as session:
        return outbox(session, kind="stale-nudges")


def test_window_is_1000_to_1400_on_working_days(deps, db):
    with db() as session:
        add_rep(session, "UNY000001")
        add_lead(session, owner="UNY000001", stage="proposal", created_at=MON_1000 - days(20))
    assert stale_nudges.run(deps, utc("2026-11-30T14:59:00")) == 0
    assert stale_nudges.run(deps, utc("2026-11-28T15:00:00")) == 0  # Saturday
    assert stale_nudges.run(deps, utc("2026-11-30T19:00:00")) == 0  # 14:00
    assert stale_nudges.run(deps, MON_1000) == 1
    assert stale_nudges.run(deps, MON_1000) == 0


def test_a_lead_is_nudged_at_most_once_per_three_days(deps, db):
    with db() as session:
        add_rep(session, "UNY000001")
        lead_id = add_lead(
            session, owner="UNY000001", stage="proposal", created_at=MON_1000 - days(20)
        )
    sent = [stale_nudges.run(deps, MON_1000 + days(offset)) for offset in range(7)]
    # Mon, Tue, Wed, Thu, Fri, Sat, Sun → Monday and Thursday; the weekend has no nudges.
    assert sent == [1, 0, 0, 1, 0, 0, 0]
    assert [n.key for n in nudges(db)] == [
        "stale-nudges:UNY000001:2026-11-30",
        "stale-nudges:UNY000001:2026-12-03",
    ]
    with db() as session:
        events = session.execute(
            select(LeadEvent.lead_id, LeadEvent.at).where(LeadEvent.kind == NUDGE_EVENT)
        ).all()
    assert [(row.lead_id, row.at) for row in events] == [
        (lead_id, MON_1000),
        (lead_id, MON_1000 + days(3)),
    ]


def test_stale_versus_stuck(deps, db):
    with db() as session:
        add_rep(session, "UNY000001")
        scheduled = add_lead(
            session,
            owner="UNY000001",
            stage="proposal",
            company="Scheduled",
            created_at=MON_1000 - days(30),
            stage_changed_at=MON_1000 - days(20),
            last_touch_at=MON_1000 - days(9),
            next_follow_up=date(2026, 12, 2),
        )
        scheduled_fresh = add_lead(
            session,
            owner="UNY000001",
            stage="proposal",
            company="Scheduled and moving",
            created_at=MON_1000 - days(30),
            stage_changed_at=MON_1000 - days(3),
            last_touch_at=MON_1000 - days(9),
            next_follow_up=date(2026, 12, 2),
        )
        unscheduled = add_lead(
            session,
            owner="UNY000001",
            stage="proposal",
            company="Forgotten",
            created_at=MON_1000 - days(30),
            stage_changed_at=MON_1000 - days(3),
            last_touch_at=MON_1000 - days(9),
        )
    assert stale_nudges.run(deps, MON_1000) == 1
    [sent] = nudges(db)
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


def test_snoozed_leads_wait_until_the_snooze_ends(deps, db):
    with db() as session:
        add_rep(session, "UNY000001")
        add_lead(
            session,
            owner="UNY000001",
            stage="proposal",
            created_at=MON_1000 - days(20),
            snoozed_until=date(2026, 12, 2),
        )
    assert stale_nudges.run(deps, MON_1000) == 0
    assert stale_nudges.run(deps, MON_1000 + days(1)) == 0
    assert stale_nudges.run(deps, MON_1000 + days(2)) == 1  # Wednesday 2 Dec: the snooze has ended


def test_nudge_limit_is_per_lead_not_per_owner(deps, db):
    with db() as session:
        add_rep(session, "UNY000001")
        first = add_lead(
            session, owner="UNY000001", stage="proposal", created_at=MON_1000 - days(20)
        )
    assert stale_nudges.run(deps, MON_1000) == 1
    with db() as session:
        second = add_lead(
            session, owner="UNY000001", stage="proposal", created_at=MON_1000 - days(20)
        )
    assert stale_nudges.run(deps, MON_1000 + days(1)) == 1
    tuesday = nudges(db)[-1]
    assert f"stale_lead_{second}" in tuesday.block_ids()
    assert f"stale_lead_{first}" not in tuesday.block_ids()


def test_last_nudge_times_come_back_timezone_aware(deps, db):
    from bot.services.rhythm import last_lead_events

    with db() as session:
        add_rep(session, "UNY000001")
        add_lead(session, owner="UNY000001", stage="proposal", created_at=MON_1000 - days(20))
    stale_nudges.run(deps, MON_1000)
    with db() as session:
        [(_lead_id, at)] = last_lead_events(
            session, kind=NUDGE_EVENT, since=MON_1000 - days(1)
        ).items()
    assert at == MON_1000 and at.utcoffset() is not None
