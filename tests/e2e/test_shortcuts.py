"""Shortcuts end to end: the modal opens at once with the message, then learns its link and lead."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Lead, Touchpoint
from bot.slack.ids import Action, Shortcut, View
from tests.e2e.live import OTHER_REP, REP, Live
from tests.e2e.modalkit import count, inputs, last_opened, metadata, opened_ok, post_message, submit
from tests.e2e.test_modals import make_lead
from tests.slackkit import global_shortcut_payload, message_shortcut_payload


def shortcut_on(
    live: Live, callback_id: str, text: str, *, user_id: str = REP, ts: str | None = None
):
    payload = message_shortcut_payload(
        user_id=user_id,
        callback_id=callback_id,
        message_text=text,
        channel_id="C0001",
        message_ts=ts,
        trigger_id=live.slack.issue_trigger_id(),
    )
    return live.interact(payload)


def test_log_as_touchpoint_opens_with_the_message_then_adds_its_lead_and_link(live: Live) -> None:
    make_lead(live, "Acme")
    make_lead(live, "Acme Corp")
    make_lead(live, "Acme Corp", owner=OTHER_REP)
    text = "Call with *ACME corp* about renewal &amp; pricing <@U0BOSS>"
    ts = post_message(live, "C0001", text)
    assert shortcut_on(live, Shortcut.LOG_TOUCH, text, ts=ts).status == 200
    first = opened_ok(live)
    assert first["callback_id"] == View.LOG_TOUCH
    note = "Call with *ACME corp* about renewal & pricing @U0BOSS"
    assert inputs(first)["note"]["element"]["initial_value"] == note
    view = last_opened(live)
    picker = inputs(view)["lead"]["element"]
    assert picker["initial_option"]["value"] == "2"
    permalink = f"https://pipebot-test.slack.com/archives/C0001/p{ts.replace('.', '')}"
    assert permalink in view["blocks"][0]["elements"][0]["text"]
    assert metadata(view)["p"] == permalink
    assert submit(live, view, user_id=REP, kind="call").body == ""
    with live.deps.session_factory() as session:
        touch = session.scalars(select(Touchpoint)).one()
    assert (touch.lead_id, touch.kind, touch.note, touch.permalink) == (2, "call", note, permalink)
    assert "Logged a call" in live.slack.ephemerals(REP)[-1]["text"]
    methods = [call.method for call in live.slack.calls()]
    assert methods.index("views.open") < methods.index("chat.getPermalink")
    assert methods.index("chat.getPermalink") < methods.index("views.update")


def test_the_link_is_looked_up_on_submit_when_the_update_did_not_land(live: Live) -> None:
    make_lead(live, "Initech")
    ts = post_message(live, "C0001", "Initech wants a call")
    live.slack.fail_next("views.update", error="hash_conflict")
    shortcut_on(live, Shortcut.LOG_TOUCH, "Initech wants a call", ts=ts)
    first = opened_ok(live)
    assert metadata(first) == {"c": "C0001", "t": ts}
    submit(live, {**last_opened(live), "private_metadata": first["private_metadata"]},
           user_id=REP, lead="1")  # fmt: skip
    with live.deps.session_factory() as session:
        permalink = session.scalars(select(Touchpoint.permalink)).one()
    assert permalink and permalink.endswith(f"/archives/C0001/p{ts.replace('.', '')}")


def test_no_recognisable_lead_leaves_the_picker_empty(live: Live) -> None:
    make_lead(live, "Initech", owner=OTHER_REP)
    ts = post_message(live, "C0001", "initech says hi")
    shortcut_on(live, Shortcut.LOG_TOUCH, "initech says hi", ts=ts)
    assert "initial_option" not in inputs(last_opened(live))["lead"]["element"]


def test_a_deleted_message_still_opens_and_logs_without_a_link(live: Live) -> None:
    make_lead(live, "Initech")
    shortcut_on(live, Shortcut.LOG_TOUCH, "Initech wants a call", ts="1700000000.000100")
    view = last_opened(live)
    assert inputs(view)["lead"]["element"]["initial_option"]["value"] == "1"
    submit(live, view, user_id=REP)
    with live.deps.session_factory() as session:
        assert session.scalars(select(Touchpoint.permalink)).one() is None


def test_create_lead_from_message_prefills_what_the_message_says(live: Live) -> None:
    text = (
        "New inbound from Globex Inc: <mailto:ann@globex.test|ann@globex.test>, "
        "+1 555 0100, budget €5,000"
    )
    shortcut_on(live, Shortcut.CREATE_LEAD, text)
    view = opened_ok(live)
    assert view["callback_id"] == View.NEW_LEAD
    shown = {key: block["element"] for key, block in inputs(view).items()}
    assert shown["company"]["initial_value"] == "Globex Inc"
    assert shown["email"]["initial_value"] == "ann@globex.test"
    assert shown["phone"]["initial_value"] == "+1 555 0100"
    assert shown["value"]["initial_value"] == "5,000"
    assert shown["currency"]["initial_option"]["value"] == "EUR"
    assert shown["note"]["initial_value"].startswith("New inbound from Globex Inc: ann@globex.test")
    assert submit(live, last_opened(live), user_id=REP).body == ""
    with live.deps.session_factory() as session:
        lead = session.scalars(select(Lead)).one()
    assert (lead.company, lead.email, lead.currency, lead.value) == (
        "Globex Inc", "ann@globex.test", "EUR", 5000,
    )  # fmt: skip
    reply = live.slack.ephemerals(REP)[-1]
    assert reply["channel"] == "C0001" and "Created lead #1" in reply["text"]


def test_global_new_lead_shortcut_opens_an_empty_form_and_answers_by_dm(live: Live) -> None:
    trigger = live.slack.issue_trigger_id()
    live.interact(
        global_shortcut_payload(
            user_id=OTHER_REP, callback_id=Shortcut.NEW_LEAD, trigger_id=trigger
        )
    )
    view = opened_ok(live)
    assert view["callback_id"] == View.NEW_LEAD and metadata(view) == {}
    assert inputs(view)["owner_id"]["element"]["initial_user"] == OTHER_REP
    assert "initial_value" not in inputs(view)["company"]["element"]
    submit(live, last_opened(live), user_id=OTHER_REP, company="Hooli")
    assert count(live, Lead) == 1
    assert "Created lead #1" in live.slack.dms_to(OTHER_REP)[-1]["text"]
    assert live.slack.ephemerals() == []


def test_log_touch_picker_is_the_shared_external_select(live: Live) -> None:
    shortcut_on(live, Shortcut.LOG_TOUCH, "no lead here", ts=post_message(live, "C0001", "x"))
    assert inputs(opened_ok(live))["lead"]["element"]["action_id"] == Action.LEAD_SELECT
