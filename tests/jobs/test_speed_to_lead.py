"""speed-to-lead: the owner hears at half the window, managers when it passes; a touch stops both."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from bot.models import Rep
from jobs import speed_to_lead
from tests.jobs.factories import add_lead, add_rep, touch, utc

MON_0900 = utc("2026-11-30T14:00:00")  # Mon 09:00 New York
HOUR = timedelta(hours=1)


def messages(queued):
    return [(sent.kind, sent.recipient, sent.key) for sent in queued()]


def test_half_window_dm_then_one_managers_post(deps, db, queued, rep):
    with db() as session:
        lead_id = add_lead(
            session, owner=rep, company="Inbound Co", created_at=MON_0900, inbound=True
        )
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
        early = add_lead(session, owner=rep, created_at=MON_0900, inbound=True)
        late = add_lead(session, owner=rep, created_at=MON_0900, inbound=True)
        touch(session, early, at=MON_0900 + HOUR)
    assert speed_to_lead.run(deps, MON_0900 + HOUR * 2) == 1  # only the untouched one
    with db() as session:
        touch(session, late, at=MON_0900 + HOUR * 3)
    assert speed_to_lead.run(deps, MON_0900 + HOUR * 5) == 0
    assert messages(queued) == [
        ("speed-to-lead", "UNY000001", f"speed-to-lead:owner:{late}:UNY000001")
    ]


def test_a_half_window_crossed_while_the_bot_was_down_waits_for_working_hours(deps, db, rep):
    fri_1600 = utc("2026-11-27T21:00:00")
    with db() as session:
        add_lead(session, owner=rep, created_at=fri_1600, inbound=True)
    # Friday 18:00 reaches 2h exactly, but the working day is over: the DM waits for Monday.
    assert speed_to_lead.run(deps, utc("2026-11-27T23:00:00")) == 0
    assert speed_to_lead.run(deps, utc("2026-11-28T15:00:00")) == 0
    assert speed_to_lead.run(deps, utc("2026-11-30T14:00:00")) == 1


def test_no_managers_channel_logs_and_skips_the_post(make_deps, db, queued, rep, caplog):
    deps = make_deps(PIPEBOT_MANAGERS_CHANNEL="")
    with db() as session:
        add_lead(session, owner=rep, created_at=MON_0900, inbound=True)
    with caplog.at_level(logging.INFO, logger="pipebot.jobs"):
        assert speed_to_lead.run(deps, MON_0900 + HOUR * 5) == 1  # the owner's DM only
    assert "no managers channel" in caplog.text
    assert [kind for kind, _r, _k in messages(queued)] == ["speed-to-lead"]


def test_closed_and_old_leads_are_not_new(deps, db, rep):
    with db() as session:
        add_lead(session, owner=rep, created_at=MON_0900, status="lost", inbound=True)
        add_lead(session, owner=rep, created_at=MON_0900 - timedelta(days=60), inbound=True)
    assert speed_to_lead.run(deps, MON_0900 + HOUR * 5) == 0


def test_a_touch_withdraws_an_alert_still_waiting_to_be_sent(deps, db, rep):
    from sqlalchemy import select

    from bot.domain.access import Actor
    from bot.models import Notification
    from bot.services.touches import log_touch

    with db() as session:
        lead_id = add_lead(
            session, owner=rep, company="Inbound Co", created_at=MON_0900, inbound=True
        )
    assert speed_to_lead.run(deps, MON_0900 + HOUR * 2) == 1
    with deps.session_factory.begin() as session:
        log_touch(session, lead_id=lead_id, author=Actor(rep), kind="call", note="",
                  now=MON_0900 + HOUR * 2)  # fmt: skip
    with deps.session_factory() as session:
        assert session.scalars(select(Notification.status)).all() == ["cancelled"]
    assert speed_to_lead.run(deps, MON_0900 + HOUR * 5) == 0


def test_an_away_owner_is_covered_by_their_delegate_and_a_muted_one_hears_nothing(
    deps, db, queued, rep
):
    with db() as session:
        add_rep(session, "UCOVER001")
        owner = session.get(Rep, rep)
        owner.away_until, owner.away_delegate = date(2026, 12, 7), "UCOVER001"
        lead_id = add_lead(session, owner=rep, company="Away Co", created_at=MON_0900, inbound=True)
    assert speed_to_lead.run(deps, MON_0900 + HOUR * 2) == 1
    [dm] = queued()
    assert dm.recipient == "UCOVER001" and f"#{lead_id} Away Co" in dm.text
    with db() as session:
        owner = session.get(Rep, rep)
        owner.away_until, owner.away_delegate, owner.muted = None, None, "speed-to-lead"
        add_lead(session, owner=rep, company="Muted Co", created_at=MON_0900, inbound=True)
    speed_to_lead.run(deps, MON_0900 + HOUR * 2.5)
    assert [sent.recipient for sent in queued()] == ["UCOVER001"]
