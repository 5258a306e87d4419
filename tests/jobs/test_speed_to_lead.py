"""speed-to-lead: the owner hears at half the window, managers when it passes; a touch stops both."""

from __future__ import annotations

import logging
from datetime import timedelta

from jobs import speed_to_lead
from tests.jobs.factories import add_lead, add_rep, touch, utc

MON_0900 = utc("2026-11-30T14:00:00")  # Mon 09:00 New York
HOUR = timedelta(hours=1)


def messages(queued):
    return [(sent.kind, sent.recipient, sent.key) for sent in queued()]


def test_half_window_dm_then_one_managers_post(deps, db, queued, rep):
    with db() as session:
        lead_id = add_lead(session, owner=rep, company="Inbound Co", created_at=MON_0900)
    assert speed_to_lead.run(deps, MON_0900 + HOUR * 1.75) == 0
    assert speed_to_lead.run(deps, MON_0900 + HOUR * 2) == 1
    assert messages(queued) == [
        ("speed-to-lead", "UNY000001", f"speed-to-lead:owner:{lead_id}:UNY000001")
    ]
    assert speed_to_lead.run(deps, MON_0900 + HOUR * 3) == 0
    assert speed_to_lead.run(deps, MON_0900 + HOUR * 4) == 1
    assert speed_to_lead.run(deps, MON_0900 + HOUR * 5) == 0
    assert messages(queued)[1] == (
        "speed-to-lead-breach",
        "CMANAGERS",
        f"speed-to-lead:managers:{lead_id}:UNY000001",
    )
    owner_dm, post = queued()
    assert "2h of working time so far, 2h left of the 4h" in owner_dm.text
    assert f"#{lead_id} Inbound Co" in post.text
    assert "<@UNY000001>" in post.text and "waited 4h of working time" in post.text


def test_a_touch_stops_both(deps, db, queued, rep):
    with db() as session:
        early = add_lead(session, owner=rep, created_at=MON_0900)
        late = add_lead(session, owner=rep, created_at=MON_0900)
        touch(session, early, at=MON_0900 + HOUR)
    assert speed_to_lead.run(deps, MON_0900 + HOUR * 2) == 1  # only the untouched one
    with db() as session:
        touch(session, late, at=MON_0900 + HOUR * 3)
    assert speed_to_lead.run(deps, MON_0900 + HOUR * 5) == 0
    assert messages(queued) == [
        ("speed-to-lead", "UNY000001", f"speed-to-lead:owner:{late}:UNY000001")
    ]


def test_the_clock_runs_on_the_owners_working_hours_over_a_weekend(deps, db, queued):
    fri_1700 = utc("2026-11-27T22:00:00")
    with db() as session:
        add_rep(session, "UBER00001", tz="Europe/Berlin")
        add_rep(session, "UNY000001")
        add_lead(session, owner="UNY000001", created_at=fri_1700)
        berlin = add_lead(
            session, owner="UBER00001", created_at=utc("2026-11-28T10:00:00")
        )  # Saturday
    assert speed_to_lead.run(deps, utc("2026-11-28T18:00:00")) == 0  # Saturday: 1h in New York
    assert (
        speed_to_lead.run(deps, utc("2026-11-30T08:00:00")) == 0
    )  # Mon 09:00 Berlin, 03:00 New York
    assert (
        speed_to_lead.run(deps, utc("2026-11-30T10:00:00")) == 1
    )  # Berlin lead: 2h since Monday 09:00
    assert messages(queued) == [
        ("speed-to-lead", "UBER00001", f"speed-to-lead:owner:{berlin}:UBER00001")
    ]
    # 15:00 UTC: New York has 1h Friday + 1h Monday (DM); Berlin has 7h (breach).
    assert speed_to_lead.run(deps, utc("2026-11-30T15:00:00")) == 2
    assert speed_to_lead.run(deps, utc("2026-11-30T16:45:00")) == 0  # New York at 3h45m
    assert speed_to_lead.run(deps, utc("2026-11-30T17:00:00")) == 1  # New York at 4h
    assert [(kind, recipient) for kind, recipient, _key in messages(queued)] == [
        ("speed-to-lead", "UBER00001"),
        ("speed-to-lead", "UNY000001"),
        ("speed-to-lead-breach", "CMANAGERS"),
        ("speed-to-lead-breach", "CMANAGERS"),
    ]


def test_a_half_window_crossed_while_the_bot_was_down_waits_for_working_hours(deps, db, rep):
    fri_1600 = utc("2026-11-27T21:00:00")
    with db() as session:
        add_lead(session, owner=rep, created_at=fri_1600)
    # Friday 18:00 reaches 2h exactly, but the working day is over: the DM waits for Monday.
    assert speed_to_lead.run(deps, utc("2026-11-27T23:00:00")) == 0
    assert speed_to_lead.run(deps, utc("2026-11-28T15:00:00")) == 0
    assert speed_to_lead.run(deps, utc("2026-11-30T14:00:00")) == 1


def test_no_managers_channel_logs_and_skips_the_post(make_deps, db, queued, rep, caplog):
    deps = make_deps(PIPEBOT_MANAGERS_CHANNEL="")
    with db() as session:
        add_lead(session, owner=rep, created_at=MON_0900)
    with caplog.at_level(logging.INFO, logger="pipebot.jobs"):
        assert speed_to_lead.run(deps, MON_0900 + HOUR * 5) == 1  # the owner's DM only
    assert "no managers channel" in caplog.text
    assert [kind for kind, _r, _k in messages(queued)] == ["speed-to-lead"]


def test_closed_and_old_leads_are_not_new(deps, db, rep):
    with db() as session:
        add_lead(session, owner=rep, created_at=MON_0900, status="lost")
        add_lead(session, owner=rep, created_at=MON_0900 - timedelta(days=60))
    assert speed_to_lead.run(deps, MON_0900 + HOUR * 5) == 0


def test_a_touch_withdraws_an_alert_still_waiting_to_be_sent(deps, db, rep):
    from sqlalchemy import select

    from bot.domain.access import Actor
    from bot.models import Notification
    from bot.services.touches import log_touch

    with db() as session:
        lead_id = add_lead(session, owner=rep, company="Inbound Co", created_at=MON_0900)
    assert speed_to_lead.run(deps, MON_0900 + HOUR * 2) == 1
    with deps.session_factory.begin() as session:
        log_touch(session, lead_id=lead_id, author=Actor(rep), kind="call", note="",
                  now=MON_0900 + HOUR * 2)  # fmt: skip
    with deps.session_factory() as session:
        assert session.scalars(select(Notification.status)).all() == ["cancelled"]
    assert speed_to_lead.run(deps, MON_0900 + HOUR * 5) == 0
