"""The daily rhythm's rules, items 1–9 of the rhythm issue: follow-ups, snoozes, dates, the
afternoon DM, speed to lead, escalation and the cleanup. Each says what a rep or manager saw that
was false, and what they see now. Frozen times; weekends, a DST change, a Sun–Thu rep and a Seoul
rep where they matter."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from bot import flows
from bot.domain.access import Actor
from bot.domain.parsing import parse_touch
from bot.domain.parsing.dates import parse_when
from bot.models import Lead
from bot.services.inbound import InboundLead
from bot.services.leads import NewLead
from bot.slack.messages.cards import build_touch_logged_blocks
from jobs import (
    morning_plan,
    overdue_followups,
    pipeline_cleanup,
    speed_to_lead,
)
from tests.jobs.factories import add_lead, add_rep
from tests.jobs.rhythmkit import (
    FRI,
    MON,
    MON_FRI,
    NY,
    REP,
    SEOUL,
    SUN_THU,
    add_touch,
    events,
    lead_row,
    ny,
)

# 1 ────────────────────────────────────────────────────────────────────────────


def test_item01_a_contact_touch_on_or_after_the_due_date_completes_the_follow_up(
    deps, db, queued, rep
):
    with db() as session:
        lead_id = add_lead(
            session,
            owner=rep,
            created_at=ny("2026-11-02T10:00"),
            last_touch_at=ny("2026-11-20T10:00"),
            next_follow_up=date(2026, 11, 27),
        )
    actor = Actor(rep, zone=NY)
    logged = flows.log_touch(
        deps, by=actor, lead_id=lead_id, kind="call", note="Spoke", now=ny("2026-11-30T13:34")
    )
    assert logged.lead.next_follow_up is None and logged.completed == date(2026, 11, 27)
    reply = build_touch_logged_blocks(
        logged.touch, logged.lead, today=MON, completed=logged.completed
    )
    assert "Next follow-up" not in reply.blocks[0]["text"]["text"]
    assert "Follow-up of Fri 27 Nov done" in reply.blocks[0]["text"]["text"]
    buttons = [e["text"]["text"] for e in reply.blocks[1]["elements"]]
    assert buttons == ["Tomorrow", "In 3 working days", "Next week", "No next step"]

    assert morning_plan.run(deps, ny("2026-12-01T08:30")) == 1
    [plan] = queued("morning-plan")
    assert "Overdue" not in plan.text and "was due" not in plan.text
    assert "No next step" in plan.text

    # The one-click next step lands on the owner's working days and is shown as a date.
    done = flows.change_lead(
        deps,
        by=actor,
        lead_id=lead_id,
        change=flows.SetFollowUp(span="1d"),
        now=ny("2026-12-04T16:00"),
    )
    assert done.lead.next_follow_up == date(2026, 12, 7)  # Friday + 1 working day = Monday


def test_item01_a_note_or_an_earlier_touch_does_not_complete_it(deps, db, rep):
    with db() as session:
        lead_id = add_lead(
            session, owner=rep, created_at=ny("2026-11-02T10:00"), next_follow_up=date(2026, 12, 3)
        )
    actor = Actor(rep, zone=NY)
    note = flows.log_touch(
        deps, by=actor, lead_id=lead_id, kind="note", note="x", now=ny("2026-12-03T10:00")
    )
    assert note.lead.next_follow_up == date(2026, 12, 3)
    early = flows.log_touch(
        deps, by=actor, lead_id=lead_id, kind="email", note="x", now=ny("2026-12-02T10:00")
    )
    assert early.lead.next_follow_up == date(2026, 12, 3) and early.completed is None


# 2 ────────────────────────────────────────────────────────────────────────────


def test_item02_snooze_sets_only_the_snooze_date_and_keep_moves_nothing(deps, db, rep):
    with db() as session:
        add_rep(session, "UMANAGER1", tz="Asia/Seoul")
        lead_id = add_lead(
            session, owner=rep, created_at=ny("2026-11-02T10:00"), next_follow_up=date(2026, 12, 7)
        )
    # A manager in Seoul clicks "1 day" at Friday 16:00 New York (Saturday 06:00 in Seoul):
    # the span counts the owner's working days from the owner's today.
    manager = Actor("UMANAGER1", is_manager=True, zone=SEOUL)
    done = flows.change_lead(
        deps,
        by=manager,
        lead_id=lead_id,
        change=flows.Snooze(span="1d"),
        now=ny("2026-12-04T16:00"),
    )
    assert done.lead.snoozed_until == date(2026, 12, 7)  # Monday, not Saturday
    assert done.lead.next_follow_up == date(2026, 12, 7)  # the Monday contract follow-up stays

    kept = flows.change_lead(
        deps,
        by=Actor(rep, zone=NY),
        lead_id=lead_id,
        change=flows.Keep(),
        now=ny("2026-12-04T16:05"),
    )
    assert kept.changed
    lead = lead_row(db, lead_id)
    assert lead.next_follow_up == date(2026, 12, 7) and lead.snoozed_until == date(2026, 12, 7)
    [event] = events(db, lead_id, "kept")
    assert event.detail["on"] == "2026-12-04"


# 3 ────────────────────────────────────────────────────────────────────────────


def test_item03_relative_dates_land_on_the_owners_next_working_day():
    assert parse_when("tomorrow", today=FRI, working_days=MON_FRI) == date(2026, 12, 7)
    assert parse_when("3d", today=FRI, working_days=MON_FRI) == date(2026, 12, 9)
    assert parse_when("2w", today=date(2026, 12, 5), working_days=MON_FRI) == date(2026, 12, 21)
    # A Sun–Thu rep: Thursday + 1 is Sunday.
    assert parse_when("tomorrow", today=date(2026, 12, 3), working_days=SUN_THU) == date(
        2026, 12, 6
    )
    # Across the spring DST change in New York (8 March 2027), dates stay dates.
    assert parse_when("1d", today=date(2027, 3, 5), working_days=MON_FRI) == date(2027, 3, 8)
    touch = parse_touch("acme call next:tomorrow", today=FRI, working_days=MON_FRI)
    assert touch.next_follow_up == date(2026, 12, 7)


def test_item03_the_touch_reply_shows_the_date_chosen(deps, db, rep):
    with db() as session:
        lead_id = add_lead(session, owner=rep, created_at=ny("2026-11-02T10:00"))
    logged = flows.log_touch(
        deps,
        by=Actor(rep, zone=NY),
        lead_id=lead_id,
        kind="call",
        note="",
        now=ny("2026-12-04T11:00"),
        next_follow_up=parse_when("tomorrow", today=FRI, working_days=MON_FRI),
    )
    reply = build_touch_logged_blocks(logged.touch, logged.lead, today=FRI)
    assert "Next follow-up Mon 7 Dec." in reply.blocks[0]["text"]["text"]


# 4 ────────────────────────────────────────────────────────────────────────────


def test_item04_the_afternoon_dm_covers_what_can_still_be_saved(deps, db, queued, rep):
    with db() as session:
        due_today = add_lead(
            session, owner=rep, company="Due Today", created_at=ny("2026-11-02T10:00"),
            next_follow_up=MON,
        )  # fmt: skip
        overdue = add_lead(
            session, owner=rep, company="Still Overdue", created_at=ny("2026-11-02T10:00"),
            next_follow_up=date(2026, 11, 26),
        )  # fmt: skip
        snoozed_since = add_lead(
            session, owner=rep, company="Handled", created_at=ny("2026-11-02T10:00"),
            next_follow_up=date(2026, 11, 26),
        )  # fmt: skip
    assert morning_plan.run(deps, ny("2026-11-30T08:30")) == 1
    with db() as session:  # the rep re-dated one after the plan: acted on
        session.get(Lead, snoozed_since).updated_at = ny("2026-11-30T11:00")
    assert overdue_followups.run(deps, ny("2026-11-30T14:00")) == 1
    [dm] = queued("overdue-followups")
    shown = {block["block_id"] for block in dm.blocks}
    assert f"overdue_lead_{due_today}" in shown and f"overdue_lead_{overdue}" in shown
    assert f"overdue_lead_{snoozed_since}" not in shown
    assert "1 follow-up due today and not done yet" in dm.text


# 5 ────────────────────────────────────────────────────────────────────────────


def test_item05_speed_to_lead_runs_only_for_inbound_leads(deps, db, queued, rep):
    with db() as session:
        add_rep(session, "UREP00002")
    now = ny("2026-11-30T09:00")
    me = Actor(rep, zone=NY)
    own = flows.create_lead(deps, by=me, new=NewLead("Own Prospect", rep, "prospecting"), now=now)
    typed = flows.create_lead(
        deps, by=me, new=NewLead("Day One Deal", rep, "proposal", source="trade show"), now=now
    )
    webinar = flows.create_lead(
        deps, by=me, new=NewLead("Webinar Co", rep, "prospecting", source="Webinar"), now=now
    )
    handed = flows.create_lead(
        deps, by=me, new=NewLead("For Kim", "UREP00002", "prospecting"), now=now
    )
    web = flows.receive_inbound_lead(
        deps, inbound=InboundLead(company="Form Co", owner=rep), now=now
    )
    assert not own.lead.inbound and not typed.lead.inbound
    assert webinar.lead.inbound and handed.lead.inbound and web.lead.inbound
    assert speed_to_lead.run(deps, now + timedelta(hours=2)) == 3
    told = {sent.key.split(":")[2] for sent in queued("speed-to-lead")}
    assert told == {str(webinar.lead.id), str(handed.lead.id), str(web.lead.id)}


# 6 ────────────────────────────────────────────────────────────────────────────


def test_item06_only_a_contact_touch_answers_a_lead_and_touch_defaults_to_other(
    deps, db, queued, rep
):
    assert parse_touch("acme Left a voicemail", today=MON).kind == "other"
    assert parse_touch("acme note Budget is Q2", today=MON).kind == "note"
    with db() as session:
        noted = add_lead(session, owner=rep, created_at=ny("2026-11-30T09:00"), inbound=True)
        called = add_lead(session, owner=rep, created_at=ny("2026-11-30T09:00"), inbound=True)
    me = Actor(rep, zone=NY)
    flows.log_touch(
        deps, by=me, lead_id=noted, kind="note", note="Looked them up", now=ny("2026-11-30T09:30")
    )
    flows.log_touch(
        deps,
        by=me,
        lead_id=called,
        kind="other",
        note="Left a voicemail",
        now=ny("2026-11-30T09:30"),
    )
    assert speed_to_lead.run(deps, ny("2026-11-30T11:00")) == 1
    [dm] = queued("speed-to-lead")
    assert dm.key.endswith(f":{noted}:{rep}")


# 7 ────────────────────────────────────────────────────────────────────────────


def test_item07_the_window_runs_on_the_team_calendar_for_a_seoul_rep(deps, db, queued):
    with db() as session:
        add_rep(session, "USEOUL001", tz="Asia/Seoul")
        lead_id = add_lead(
            session, owner="USEOUL001", created_at=ny("2026-12-04T16:00"), inbound=True
        )  # a New York web lead on Friday 16:00, routed to Seoul
    # Sunday 23:00 New York (Monday 13:00 Seoul): only 2h of team working time have passed.
    speed_to_lead.run(deps, ny("2026-12-06T23:00"))
    assert queued("speed-to-lead-breach") == []
    # Monday 11:00 New York: 2h Friday + 2h Monday, the window passed in working hours.
    speed_to_lead.run(deps, ny("2026-12-07T11:00"))
    [post] = queued("speed-to-lead-breach")
    assert post.key == f"speed-to-lead:managers:{lead_id}:USEOUL001"


def test_item07_a_breach_at_night_waits_for_the_managers_working_hours(make_deps, db, queued):
    deps = make_deps('[team]\nspeed_to_lead_hours = 1\nworking_hours = "09:00-18:00"\n')
    with deps.session_factory.begin() as session:
        add_rep(session, REP)
        add_lead(session, owner=REP, created_at=ny("2026-12-01T17:00"), inbound=True)
    # Tuesday 17:00 + 1h = breached at 18:00, but managers are off: no post at 23:00.
    speed_to_lead.run(deps, ny("2026-12-01T23:00"))
    assert queued("speed-to-lead-breach") == []
    speed_to_lead.run(deps, ny("2026-12-02T09:00"))
    assert len(queued("speed-to-lead-breach")) == 1


# 8 ────────────────────────────────────────────────────────────────────────────


def test_item08_closing_archiving_or_reassigning_withdraws_queued_alerts(deps, db, queued, rep):
    with db() as session:
        add_rep(session, "UREP00002")
        leads = [
            add_lead(session, owner=rep, created_at=ny("2026-11-30T09:00"), inbound=True)
            for _ in range(3)
        ]
    speed_to_lead.run(deps, ny("2026-11-30T11:00"))
    assert len(queued("speed-to-lead")) == 3
    me = Actor(rep, zone=NY)
    now = ny("2026-11-30T11:05")
    flows.change_lead(deps, by=me, lead_id=leads[0], change=flows.Close("archived"), now=now)
    flows.change_lead(deps, by=me, lead_id=leads[1], change=flows.Close("won"), now=now)
    flows.change_lead(deps, by=me, lead_id=leads[2], change=flows.Assign("UREP00002"), now=now)
    with db() as session:
        from bot.models import Notification

        statuses = set(
            session.scalars(select(Notification.status).where(Notification.kind == "speed-to-lead"))
        )
    assert "pending" not in statuses
    # The new owner's window starts at the handover.
    assert speed_to_lead.run(deps, ny("2026-11-30T12:30")) == 0
    assert speed_to_lead.run(deps, ny("2026-11-30T13:05")) == 1


# 9 ────────────────────────────────────────────────────────────────────────────


def test_item09_the_cleanup_counts_unanswered_attempts_and_never_insults_an_active_buyer(
    deps, db, queued, rep
):
    start = ny("2026-10-01T10:00")
    with db() as session:
        chased = add_lead(session, owner=rep, company="Chased", created_at=start)
        for day in range(6):
            add_touch(session, chased, kind="email", at=ny(f"2026-11-{10 + day}T10:00"))
        moved_yesterday = add_lead(
            session, owner=rep, company="Moved", created_at=start, stage="connecting",
            stage_changed_at=ny("2026-12-03T10:00"),
        )  # fmt: skip
        for day in range(8):
            add_touch(session, moved_yesterday, kind="call", at=ny(f"2026-10-{10 + day}T10:00"))
        contract = add_lead(
            session, owner=rep, company="Contract Review", created_at=start, stage="closing",
            value=Decimal("120000"),
        )  # fmt: skip
        for day in range(8):
            add_touch(session, contract, kind="email", at=ny(f"2026-10-{10 + day}T10:00"))
        never = add_lead(session, owner=rep, company="Never Contacted", created_at=start)
        met = add_lead(
            session, owner=rep, company="Just Met", created_at=start,
            stage_changed_at=ny("2026-11-09T10:00"),
        )  # fmt: skip
        for day in range(6):
            add_touch(session, met, kind="call", at=ny(f"2026-11-{10 + day}T10:00"))
        add_touch(session, met, kind="meeting", at=ny("2026-11-20T10:00"))
        add_touch(session, met, kind="email", at=ny("2026-11-21T10:00"))
        scheduled = add_lead(
            session,
            owner=rep,
            company="Scheduled",
            created_at=start,
            next_follow_up=date(2026, 12, 10),
        )
        for day in range(6):
            add_touch(session, scheduled, kind="email", at=ny(f"2026-11-{10 + day}T10:00"))
        noted = add_lead(
            session, owner=rep, company="Only Notes", created_at=ny("2026-11-20T10:00")
        )
        for day in range(6):
            add_touch(session, noted, kind="note", at=ny(f"2026-11-2{day}T10:00"))
    assert pipeline_cleanup.run(deps, ny("2026-12-04T15:00")) == 1
    [dm] = queued("pipeline-cleanup")
    shown = {b["block_id"] for b in dm.blocks if b["block_id"].startswith("cleanup_lead_")}
    assert shown == {f"cleanup_lead_{chased}"}
    assert "6 unanswered attempts since it last moved" in dm.text
    for absent in (moved_yesterday, contract, never, met, scheduled, noted):
        assert f"cleanup_lead_{absent}" not in shown


def test_item09_days_without_a_move_can_be_set_per_stage(make_deps):
    deps = make_deps(
        '[[stages]]\nkey = "a"\nprobability = 0.1\nstale_days = 5\nstuck_days = 9\n'
        "days_without_move = 12\n"
        '[[stages]]\nkey = "b"\nprobability = 0.6\nstale_days = 5\nstuck_days = 9\n'
    )
    assert deps.pipeline.days_without_move("a") == 12
    assert deps.pipeline.days_without_move("b") == 30
