"""The modals end to end: signed requests open them, the fake checks the views, submissions change the database."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.models import Lead, LeadEvent, Notification, Touchpoint
from bot.slack.ids import Action, Shortcut, View
from tests.e2e.leadkit import lead
from tests.e2e.live import MANAGER, OTHER_REP, REP, Live
from tests.e2e.modalkit import (
    count,
    inputs,
    last_opened,
    metadata,
    opened_ok,
    submit,
    suggestion_payload,
)
from tests.seeding import seed_lead
from tests.slackkit import block_actions_payload, global_shortcut_payload


def make_lead(live: Live, company: str, owner: str = REP, **fields) -> int:
    return seed_lead(live.deps, company, owner=owner, **fields)


def open_new_lead(live: Live, user_id: str = REP) -> dict:
    trigger = live.slack.issue_trigger_id()
    reply = live.interact(
        global_shortcut_payload(user_id=user_id, callback_id=Shortcut.NEW_LEAD, trigger_id=trigger)
    )
    assert reply.status == 200
    opened_ok(live)
    return last_opened(live)


def click(live: Live, action_id: str, value: str, user_id: str = REP, channel_id: str = "C0001"):
    payload = block_actions_payload(
        user_id=user_id,
        action_id=action_id,
        value=value,
        channel_id=channel_id,
        trigger_id=live.slack.issue_trigger_id(),
        response_url=live.slack.new_response_url(channel_id=channel_id, user_id=user_id),
    )
    return live.interact(payload)


def the_lead(live: Live, lead_id: int = 1) -> Lead:
    return lead(live, lead_id)


# New lead ----------------------------------------------------------------------------------


def test_new_lead_modal_opens_with_every_field_owned_by_the_caller(live: Live) -> None:
    view = open_new_lead(live)
    assert view["callback_id"] == View.NEW_LEAD and view["title"]["text"] == "New lead"
    fields = inputs(view)
    assert list(fields) == [
        "company", "contact", "email", "phone", "value", "currency", "source",
        "owner_id", "stage", "next_follow_up", "expected_close", "note",
    ]  # fmt: skip
    assert fields["owner_id"]["element"]["initial_user"] == REP
    assert fields["stage"]["element"]["initial_option"]["value"] == "prospecting"
    assert fields["currency"]["element"]["initial_option"]["value"] == "USD"
    assert fields["note"]["element"]["max_length"] == 3000
    assert not fields["company"].get("optional")


def test_new_lead_submission_creates_the_lead_and_dms_the_creator(live: Live) -> None:
    view = open_new_lead(live)
    reply = submit(
        live, view, user_id=REP,
        company="Acme Corp", contact="Ann Lee", email="ann@acme.test", phone="+1 555 0100",
        value="12.5k", currency="EUR", source="webinar", stage="qualification",
        next_follow_up="2026-12-04", note="Met at the <!channel> expo",
    )  # fmt: skip
    assert reply.status == 200 and reply.body == ""
    lead = the_lead(live)
    assert (lead.company, lead.contact, lead.email, lead.phone, lead.source) == (
        "Acme Corp", "Ann Lee", "ann@acme.test", "+1 555 0100", "webinar",
    )  # fmt: skip
    assert (lead.value, lead.currency, lead.stage, lead.owner_id) == (
        Decimal("12500.00"), "EUR", "qualification", REP,
    )  # fmt: skip
    assert lead.next_follow_up == date(2026, 12, 4) and lead.touch_count == 0
    with live.deps.session_factory() as session:
        note = session.scalars(select(LeadEvent).where(LeadEvent.kind == "note")).one()
    assert note.detail == {"text": "Met at the <!channel> expo", "by": REP}
    dm = live.slack.dms_to(REP)[-1]
    assert "Created lead #1" in dm["text"] and "Acme Corp" in json.dumps(dm["blocks"])
    assert count(live, Notification) == 0


def test_a_lead_for_another_rep_queues_their_dm(live: Live) -> None:
    view = open_new_lead(live)
    submit(live, view, user_id=REP, company="Globex", owner_id=OTHER_REP, note="Hot <@U999> lead")
    lead = the_lead(live)
    assert lead.owner_id == OTHER_REP and lead.created_by == REP
    with live.deps.session_factory() as session:
        queued = session.scalars(select(Notification)).one()
    assert queued.idempotency_key == f"assigned:1:{OTHER_REP}:created"
    assert queued.recipient == OTHER_REP and queued.kind == "assigned"
    rendered = json.dumps(queued.payload)
    assert "dana assigned you" in rendered and "&lt;@U999&gt;" in rendered
    assert "<@U999>" not in rendered
    assert f"for <@{OTHER_REP}>" in json.dumps(live.slack.dms_to(REP)[-1]["blocks"])


def test_mistakes_come_back_inline_and_nothing_is_written(live: Live) -> None:
    view = open_new_lead(live)
    yesterday = (live.deps.clock.now().date() - timedelta(days=2)).isoformat()
    reply = submit(
        live, view, user_id=REP,
        company="   ", email="not-an-email", value="lots", next_follow_up=yesterday,
    )  # fmt: skip
    assert reply.status == 200
    body = reply.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"company", "email", "value", "next_follow_up"}
    assert all(isinstance(text, str) and text for text in body["errors"].values())
    assert count(live, Lead) == 0 and live.slack.dms_to(REP) == []


def test_a_likely_duplicate_asks_first_then_creates_when_confirmed(live: Live) -> None:
    make_lead(live, "Acme Corp", owner=OTHER_REP)
    view = open_new_lead(live)
    reply = submit(live, view, user_id=REP, company="ACME corp.", value="5000")
    body = reply.json()
    assert body["response_action"] == "update"
    confirm = body["view"]
    assert confirm["submit"]["text"] == "Create anyway"
    warning = confirm["blocks"][0]["text"]["text"]
    assert "#1 Acme Corp" in warning and f"<@{OTHER_REP}>" in warning
    assert inputs(confirm)["company"]["element"]["initial_value"] == "ACME corp."
    assert inputs(confirm)["value"]["element"]["initial_value"] == "5000"
    assert count(live, Lead) == 1
    reply = submit(live, {**confirm, "id": view["id"]}, user_id=REP)
    assert reply.body == ""
    assert count(live, Lead) == 2 and the_lead(live, 2).company == "ACME corp."


# Log touch ---------------------------------------------------------------------------------


def test_log_touch_button_opens_the_modal_on_that_lead(live: Live) -> None:
    make_lead(live, "Initech", value=Decimal(3000))
    assert click(live, Action.LOG_TOUCH, "1").status == 200
    view = opened_ok(live)
    assert view["callback_id"] == View.LOG_TOUCH
    picker = inputs(view)["lead"]["element"]
    assert picker["type"] == "external_select" and picker["action_id"] == Action.LEAD_SELECT
    assert picker["min_query_length"] == 1
    assert picker["initial_option"] == {
        "text": {"type": "plain_text", "text": "#1 Initech · $3k", "emoji": False},
        "value": "1",
    }
    # A touch is a contact unless said otherwise: a note must be picked.
    assert inputs(view)["kind"]["element"]["initial_option"]["value"] == "other"
    when = inputs(view)["occurred_at"]["element"]["initial_date_time"]
    assert when == int(live.deps.clock.now().timestamp())


def test_a_logged_touch_updates_the_lead_and_answers_in_the_channel(live: Live) -> None:
    make_lead(live, "Initech")
    click(live, Action.LOG_TOUCH, "1")
    view = last_opened(live)
    earlier = int((live.deps.clock.now() - timedelta(hours=3)).timestamp())
    reply = submit(
        live, view, user_id=REP,
        kind="call", note="Spoke with the CFO", occurred_at=earlier, next_follow_up="2026-12-08",
    )  # fmt: skip
    assert reply.body == ""
    with live.deps.session_factory() as session:
        touch = session.scalars(select(Touchpoint)).one()
    assert (touch.kind, touch.note, touch.author_id, touch.permalink) == (
        "call", "Spoke with the CFO", REP, None,
    )  # fmt: skip
    assert int(touch.occurred_at.timestamp()) == earlier
    lead = the_lead(live)
    assert lead.touch_count == 1 and lead.next_follow_up == date(2026, 12, 8)
    ephemeral = live.slack.ephemerals(REP)[-1]
    assert ephemeral["channel"] == "C0001" and "Logged a call" in ephemeral["text"]


def test_log_touch_from_app_home_answers_in_the_dm(live: Live) -> None:
    make_lead(live, "Initech")
    home = {"id": "VHOME1", "type": "home", "blocks": [], "state": {"values": {}}}
    payload = block_actions_payload(
        user_id=REP, action_id=Action.LOG_TOUCH, value="1", container="view", view=home,
        trigger_id=live.slack.issue_trigger_id(),
    )  # fmt: skip
    assert live.interact(payload).status == 200
    view = opened_ok(live)
    assert metadata(view) == {}
    submit(live, last_opened(live), user_id=REP, note="from home")
    assert "Logged a touch" in live.slack.dms_to(REP)[-1]["text"]
    assert live.slack.ephemerals(REP) == []


def test_touch_mistakes_come_back_inline(live: Live) -> None:
    make_lead(live, "Initech")
    click(live, Action.LOG_TOUCH, "1")
    view = last_opened(live)
    future = int((live.deps.clock.now() + timedelta(days=1)).timestamp())
    reply = submit(live, view, user_id=REP, occurred_at=future, next_follow_up="2020-01-01")
    assert reply.json()["response_action"] == "errors"
    assert set(reply.json()["errors"]) == {"occurred_at", "next_follow_up"}
    reply = submit(live, view, user_id=REP, lead=None)
    assert set(reply.json()["errors"]) == {"lead"}
    assert count(live, Touchpoint) == 0


def test_only_the_owner_or_a_manager_can_log_on_a_lead(live: Live) -> None:
    make_lead(live, "Initech")
    click(live, Action.LOG_TOUCH, "1", user_id=OTHER_REP)
    assert live.slack.calls("views.open") == []
    assert "Only the lead's owner or a manager" in live.ephemeral_texts(OTHER_REP)[-1]
    click(live, Action.LOG_TOUCH, "1", user_id=MANAGER)
    view = last_opened(live)
    reply = submit(live, view, user_id=OTHER_REP, note="sneaky")
    assert "owner or a manager" in reply.json()["errors"]["lead"]
    assert submit(live, view, user_id=MANAGER, note="checking in").body == ""
    assert count(live, Touchpoint) == 1


def test_touch_alone_opens_log_touch_with_an_empty_picker(live: Live) -> None:
    live.command("/touch", "  ")
    view = opened_ok(live)
    assert view["callback_id"] == View.LOG_TOUCH
    assert "initial_option" not in inputs(view)["lead"]["element"]
    assert metadata(view) == {"c": "C0001"}


@pytest.mark.parametrize(
    ("command", "callback_id"), [("/touch", View.LOG_TOUCH), ("/lead", View.NEW_LEAD)]
)
def test_a_bare_command_opens_its_modal_before_any_other_slack_call(
    live: Live, command: str, callback_id: str
) -> None:
    before = len(live.slack.calls())
    live.command(command, "", user_id=OTHER_REP)  # a rep pipebot has never seen: no profile yet
    first = live.slack.calls()[before]
    assert first.method == "views.open" and first.response.get("ok"), first.response
    assert first.args["view"]["callback_id"] == callback_id


def test_type_ahead_shows_a_rep_their_leads_and_a_manager_everyones(live: Live) -> None:
    for company, owner in [
        ("Acme Corp", REP), ("Acme Labs", REP), ("Globex", REP), ("Acme Widgets", OTHER_REP),
    ]:  # fmt: skip
        make_lead(live, company, owner=owner)

    def options(user_id: str, typed: str) -> list[tuple[str, str]]:
        payload = suggestion_payload(
            user_id=user_id, action_id=Action.LEAD_SELECT, block_id="lead", value=typed
        )
        reply = live.interact(payload)
        assert reply.status == 200
        found = reply.json()["options"]
        assert all(len(o["text"]["text"]) <= 75 and len(o["value"]) <= 75 for o in found)
        return [(o["value"], o["text"]["text"]) for o in found]

    # Newest activity first (all four were made at the same moment: the newest lead first).
    assert options(REP, "acm") == [("2", "#2 Acme Labs"), ("1", "#1 Acme Corp")]
    assert [value for value, _ in options(MANAGER, "ACME")] == ["4", "2", "1"]
    assert options(REP, "#3") == [("3", "#3 Globex")]
    assert options(OTHER_REP, "globex") == []
    # Contact, email, phone, source and touch notes match too, case and accents aside.
    make_lead(live, "Initech", contact="Renée Müller", email="rm@initech.example")
    assert options(REP, "MULLER") == [("5", "#5 Initech")]
    assert options(REP, "initech.example") == [("5", "#5 Initech")]
    live.command("/touch", "#3 call Talked budgets with Søren")
    assert options(REP, "soren") == [("3", "#3 Globex")]


# Qualification -----------------------------------------------------------------------------


def test_qualify_stores_answers_and_score_and_prefills_them_next_time(live: Live) -> None:
    make_lead(live, "Hooli")
    click(live, Action.QUALIFY, "1")
    view = opened_ok(live)
    # Nine questions, when they need it (the expected close date) and the outcome.
    assert view["callback_id"] == View.QUALIFY and len(inputs(view)) == 11
    assert not any("initial_option" in block["element"] for block in inputs(view).values())
    reply = submit(
        live, last_opened(live), user_id=REP,
        q_need="yes", q_fit="yes", q_position="partly", q_worth="no",
    )  # fmt: skip
    assert reply.body == ""
    lead = the_lead(live)
    # 5 points of 8 on the four questions answered: "Don't know" does not lower the score.
    assert lead.qualification_score == 63 and lead.status == "open"
    assert lead.qualification["need"] == "yes" and lead.qualification["risks"] == "unknown"
    assert "63/100*, possible fit (4 of 9" in live.ephemeral_texts(REP)[-1]
    assert "qualified 63/100 (possible fit)" in str(live.slack.home_view(REP))
    click(live, Action.QUALIFY, "1")
    again = inputs(opened_ok(live))
    assert again["q_position"]["element"]["initial_option"]["value"] == "partly"
    assert again["q_risks"]["element"]["initial_option"]["value"] == "unknown"


def test_marking_unqualified_closes_the_lead_as_lost_and_keeps_its_touches(live: Live) -> None:
    make_lead(live, "Pied Piper")
    live.command("/touch", "#1 call first try")
    click(live, Action.QUALIFY, "1")
    submit(live, last_opened(live), user_id=REP, q_need="no", outcome=["unqualified"])
    lead = the_lead(live)
    assert (lead.status, lead.lost_reason, lead.touch_count) == ("lost", "unqualified", 1)
    assert count(live, Touchpoint) == 1
    assert "unqualified" in live.ephemeral_texts(REP)[-1]


def test_only_the_owner_or_a_manager_can_qualify(live: Live) -> None:
    make_lead(live, "Hooli")
    click(live, Action.QUALIFY, "1", user_id=OTHER_REP)
    assert live.slack.calls("views.open") == []
    assert "owner or a manager can qualify" in live.ephemeral_texts(OTHER_REP)[-1]
    click(live, Action.QUALIFY, "1", user_id=MANAGER)
    reply = submit(live, last_opened(live), user_id=OTHER_REP, q_need="yes")
    assert reply.json()["response_action"] == "errors" and "outcome" in reply.json()["errors"]
    assert the_lead(live).qualification_score is None


# Last-chance email -------------------------------------------------------------------------


def test_draft_last_chance_shows_the_email_ready_to_copy(live: Live) -> None:
    make_lead(live, "Umbrella <Corp>", contact="Alice Smith", email="alice@umbrella.test")
    assert click(live, Action.DRAFT_LAST_CHANCE, "1").status == 200
    view = opened_ok(live)
    assert view["callback_id"] == View.LAST_CHANCE and "submit" not in view
    assert view["close"]["text"] == "Done"
    copied = {
        block["block_id"]: block["elements"][0]["elements"][0]["text"]
        for block in view["blocks"]
        if block["type"] == "rich_text"
    }
    assert "Umbrella <Corp>" in copied["subject"]
    assert copied["body"].startswith("Hi Alice,")
    assert "Umbrella &lt;Corp&gt;" in view["blocks"][0]["text"]["text"]


def test_a_stale_button_gets_one_line(live: Live) -> None:
    click(live, Action.DRAFT_LAST_CHANCE, "not-a-number")
    click(live, Action.QUALIFY, "42")
    texts = live.ephemeral_texts(REP)
    assert "no longer points at a lead" in texts[0] and "There is no lead #42" in texts[1]
    assert live.slack.calls("views.open") == []


def test_the_note_from_the_new_lead_form_is_in_the_leads_history(live: Live) -> None:
    view = open_new_lead(live)
    submit(live, view, user_id=REP, company="Acme Corp", note="Met at the expo\n<!channel> hot")
    live.command("/lead", "show #1")
    history = next(
        block["text"]["text"]
        for block in live.slack.responses()[-1].args["blocks"]
        if block.get("block_id") == "history_1"
    )
    assert f"note: Met at the expo &lt;!channel&gt; hot by <@{REP}>" in history
