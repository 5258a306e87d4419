"""morning-plan: each rep at their own 08:30, late until noon, once per local date, capped at 50 blocks."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest

from bot.slack.ids import Action
from jobs import morning_plan
from tests.jobs.factories import add_lead, add_rep, days, utc

MON_0830_NY = utc("2026-11-30T13:30:00")
KEY_NY = "morning-plan:UNY000001:2026-11-30"


@pytest.fixture
def three_zones(db):
    with db() as session:
        for rep_id, tz in (
            ("UNY000001", "America/New_York"),
            ("UBER00001", "Europe/Berlin"),
            ("UTYO00001", "Asia/Tokyo"),
        ):
            add_rep(session, rep_id, tz=tz)
            add_lead(
                session,
                owner=rep_id,
                created_at=MON_0830_NY - days(40),
                next_follow_up=date(2026, 11, 27),
            )


@pytest.fixture
def recipients(queued):
    """Who has a morning plan queued, in order."""
    return lambda: [sent.recipient for sent in queued(morning_plan.JOB_ID)]


def test_each_rep_gets_the_plan_at_their_own_0830(deps, queued, three_zones, recipients):
    assert morning_plan.run(deps, utc("2026-11-29T23:29:00")) == 0  # Mon 08:29 Tokyo
    assert morning_plan.run(deps, utc("2026-11-29T23:30:00")) == 1
    assert recipients() == ["UTYO00001"]
    assert morning_plan.run(deps, utc("2026-11-30T07:30:00")) == 1  # 08:30 Berlin
    assert morning_plan.run(deps, MON_0830_NY) == 1
    assert recipients() == ["UTYO00001", "UBER00001", "UNY000001"]
    keys = [sent.key for sent in queued()]
    assert keys == [
        "morning-plan:UTYO00001:2026-11-30",
        "morning-plan:UBER00001:2026-11-30",
        KEY_NY,
    ]


def test_a_late_start_still_sends_until_noon_but_not_after(deps, three_zones, recipients):
    assert morning_plan.run(deps, utc("2026-11-30T17:05:00")) == 0  # 12:05 New York
    # 11:00 New York sends; it is 17:00 in Berlin and 01:00 Tuesday in Tokyo, outside their windows.
    assert morning_plan.run(deps, utc("2026-11-30T16:00:00")) == 1
    assert recipients() == ["UNY000001"]


def test_running_twice_sends_once(deps, three_zones, recipients):
    assert morning_plan.run(deps, MON_0830_NY) == 1
    assert morning_plan.run(deps, MON_0830_NY) == 0
    assert morning_plan.run(deps, MON_0830_NY + timedelta(hours=2)) == 0
    assert recipients() == ["UNY000001"]


def test_nothing_on_the_weekend_or_for_inactive_reps(deps, db, recipients):
    with db() as session:
        add_rep(session, "UNY000001")
        add_rep(session, "UGONE0001", active=False)
        for owner in ("UNY000001", "UGONE0001"):
            add_lead(session, owner=owner, created_at=MON_0830_NY - days(3))
    assert morning_plan.run(deps, utc("2026-11-28T13:30:00")) == 0  # Saturday
    assert morning_plan.run(deps, MON_0830_NY) == 1
    assert recipients() == ["UNY000001"]


def test_a_reps_own_plan_time_and_working_days(deps, db):
    with db() as session:
        add_rep(session, "UNY000001", plan_time="07:15", working_days="sat,sun")
        add_lead(session, owner="UNY000001", created_at=MON_0830_NY - days(3))
    assert morning_plan.run(deps, utc("2026-11-30T12:15:00")) == 0  # Monday is not their day
    assert morning_plan.run(deps, utc("2026-11-28T12:14:00")) == 0  # Sat 07:14
    assert morning_plan.run(deps, utc("2026-11-28T12:15:00")) == 1


def test_fall_back_repeats_the_plan_time_but_the_plan_goes_once(deps, db, recipients):
    with db() as session:
        add_rep(session, "UNY000001", plan_time="01:30", working_days="sun")
        add_lead(session, owner="UNY000001", created_at=utc("2026-10-01T00:00:00"))
    assert morning_plan.run(deps, utc("2026-11-01T05:30:00")) == 1  # 01:30 EDT
    assert morning_plan.run(deps, utc("2026-11-01T06:30:00")) == 0  # 01:30 EST
    assert recipients() == ["UNY000001"]


def test_spring_forward_skips_the_plan_time_but_the_plan_still_goes(deps, db):
    with db() as session:
        add_rep(session, "UNY000001", plan_time="02:30", working_days="sun")
        add_lead(session, owner="UNY000001", created_at=utc("2026-02-01T00:00:00"))
    assert morning_plan.run(deps, utc("2026-03-08T07:29:00")) == 0
    assert (
        morning_plan.run(deps, utc("2026-03-08T07:30:00")) == 1
    )  # 03:30 EDT, the first moment after
    assert morning_plan.run(deps, utc("2026-03-08T08:30:00")) == 0


def test_no_open_leads_a_monday_dm_to_fill_them_and_a_clear_day_gets_the_snapshot(deps, db, queued):
    with db() as session:
        add_rep(session, "UEMPTY001")
        add_lead(session, owner="UEMPTY001", created_at=MON_0830_NY - days(9), status="won")
        add_rep(session, "UCLEAR001")
        add_lead(
            session,
            owner="UCLEAR001",
            created_at=MON_0830_NY - days(9),
            last_touch_at=MON_0830_NY - days(1),
            next_follow_up=date(2026, 12, 3),
            stage="qualification",
        )
    # Monday: the rep with no open lead is told to fill their pipeline, not sent a plan.
    assert morning_plan.run(deps, MON_0830_NY) == 2
    sent, empty = sorted(queued(), key=lambda item: item.recipient)
    assert empty.recipient == "UEMPTY001" and empty.block_ids() == ["empty_pipeline"]
    assert "Your pipeline is empty" in empty.text
    assert sent.recipient == "UCLEAR001"
    assert "Clear day" in sent.text
    assert "Your pipeline* · 1 open · $1k" in sent.text
    assert sent.block_ids()[-1] == "snapshot"
    assert not any(block_id.startswith("plan_lead_") for block_id in sent.block_ids())
    # On other days a rep with no open lead gets nothing at all.
    assert morning_plan.run(deps, MON_0830_NY + days(1)) == 1
    assert [item.recipient for item in queued()][2:] == ["UCLEAR001"]


def test_a_big_plan_is_capped_at_50_blocks_with_and_n_more(deps, db, queued, rep):
    with db() as session:
        for index in range(40):
            add_lead(
                session,
                owner=rep,
                company=f"Company {index:02d}",
                created_at=MON_0830_NY - days(30),
                next_follow_up=date(2026, 11, 20) + timedelta(days=index % 5),
            )
    assert morning_plan.run(deps, MON_0830_NY) == 1
    [sent] = queued()
    assert len(sent.blocks) == 50
    shown = [block_id for block_id in sent.block_ids() if block_id.startswith("plan_lead_")]
    more = next(block for block in sent.blocks if block.get("block_id") == "more")
    assert (
        more["elements"][0]["text"]
        == f"…and {40 - len(shown)} more — open the App Home to see them all"
    )
    assert (
        len(shown) == 22
    )  # header, intro, section title, 22 × (lead, buttons), more, divider, snapshot
    assert "*40* overdue" in sent.text
    assert sent.block_ids()[-1] == "snapshot"


def test_every_item_has_its_buttons(deps, db, queued, rep):
    with db() as session:
        lead_id = add_lead(session, owner=rep, created_at=MON_0830_NY - days(3), stage="proposal")
    morning_plan.run(deps, MON_0830_NY)
    [sent] = queued()
    actions = next(
        block for block in sent.blocks if block.get("block_id") == f"plan_actions_{lead_id}"
    )
    by_id = {element["action_id"]: element for element in actions["elements"]}
    assert by_id[Action.LOG_TOUCH]["value"] == str(lead_id)
    assert by_id[Action.OPEN_LEAD]["value"] == str(lead_id)
    assert [option["value"] for option in by_id[Action.SNOOZE]["options"]] == [
        f"{lead_id}:1d",
        f"{lead_id}:3d",
        f"{lead_id}:1w",
    ]
    moves = [option["value"] for option in by_id[Action.MOVE_STAGE]["options"]]
    assert f"{lead_id}:closing" in moves and f"{lead_id}:proposal" not in moves
    # Won asks in a confirm dialog and Lost opens the form that asks why: a DM never closes a lead
    # on one stray click.
    assert by_id[Action.WON]["confirm"]["confirm"]["text"] == "Mark won"
    assert by_id[Action.LOST]["value"] == str(lead_id) and "confirm" not in by_id[Action.LOST]
    assert by_id[Action.LOG_TOUCH]["accessibility_label"].startswith(f"Log touch on #{lead_id} ")


def _three_reps(db) -> None:
    """Three reps with a lead each; the middle one's DM is the one a test breaks."""
    with db() as session:
        for rep_id in ("UAAA00001", "UBAD00001", "UCCC00001"):
            add_rep(session, rep_id)
            add_lead(session, owner=rep_id, company="Secret Co", created_at=MON_0830_NY - days(3))


def test_one_reps_failure_never_stops_the_batch(deps, db, monkeypatch, caplog, recipients):
    _three_reps(db)
    real = morning_plan.build_morning_plan_blocks

    def flaky(plan, **kwargs):
        if plan.rep_id == "UBAD00001":
            raise RuntimeError("Secret Co broke")
        return real(plan, **kwargs)

    monkeypatch.setattr(morning_plan, "build_morning_plan_blocks", flaky)
    with caplog.at_level(logging.INFO, logger="pipebot.jobs"):
        assert morning_plan.run(deps, MON_0830_NY) == 2
    assert recipients() == ["UAAA00001", "UCCC00001"]
    assert "UBAD00001" in caplog.text and "RuntimeError" in caplog.text
    assert "Secret Co" not in caplog.text


def test_a_message_that_cannot_be_stored_costs_only_its_own_rep(deps, db, monkeypatch, recipients):
    _three_reps(db)
    real = morning_plan.build_morning_plan_blocks

    def unstorable(plan, **kwargs):
        message = real(plan, **kwargs)
        if plan.rep_id == "UBAD00001":
            message.blocks.append({"type": "context", "at": MON_0830_NY})  # not JSON
        return message

    monkeypatch.setattr(morning_plan, "build_morning_plan_blocks", unstorable)
    assert morning_plan.run(deps, MON_0830_NY) == 2
    assert recipients() == ["UAAA00001", "UCCC00001"]
