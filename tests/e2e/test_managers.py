"""The managers' channel, end to end: the daily post and its buttons, through signed requests."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

from slack_sdk import WebClient
from sqlalchemy import select

from bot.models import Lead, Notification
from bot.slack.ids import Action
from bot.slack.sender import deliver
from jobs import congestion_alerts, speed_to_lead
from tests import support
from tests.e2e.leadkit import deliver_outbox
from tests.e2e.live import MANAGER, OTHER_REP, REP, Live
from tests.e2e.test_actions import click
from tests.seeding import seed_leads

CHANNEL = "CMANAGERS"


def post_congestion(live: Live) -> dict:
    """Ten proposal deals for the rep (the limit is 8), then the 09:00 post, delivered."""
    weeks_ago = live.deps.clock.now() - timedelta(
        days=60
    )  # not ramping: they have had leads a while
    seed_leads(live.deps, [f"Deal {n}" for n in range(10)], owner=REP, stage="proposal",
               value="1000", now=weeks_ago)  # fmt: skip
    seed_leads(live.deps, ["Kenji Co"], owner=OTHER_REP, value="500", now=weeks_ago)
    assert congestion_alerts.run(live.deps, live.deps.clock.now()) == 1
    deliver_outbox(live)
    [post] = [m for m in live.slack.channel_messages(CHANNEL) if "Pipeline check" in m["text"]]
    return post


def deliver_moving(live: Live) -> None:
    """Deliver the outbox with the test clock moving as the sender waits (a DM and a post are paced)."""
    client = WebClient(token=support.BOT_TOKEN, base_url=live.slack.base_url)
    deps = dataclasses.replace(live.deps, slack=client)
    deliver(
        deps,
        owner="e2e-test",
        sleep=lambda seconds: live.deps.clock.advance(timedelta(seconds=seconds)),
    )


def control(post: dict, action_id: str) -> tuple[str, dict]:
    for block in post["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return block["block_id"], element
    raise AssertionError(f"no {action_id} in the post")


def test_open_shows_the_deals_behind_an_item_to_the_manager_only(live: Live) -> None:
    post = post_congestion(live)
    block_id, button = control(post, Action.MANAGERS_OPEN)
    click(live, CHANNEL, post, action_id=Action.MANAGERS_OPEN, value=button["value"],
          block_id=block_id, user_id=MANAGER)  # fmt: skip
    shown = live.slack.responses()[-1].args
    assert shown["response_type"] == "ephemeral" and "Deal 0" in json.dumps(shown["blocks"])
    click(live, CHANNEL, post, action_id=Action.MANAGERS_OPEN, value=button["value"],
          block_id=block_id, user_id=REP)  # fmt: skip
    refused = live.slack.responses()[-1].args["text"]
    assert refused == "Only managers can open the leads behind an alert."


def test_nudge_owner_dms_the_rep_once_a_day_and_says_so_in_the_post(live: Live) -> None:
    post = post_congestion(live)
    block_id, button = control(post, Action.MANAGERS_NUDGE)
    for _ in range(2):
        click(live, CHANNEL, post, action_id=Action.MANAGERS_NUDGE, value=button["value"],
              block_id=block_id, user_id=MANAGER)  # fmt: skip
    deliver_outbox(live)
    nudges = [m for m in live.slack.dms_to(REP) if "asks you to look at" in m["text"]]
    assert len(nudges) == 1 and f"<@{MANAGER}> asks you to look at 10 leads" in nudges[0]["text"]
    updated = live.slack.message(CHANNEL, post["ts"])
    assert f"Nudged <@{REP}> by <@{MANAGER}>" in json.dumps(updated["blocks"])


def test_reassign_hands_the_oldest_over_the_limit_to_the_chosen_rep(live: Live) -> None:
    post = post_congestion(live)
    block_id, select_menu = control(post, Action.MANAGERS_REASSIGN)
    options = [o for group in select_menu["option_groups"] for o in group["options"]]
    to_kenji = next(o["value"] for o in options if o["value"].endswith(f"|{OTHER_REP}"))
    payload_value = to_kenji
    click(live, CHANNEL, post, action_id=Action.MANAGERS_REASSIGN, value=payload_value,
          block_id=block_id, user_id=MANAGER, action_type="static_select")  # fmt: skip
    with live.deps.session_factory() as session:
        owners = [owner for (owner,) in session.execute(
            select(Lead.owner_id).where(Lead.company.like("Deal %")).order_by(Lead.id))]  # fmt: skip
        told = session.scalars(
            select(Notification.recipient).where(Notification.kind == "assigned")
        ).all()
    assert owners.count(OTHER_REP) == 2 and owners[:2] == [OTHER_REP, OTHER_REP]
    assert told == [OTHER_REP, OTHER_REP]
    updated = live.slack.message(CHANNEL, post["ts"])
    assert f"Reassigned 2 leads to <@{OTHER_REP}> (2) by <@{MANAGER}>" in json.dumps(updated)


def test_a_rep_cannot_reassign(live: Live) -> None:
    post = post_congestion(live)
    block_id, select_menu = control(post, Action.MANAGERS_REASSIGN)
    value = select_menu["option_groups"][-1]["options"][0]["value"]
    click(live, CHANNEL, post, action_id=Action.MANAGERS_REASSIGN, value=value,
          block_id=block_id, user_id=REP, action_type="static_select")  # fmt: skip
    assert live.slack.responses()[-1].args["text"] == "Only managers can reassign leads."
    with live.deps.session_factory() as session:
        assert set(session.scalars(select(Lead.owner_id).where(Lead.company.like("Deal %")))) == {
            REP
        }


def test_reassigning_a_missed_lead_restarts_the_window_for_the_new_owner(live: Live) -> None:
    [lead_id] = seed_leads(live.deps, ["Inbound Co"], owner=REP, source="website")
    seed_leads(live.deps, ["Kenji Co"], owner=OTHER_REP)
    later = live.deps.clock.now() + timedelta(hours=5)  # 14:00 in New York: the 4 h window passed
    live.deps.clock.set(later)
    speed_to_lead.run(live.deps, later)
    deliver_moving(live)
    [breach] = [m for m in live.slack.channel_messages(CHANNEL) if "Inbound Co" in m["text"]]
    block_id, select_menu = control(breach, Action.MANAGERS_REASSIGN)
    options = [o for group in select_menu["option_groups"] for o in group["options"]]
    to_kenji = next(o["value"] for o in options if o["value"].endswith(f"|{OTHER_REP}"))
    click(live, CHANNEL, breach, action_id=Action.MANAGERS_REASSIGN, value=to_kenji,
          block_id=block_id, user_id=MANAGER, action_type="static_select")  # fmt: skip
    with live.deps.session_factory() as session:
        assert session.get(Lead, lead_id).owner_id == OTHER_REP
    # Kenji's window runs from the handover: nothing until half of it has passed on his clock.
    assert speed_to_lead.run(live.deps, later + timedelta(minutes=30)) == 0
    keys = set()
    for hours in (2, 24, 48, 72):
        speed_to_lead.run(live.deps, later + timedelta(hours=hours))
        with live.deps.session_factory() as session:
            keys = set(session.scalars(select(Notification.idempotency_key)))
    assert f"speed-to-lead:owner:{lead_id}:{OTHER_REP}" in keys
