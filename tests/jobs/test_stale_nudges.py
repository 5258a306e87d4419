"""stale-nudges: a nudge when a lead crosses its stale or stuck clock and at twice it, then the
managers; a lead with a follow-up planned is waiting; snooze skips."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.models import LeadEvent
from bot.services.nudge_reads import escalated_leads
from bot.services.rhythm import ESCALATED_EVENT, NUDGE_EVENT
from jobs import pipeline_cleanup, stale_nudges
from tests.jobs.factories import add_lead, add_touches, days, touch, utc

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


def test_a_lead_is_nudged_at_a_clock_and_twice_it_then_the_managers_hear(deps, db, queued, rep):
    with db() as session:
        # A proposal (stale after 5 days, stuck after 14) nobody touched since Wed 25 Nov.
        lead_id = add_lead(session, owner=rep, stage="proposal", created_at=MON_1000 - days(5))
    sent = [stale_nudges.run(deps, MON_1000 + days(offset)) for offset in range(10)]
    # Mon 30 Nov: stale (5 days). Mon 7 Dec: twice stale (12 days; 10 fell on a Saturday).
    # Wed 9 Dec: stuck (14 days), but two nudges went unanswered: the managers, not a third DM.
    assert sent == [1, 0, 0, 0, 0, 0, 0, 1, 0, 0]
    assert [n.key for n in queued(stale_nudges.JOB_ID)] == [
        "stale-nudges:UNY000001:2026-11-30",
        "stale-nudges:UNY000001:2026-12-07",
    ]
    with db() as session:
        events = session.execute(
            select(LeadEvent.kind, LeadEvent.at)
            .where(LeadEvent.lead_id == lead_id)
            .order_by(LeadEvent.at)
        ).all()
        escalated = escalated_leads(session)
    assert [(row.kind, row.at) for row in events] == [
        (NUDGE_EVENT, MON_1000),
        (NUDGE_EVENT, MON_1000 + days(7)),
        (ESCALATED_EVENT, MON_1000 + days(9)),
    ]
    assert escalated == {lead_id: MON_1000 + days(9)}


def test_a_touch_starts_the_nudges_over(deps, db, queued, rep):
    with db() as session:
        lead_id = add_lead(session, owner=rep, stage="proposal", created_at=MON_1000 - days(5))
    assert stale_nudges.run(deps, MON_1000) == 1
    with db() as session:
        touch(session, lead_id, at=MON_1000 + days(1))
    # Five days after the touch the lead is stale again: a first crossing, so a DM.
    assert [stale_nudges.run(deps, MON_1000 + days(n)) for n in range(1, 7)] == [0] * 6
    assert stale_nudges.run(deps, MON_1000 + days(7)) == 1  # Mon 7 Dec: 6 days since the touch


def test_stale_versus_stuck_and_a_planned_follow_up_waits(deps, db, queued, rep):
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
        stuck = add_lead(
            session,
            owner=rep,
            stage="proposal",
            created_at=MON_1000 - days(30),
            last_touch_at=MON_1000 - days(2),
            company="Stuck",
            stage_changed_at=MON_1000 - days(20),
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
    assert f"stale_lead_{stuck}" in ids  # stuck: 20 days in proposal (stuck after 14)
    assert f"stale_lead_{unscheduled}" in ids  # stale: 9 days without a touch (stale after 5)
    # A follow-up is planned: the lead is waiting, neither stale nor worth a stuck nudge.
    assert f"stale_lead_{scheduled}" not in ids
    by_id = {
        block["block_id"]: block["text"]["text"]
        for block in sent.blocks
        if block.get("block_id", "").startswith("stale_lead_")
    }
    assert "No stage move in 20 days — move it, or set a follow-up" in by_id[f"stale_lead_{stuck}"]
    assert "No touch" not in by_id[f"stale_lead_{stuck}"]
    assert "No touch in 9 days — a touch clears it" in by_id[f"stale_lead_{unscheduled}"]


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


def test_nudges_are_per_lead_not_per_owner(deps, db, queued, rep, stale_lead):
    first = stale_lead
    assert stale_nudges.run(deps, MON_1000) == 1
    with db() as session:
        second = add_lead(session, owner=rep, stage="proposal", created_at=MON_1000 - days(20))
    assert stale_nudges.run(deps, MON_1000 + days(1)) == 1
    tuesday = queued(stale_nudges.JOB_ID)[-1]
    assert f"stale_lead_{second}" in tuesday.block_ids()
    assert f"stale_lead_{first}" not in tuesday.block_ids()


def test_last_nudge_times_come_back_timezone_aware(deps, db, stale_lead):
    from bot.services.nudge_reads import last_lead_events

    stale_nudges.run(deps, MON_1000)
    with db() as session:
        [(_lead_id, at)] = last_lead_events(
            session, kind=NUDGE_EVENT, since=MON_1000 - days(1)
        ).items()
    assert at == MON_1000 and at.utcoffset() is not None


def test_a_lead_the_afternoon_cleanup_lists_is_left_out_of_the_morning_nudge(deps, db, queued, rep):
    fri_1000 = utc("2026-12-04T15:00:00")  # Fri 4 Dec, 10:00 New York: the rep's cleanup day
    with db() as session:
        # 29 days without a move at 10:00, 30 by the cleanup at 15:00: the cleanup's, not a nudge.
        tired = add_lead(
            session,
            owner=rep,
            stage="qualification",
            created_at=fri_1000 - days(30) + timedelta(hours=2),
        )
        add_touches(session, tired, at=[fri_1000 - days(3)])
        # Stuck as long, but never tried: the cleanup leaves it, so the nudge is about it.
        untried = add_lead(
            session,
            owner=rep,
            stage="qualification",
            created_at=fri_1000 - days(30) + timedelta(hours=2),
        )
    assert stale_nudges.run(deps, fri_1000) == 1
    [sent] = queued(stale_nudges.JOB_ID)
    assert f"stale_lead_{untried}" in sent.block_ids()
    assert f"stale_lead_{tired}" not in sent.block_ids()
    assert pipeline_cleanup.run(deps, utc("2026-12-04T20:00:00")) == 1
    [cleanup] = queued(pipeline_cleanup.JOB_ID)
    assert f"cleanup_lead_{tired}" in cleanup.block_ids()


def test_a_failing_record_costs_only_its_own_rep_and_never_parts_a_nudge_from_its_record(
    deps, db, queued, monkeypatch, caplog
):
    """The batch's transaction fails as a whole; each rep is then written alone, so the other
    reps still get their nudge with its record, and the failing rep gets neither."""
    from tests.jobs.factories import add_rep

    with db() as session:
        leads = {}
        for rep_id in ("UAAA00001", "UBAD00001", "UCCC00001"):
            add_rep(session, rep_id)
            leads[rep_id] = add_lead(
                session, owner=rep_id, stage="proposal", created_at=MON_1000 - days(20)
            )
    real = stale_nudges.record_lead_event_details

    def flaky(session, *, kind, now, details):
        if kind == NUDGE_EVENT and leads["UBAD00001"] in details:
            raise RuntimeError("the record failed")
        real(session, kind=kind, now=now, details=details)

    monkeypatch.setattr(stale_nudges, "record_lead_event_details", flaky)

    assert stale_nudges.run(deps, MON_1000) == 2

    assert sorted(n.recipient for n in queued(stale_nudges.JOB_ID)) == ["UAAA00001", "UCCC00001"]
    with db() as session:
        nudged = set(
            session.scalars(select(LeadEvent.lead_id).where(LeadEvent.kind == NUDGE_EVENT))
        )
    assert nudged == {leads["UAAA00001"], leads["UCCC00001"]}
    assert "UBAD00001" in caplog.text and "RuntimeError" in caplog.text
    # The next tick tries the failed rep again, and only them.
    monkeypatch.setattr(stale_nudges, "record_lead_event_details", real)
    assert stale_nudges.run(deps, MON_1000 + timedelta(minutes=1)) == 1
