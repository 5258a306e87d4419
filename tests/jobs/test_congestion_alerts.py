"""congestion-alerts: one post a day of what opened, worsened or cleared, states kept across days."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.models import AlertCondition, Lead
from jobs import congestion_alerts
from tests.fakeslack.blockkit import message_problem
from tests.jobs.factories import add_lead, add_rep, days, utc

# Tuesday 1 December 2026, 09:00 in New York (the team zone of the tests).
TUE_0900 = utc("2026-12-01T14:00:00")
DANA, KENJI = "UREP0DANA", "UREP0KENJ"


def crowd_proposal(session, owner: str, count: int) -> list[int]:
    """`count` leads in proposal (WIP limit 8 by default), in for 40 days."""
    since = TUE_0900 - days(40)
    return [
        add_lead(
            session,
            owner=owner,
            created_at=since,
            stage="proposal",
            company=f"Deal {n} <!channel>",
            last_touch_at=since,
        )  # fmt: skip
        for n in range(count)
    ]


def test_a_wip_breach_is_posted_once_with_its_deals_and_buttons(deps, db, queued) -> None:
    with db() as session:
        for rep in (DANA, KENJI):
            add_rep(session, rep)
        crowd_proposal(session, DANA, 10)
    assert congestion_alerts.run(deps, TUE_0900) == 1
    assert (
        congestion_alerts.run(deps, TUE_0900 + timedelta(minutes=5)) == 0
    )  # a rerun posts nothing
    [post] = queued(congestion_alerts.JOB_ID)
    assert post.recipient == "CMANAGERS" and post.key == "congestion-alerts:2026-12-01"
    assert message_problem(post.payload) is None
    text = json.dumps(post.payload)
    assert f"<@{DANA}> holds *10* leads in Proposal (limit 8)" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    actions = [b for b in post.blocks if b["type"] == "actions"]
    ids = [e["action_id"] for b in actions for e in b["elements"]]
    assert {"managers_open", "managers_nudge", "managers_reassign"} <= set(ids)
    with db() as session:
        states = session.scalars(select(AlertCondition)).all()
    assert any(state.kind == "wip" and state.scope == f"{DANA}:proposal" for state in states)


def test_an_unchanged_condition_waits_a_week_and_a_cleared_one_is_said_once(
    deps, db, queued
) -> None:
    with db() as session:
        for rep in (DANA, KENJI):
            add_rep(session, rep)
        deals = crowd_proposal(session, DANA, 10)
    congestion_alerts.run(deps, TUE_0900)
    congestion_alerts.run(deps, TUE_0900 + days(1))  # same ten: nothing new to say
    assert len(queued(congestion_alerts.JOB_ID)) == 1
    with db() as session:
        for lead_id in deals[:4]:  # four won: back under the limit
            session.get(Lead, lead_id).status = "won"
    congestion_alerts.run(deps, TUE_0900 + days(2))
    posts = queued(congestion_alerts.JOB_ID)
    assert len(posts) == 2
    assert "Cleared: over a wip limit" in posts[-1].text
    congestion_alerts.run(deps, TUE_0900 + days(3))
    assert len(queued(congestion_alerts.JOB_ID)) == 2  # nothing changed since


def test_no_post_without_a_managers_channel(make_deps, db, queued) -> None:
    deps = make_deps(PIPEBOT_MANAGERS_CHANNEL="")
    with deps.session_factory.begin() as session:
        add_rep(session, DANA)
        crowd_proposal(session, DANA, 10)
    assert congestion_alerts.run(deps, TUE_0900) == 0
    assert queued() == []
