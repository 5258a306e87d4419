"""The daily rhythm's rules, items 10–18 of the rhythm issue: the cleanup's calendar, nudges,
the morning plan, labels, ordering, qualification, close dates and wording. Each says what a rep
or manager saw that was false, and what they see now."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import flows
from bot.domain.access import Actor, closed_refusal
from bot.domain.errors import UserFacingError
from bot.domain.parsing.lead import parse_new_lead
from bot.domain.plan import Section, build_morning_plan
from bot.domain.qualification import (
    NOT_ENOUGH,
    WEAK,
    answered,
    knocked_out,
    score,
    verdict,
)
from bot.models import Lead, LeadEvent, Rep, Touchpoint
from bot.services.nudge_reads import escalated_leads
from bot.services.records import LeadView
from bot.services.rhythm import ESCALATED_EVENT, NUDGE_EVENT
from bot.slack.kit import touched_label
from bot.slack.messages.cards import build_touch_logged_blocks
from jobs import (
    morning_plan,
    pipeline_cleanup,
    speed_to_lead,
    stale_nudges,
)
from tests.jobs.factories import STAGES, add_lead, add_rep, facts
from tests.jobs.rhythmkit import (
    MON,
    NY,
    SEOUL,
    add_touch,
    events,
    lead_row,
    ny,
)

# 10 ───────────────────────────────────────────────────────────────────────────


def test_item10_a_sun_thu_rep_gets_the_cleanup_on_thursday_and_keep_is_two_local_weeks(
    deps, db, queued
):
    tlv = ZoneInfo("Asia/Jerusalem")

    def local(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=tlv).astimezone(UTC)

    with db() as session:
        add_rep(session, "UTLV00001", tz="Asia/Jerusalem", working_days="sun,mon,tue,wed,thu")
        lead_id = add_lead(session, owner="UTLV00001", created_at=local("2026-08-01T10:00"))
        for day in range(6):
            add_touch(session, lead_id, kind="call", at=local(f"2026-09-0{day + 1}T10:00"))
    assert pipeline_cleanup.run(deps, local("2026-10-16T15:00")) == 0  # a Friday: their weekend
    assert pipeline_cleanup.run(deps, local("2026-10-15T15:00")) == 1  # Thursday
    # Kept on Thursday 15 October at 16:30; Israel leaves summer time on 25 October.
    flows.change_lead(
        deps, by=Actor("UTLV00001", zone=tlv), lead_id=lead_id, change=flows.Keep(),
        now=local("2026-10-15T16:30"),
    )  # fmt: skip
    assert pipeline_cleanup.run(deps, local("2026-10-22T15:00")) == 0
    # Exactly two weeks later, the same weekday, it is back (not three weeks later).
    assert pipeline_cleanup.run(deps, local("2026-10-29T15:00")) == 1


# 11 ───────────────────────────────────────────────────────────────────────────


def test_item11_a_lead_is_nudged_when_it_crosses_a_clock_then_goes_to_the_managers(
    deps, db, queued, rep
):
    with db() as session:
        lead_id = add_lead(
            session, owner=rep, company="Ignored", stage="proposal",
            created_at=ny("2026-11-01T10:00"), last_touch_at=ny("2026-11-20T10:00"),
            stage_changed_at=ny("2026-11-25T10:00"),
        )  # fmt: skip
    sent_on = []
    day = date(2026, 11, 25)
    while day <= date(2026, 12, 18):
        if day.weekday() < 5 and stale_nudges.run(deps, ny(f"{day.isoformat()}T10:00")):
            sent_on.append(day)
        day += timedelta(days=1)
    # Stale (5 days) on Wed 25 Nov, twice stale on Mon 30 Nov; then the managers, no third DM.
    assert sent_on == [date(2026, 11, 25), date(2026, 11, 30)]
    assert len(events(db, lead_id, NUDGE_EVENT)) == 2
    assert len(events(db, lead_id, ESCALATED_EVENT)) >= 1
    with db() as session:
        assert lead_id in escalated_leads(session)
    first, _second = queued("stale-nudges")
    assert "No touch in 5 days — a touch clears it" in first.text
    assert "going cold" not in first.text
    # Any action takes it off the managers' list.
    flows.log_touch(
        deps,
        by=Actor(rep, zone=NY),
        lead_id=lead_id,
        kind="call",
        note="",
        now=ny("2026-12-18T11:00"),
    )
    with db() as session:
        assert lead_id not in escalated_leads(session)


def test_item11_a_lead_in_the_days_cleanup_is_not_also_nudged(deps, db, queued, rep):
    with db() as session:
        lead_id = add_lead(session, owner=rep, created_at=ny("2026-09-01T10:00"))
        for day in range(6):
            add_touch(session, lead_id, kind="email", at=ny(f"2026-11-0{day + 1}T10:00"))
    assert stale_nudges.run(deps, ny("2026-12-04T10:00")) == 0  # Friday: the cleanup's day
    assert pipeline_cleanup.run(deps, ny("2026-12-04T15:00")) == 1


def test_item11_stale_and_stuck_live_in_the_morning_plan_with_what_clears_them(
    deps, db, queued, rep
):
    with db() as session:
        add_lead(
            session, owner=rep, company="Stuck Co", stage="connecting",
            created_at=ny("2026-10-01T10:00"), last_touch_at=ny("2026-11-29T10:00"),
        )  # fmt: skip
    assert morning_plan.run(deps, ny("2026-11-30T08:30")) == 1
    [plan] = queued("morning-plan")
    assert "No stage move in 59 days — move it, or set a follow-up" in plan.text


# 12 ───────────────────────────────────────────────────────────────────────────


def test_item12_only_the_leads_a_nudge_shows_are_recorded_as_nudged(deps, db, queued, rep):
    with db() as session:
        ids = [
            add_lead(
                session,
                owner=rep,
                company=f"Stale {n}",
                stage="proposal",
                created_at=ny("2026-11-01T10:00"),
                last_touch_at=ny("2026-11-24T10:00"),
                stage_changed_at=ny("2026-11-24T10:00"),
            )  # fmt: skip
            for n in range(40)
        ]
    assert stale_nudges.run(deps, ny("2026-11-30T10:00")) == 1
    [dm] = queued("stale-nudges")
    shown = {
        int(b["block_id"].rsplit("_", 1)[1])
        for b in dm.blocks
        if b["block_id"].startswith("stale_lead_")
    }
    assert 0 < len(shown) < len(ids)
    with db() as session:
        nudged = set(
            session.scalars(select(LeadEvent.lead_id).where(LeadEvent.kind == NUDGE_EVENT))
        )
    assert nudged == shown
    assert stale_nudges.run(deps, ny("2026-12-01T10:00")) == 1  # the rest, next time
    later = queued("stale-nudges")[1]
    again = {
        int(b["block_id"].rsplit("_", 1)[1])
        for b in later.blocks
        if b["block_id"].startswith("stale_lead_")
    }
    assert again and not again & shown


# 13 ───────────────────────────────────────────────────────────────────────────


def test_item13_an_empty_pipeline_gets_a_short_monday_dm_and_a_rep_who_left_gets_nothing(
    deps, db, queued, rep
):
    assert morning_plan.run(deps, ny("2026-11-30T08:30")) == 1
    [dm] = queued("morning-plan")
    assert "pipeline is empty" in dm.text
    assert morning_plan.run(deps, ny("2026-12-01T08:30")) == 0  # only on Mondays
    with db() as session:
        add_rep(session, "ULEFT0001", active=False)
        add_lead(session, owner="ULEFT0001", created_at=ny("2026-12-07T09:00"), inbound=True)
    assert morning_plan.run(deps, ny("2026-12-07T08:40")) == 1  # only the active rep
    speed_to_lead.run(deps, ny("2026-12-07T11:00"))
    assert queued("speed-to-lead") == []


# 14 ───────────────────────────────────────────────────────────────────────────


def test_item14_labels_are_calendar_days_in_the_readers_timezone():
    touched = ny("2026-11-29T13:34")
    assert touched_label(touched, ny("2026-11-30T08:30"), NY) == "yesterday"
    assert touched_label(touched, ny("2026-11-30T14:00"), NY) == "yesterday"
    assert touched_label(ny("2026-11-30T00:10"), ny("2026-11-30T08:30"), NY) == "today"
    # Across the fall DST change (1 November 2026): two calendar days, whatever the hours.
    assert touched_label(ny("2026-10-31T23:00"), ny("2026-11-02T00:30"), NY) == "2 days ago"
    # A Seoul reader at 08:30 Monday sees a touch from 23:00 Sunday (Seoul) as yesterday.
    seoul = datetime(2026, 11, 29, 23, 0, tzinfo=SEOUL)
    assert touched_label(seoul, datetime(2026, 11, 30, 8, 30, tzinfo=SEOUL), SEOUL) == "yesterday"


def test_item14_the_demo_touches_fall_in_each_reps_working_hours(tmp_path):
    from bot.config import load_pipeline
    from bot.db import make_engine, make_session_factory
    from bot.demo.seed import REPS, SAMPLE_MORNING, seed_pipeline, seed_team
    from bot.models import Base

    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    Base.metadata.create_all(engine)
    with make_session_factory(engine).begin() as session:
        seed_team(session, now=SAMPLE_MORNING)
        seed_pipeline(session, pipeline=load_pipeline(None), now=SAMPLE_MORNING)
        zones = {rep.id: ZoneInfo(rep.tz) for rep in REPS}
        rows = session.execute(select(Touchpoint.occurred_at, Lead.owner_id).join(Lead)).all()
    assert rows
    for when, owner in rows:
        local = when.astimezone(zones[owner])
        assert local.weekday() < 5 and 9 <= local.hour < 18, (owner, local)


# 15 ───────────────────────────────────────────────────────────────────────────


def test_item15_ordering_never_compares_currencies_and_late_stages_are_by_probability():
    yesterday = MON - timedelta(days=1)
    now = ny("2026-11-30T08:30")
    yen = facts(id=1, value=Decimal(5_000_000), currency="JPY", next_follow_up=yesterday,
                last_touch_at=now, stage="prospecting")  # fmt: skip
    dollars = facts(id=2, value=Decimal(40_000), next_follow_up=yesterday, last_touch_at=now,
                    stage="prospecting")  # fmt: skip
    small = facts(id=3, value=Decimal(1_000), next_follow_up=yesterday, last_touch_at=now,
                  stage="proposal")  # fmt: skip
    plan = build_morning_plan("U1", [yen, dollars, small], stages=STAGES, now=now, today=MON)
    assert [item.lead.id for item in plan.in_section(Section.OVERDUE)] == [3, 2, 1]
    # "Close to closing" is probability ≥ team.late_stage_probability, not the last two stages.
    proposal = facts(
        id=4, stage="proposal", last_touch_at=now, next_follow_up=MON + timedelta(days=3)
    )
    connecting = facts(
        id=5, stage="connecting", last_touch_at=now, next_follow_up=MON + timedelta(days=3)
    )
    plan = build_morning_plan(
        "U1", [proposal, connecting], stages=STAGES, now=now, today=MON,
        late_probability=Decimal("0.35"),
    )  # fmt: skip
    assert {item.lead.id for item in plan.in_section(Section.CLOSING)} == {4, 5}


# 16 ───────────────────────────────────────────────────────────────────────────


def test_item16_knock_outs_dont_know_and_the_two_bant_questions():
    strong = {"need": "yes", "fit": "yes", "decider": "yes", "timing": "yes", "worth": "yes"}
    assert verdict(strong) == "strong fit"
    assert knocked_out({**strong, "need": "no"}) and verdict({**strong, "need": "no"}) == WEAK
    # "Don't know" lowers the confidence, not the score.
    unsure = {**strong, "outlook": "unknown", "risks": "unknown"}
    assert score(unsure) == score(strong) == 100 and answered(unsure) == 5
    assert verdict({"need": "yes", "fit": "yes", "worth": "yes"}) == NOT_ENOUGH


def test_item16_when_they_need_it_sets_the_expected_close_date_and_the_plan_shows_the_verdict(
    deps, db, queued, rep
):
    with db() as session:
        lead_id = add_lead(
            session,
            owner=rep,
            created_at=ny("2026-11-02T10:00"),
            last_touch_at=ny("2026-11-27T10:00"),
        )
    answers = {"need": "no", "fit": "yes", "decider": "yes", "timing": "yes"}
    done = flows.change_lead(
        deps, by=Actor(rep, zone=NY), lead_id=lead_id,
        change=flows.Qualify(answers, score(answers), needed_by=date(2027, 3, 31)),
        now=ny("2026-11-27T11:00"),
    )  # fmt: skip
    assert done.lead.expected_close == date(2027, 3, 31) and done.lead.verdict == WEAK
    morning_plan.run(deps, ny("2026-11-30T08:30"))
    [plan] = queued("morning-plan")
    assert "weak fit" in plan.text


# 17 ───────────────────────────────────────────────────────────────────────────


def test_item17_expected_close_date_settable_missed_in_the_plan_and_pushes_counted(
    deps, db, queued, rep
):
    parsed = parse_new_lead("Acme close:2027-03-31 $5k", today=MON, stages=STAGES)
    assert parsed.expected_close == date(2027, 3, 31) and parsed.company == "Acme"
    with db() as session:
        lead_id = add_lead(
            session, owner=rep, stage="closing", created_at=ny("2026-11-02T10:00"),
            last_touch_at=ny("2026-11-29T10:00"), next_follow_up=date(2026, 12, 9),
        )  # fmt: skip
    me = Actor(rep, zone=NY)
    flows.change_lead(
        deps,
        by=me,
        lead_id=lead_id,
        change=flows.SetCloseDate(date(2026, 11, 20)),
        now=ny("2026-11-02T11:00"),
    )
    flows.change_lead(
        deps,
        by=me,
        lead_id=lead_id,
        change=flows.SetCloseDate(date(2026, 11, 27)),
        now=ny("2026-11-10T11:00"),
    )
    assert lead_row(db, lead_id).close_pushes == 1
    morning_plan.run(deps, ny("2026-11-30T08:30"))
    [plan] = queued("morning-plan")
    assert "Missed close date" in plan.text and f"plan_lead_{lead_id}" in [
        b.get("block_id") for b in plan.blocks
    ]


# 18 ───────────────────────────────────────────────────────────────────────────


def test_item18_wording(deps, db, rep):
    with db() as session:
        lead_id = add_lead(session, owner=rep, created_at=ny("2026-11-30T09:00"), inbound=True)
    logged = flows.log_touch(
        deps,
        by=Actor(rep, zone=NY),
        lead_id=lead_id,
        kind="note",
        note="",
        now=ny("2026-11-30T09:05"),
    )
    reply = build_touch_logged_blocks(logged.touch, logged.lead, today=MON)
    assert "1 touch" in reply.blocks[-1]["elements"][0]["text"]
    assert "1 touches" not in str(reply.blocks)
    speed_to_lead.run(deps, ny("2026-11-30T13:00"))
    with db() as session:
        from bot.models import Notification

        [post] = session.scalars(
            select(Notification.payload).where(Notification.kind == "speed-to-lead-breach")
        )
    assert "(today since it came in)" not in post["text"] and "it came in today" in post["text"]
    won = LeadView.of(lead_row(db, lead_id))
    won = won.__class__(**{**won.__dict__, "status": "won"})
    refusal = closed_refusal(won)
    # A closed lead's refusal points at the way back, now that there is one.
    assert refusal is not None and refusal.startswith(f"Lead #{lead_id} is won;")
    assert f"`/lead reopen {lead_id}`" in refusal
    flows.change_lead(
        deps,
        by=Actor(rep, zone=NY),
        lead_id=lead_id,
        change=flows.Close("won"),
        now=ny("2026-11-30T14:00"),
    )
    try:
        flows.log_touch(
            deps,
            by=Actor(rep, zone=NY),
            lead_id=lead_id,
            kind="call",
            note="",
            now=ny("2026-11-30T14:05"),
        )
    except UserFacingError as error:
        assert "is won" in str(error) and "/lead reopen" in str(error)
    else:
        raise AssertionError("a touch on a won lead must be refused")
    assert Rep  # the roster model is what "left" reads
