"""Creating leads from `/lead`: likely duplicates, "Create anyway" clicked twice, leads for other reps, Open."""

import json
from concurrent.futures import ThreadPoolExecutor

from bot.slack.ids import Action
from tests.e2e.leadkit import (
    buttons,
    click,
    count_leads,
    deliver_outbox,
    lead,
    notifications,
    reply,
    seed,
    shown,
)
from tests.e2e.live import MANAGER, OTHER_REP, REP, Live
from tests.slackkit import block_actions_payload


def test_a_likely_duplicate_asks_first_and_creates_nothing(live: Live) -> None:
    seed(live, "Acme Corp", owner=OTHER_REP)
    live.command("/lead", "ACME corp. $5k next:2026-12-04")
    message = reply(live)
    assert count_leads(live) == 1
    assert "looks like a lead that is already open" in message["text"]
    assert f"<@{OTHER_REP}>" in shown(message)
    [create] = buttons(message, Action.CREATE_ANYWAY)
    assert len(create["value"]) <= 2000 and json.loads(create["value"])["c"] == "ACME corp."
    # The duplicate is another rep's: a rep gets no Open button on a lead they cannot see.
    assert buttons(message, Action.OPEN_LEAD) == []


def test_create_anyway_creates_once_however_often_it_is_clicked(live: Live) -> None:
    seed(live, "Acme Corp")
    live.command("/lead", 'Acme Corp $5k contact:"Ann Lee" next:2026-12-04')
    message = reply(live)
    [create] = buttons(message, Action.CREATE_ANYWAY)
    assert buttons(message, Action.OPEN_LEAD)[0]["value"] == "1"
    first = click(live, create)
    second = click(live, create)
    assert count_leads(live) == 2
    created = lead(live, 2)
    assert (created.company, created.contact, str(created.value), created.created_by) == (
        "Acme Corp", "Ann Lee", "5000.00", REP,
    )  # fmt: skip
    assert created.next_follow_up.isoformat() == "2026-12-04"
    [done] = live.slack.responses(first)
    [again] = live.slack.responses(second)
    assert (
        done.args["replace_original"] is True and "Created lead #2 Acme Corp" in done.args["text"]
    )
    assert again.args["replace_original"] is True and "Already created: #2" in again.args["text"]


def test_create_anyway_clicked_twice_at_once_creates_one_lead(live: Live) -> None:
    seed(live, "Acme Corp")
    live.command("/lead", "add Acme Corp")
    [create] = buttons(reply(live), Action.CREATE_ANYWAY)
    payloads = [
        block_actions_payload(
            user_id=REP,
            action_id=Action.CREATE_ANYWAY,
            value=create["value"],
            response_url=live.slack.new_response_url(channel_id="C0001", user_id=REP),
        )
        for _ in range(2)
    ]
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(live.sender.interact, payloads))
    live.settle()
    assert [r.status for r in replies] == [200, 200] and count_leads(live) == 2
    texts = sorted(call.args["text"] for call in live.slack.responses()[-2:])
    assert texts[0].startswith("Already created: #2") and texts[1].startswith("Created lead #2")


def test_create_anyway_after_another_duplicate_check_still_creates(live: Live) -> None:
    seed(live, "Acme Corp")
    live.command("/lead", "add Acme Corp")
    [first] = buttons(reply(live), Action.CREATE_ANYWAY)
    click(live, first)
    live.command("/lead", "Acme Corp $5k")
    [second] = buttons(reply(live), Action.CREATE_ANYWAY)
    assert "2 leads that are already open" in reply(live)["text"]
    click(live, second)
    assert count_leads(live) == 3


def test_a_lead_for_another_rep_sends_them_the_assignment_dm(live: Live) -> None:
    live.command(
        "/lead", "Acme Corp $12,500 <@UREP00002|kenji> stage:qualification", user_id=MANAGER
    )
    assert lead(live, 1).owner_id == OTHER_REP
    assert "Created lead #1 Acme Corp for" in reply(live)["text"]
    [note] = notifications(live)
    assert note.idempotency_key == f"assigned:1:{OTHER_REP}:created"
    assert note.payload["text"] == "max assigned you *Acme Corp* — $12,500, Qualification"
    deliver_outbox(live)
    [dm] = live.slack.dms_to(OTHER_REP)
    assert buttons(dm, Action.LOG_TOUCH) and buttons(dm, Action.OPEN_LEAD)
    live.command("/lead", "Globex $1k")
    assert len(notifications(live)) == 1


def test_create_anyway_for_another_rep_also_sends_the_dm(live: Live) -> None:
    seed(live, "Acme Corp")
    live.command("/lead", "add Acme Corp <@UREP00002>")
    [create] = buttons(reply(live), Action.CREATE_ANYWAY)
    click(live, create)
    click(live, create)
    assert [n.recipient for n in notifications(live)] == [OTHER_REP]


def test_add_creates_a_company_named_like_a_subcommand(live: Live) -> None:
    live.command("/lead", "add List Industries $5k")
    assert lead(live, 1).company == "List Industries"


def test_open_shows_the_lead_where_the_button_was(live: Live) -> None:
    seed(live, "Acme Corp", owner=OTHER_REP)
    open_button = {"action_id": Action.OPEN_LEAD, "value": "1"}
    url = click(live, open_button, user_id=OTHER_REP)
    [answer] = live.slack.responses(url)
    assert answer.args["replace_original"] is False and "Last touches" in shown(answer.args)
    # From the App Home (a view, no response_url): a DM with the card.
    click(live, open_button, user_id=OTHER_REP, container="view", view={"id": "VHOME"})
    [dm] = live.slack.dms_to(OTHER_REP)
    assert "#1 Acme Corp" in dm["text"]
    # From a DM message that came without a response_url: a reply in that message's thread.
    payload = block_actions_payload(
        user_id=OTHER_REP,
        action_id=Action.OPEN_LEAD,
        value="1",
        channel_id=live.slack.dm_channel(OTHER_REP),
        message_ts=dm["ts"],
    )
    del payload["response_url"]
    live.interact(payload)
    thread = live.slack.last("chat.postMessage").args
    assert thread["thread_ts"] == dm["ts"] and "#1 Acme Corp" in thread["text"]


def test_open_refuses_a_lead_the_rep_may_not_see(live: Live) -> None:
    seed(live, "Acme Corp", owner=OTHER_REP)
    url = click(live, {"action_id": Action.OPEN_LEAD, "value": "1"})
    [answer] = live.slack.responses(url)
    assert "only they or a manager can open it" in answer.args["text"]
    assert "Acme" not in answer.args["text"]
