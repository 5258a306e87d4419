"""Modal builders and state readers: Slack's limits, prefill, and user text that can never ping."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings

from bot.domain.capture import guess_new_lead, message_note
from bot.domain.parsing import StageRef
from bot.domain.qualification import score
from bot.services.records import LeadView
from bot.slack.ids import Action, View
from bot.slack.modal_forms import (
    ModalMeta,
    read_new_lead_form,
    read_qualify_form,
    read_touch_form,
    state_value,
)
from bot.slack.modals import (
    build_last_chance_modal,
    build_lead_options,
    build_log_touch_modal,
    build_new_lead_modal,
    build_qualified_blocks,
    build_qualify_modal,
    lead_option,
)
from tests.fakeslack.blockkit import view_problem
from tests.hostile import INJECTED, tricky_text

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
STAGES = [StageRef("prospecting", "Prospecting"), StageRef("qualification", "Qualification")]
PERMALINK = "https://pipebot-test.slack.com/archives/C0001/p1796047200000100"

tricky = tricky_text(piece_size=40, long=True)


def lead(company: str = "Acme Corp", **fields: Any) -> LeadView:
    values: dict[str, Any] = dict(
        id=42, company=company, contact="Ann Lee", email="ann@acme.test", phone=None,
        value=Decimal("12500"), currency="USD", source=None, owner_id="UREP00001",
        stage="prospecting", status="open", created_at=NOW, stage_changed_at=NOW,
        last_touch_at=None, next_follow_up=None, snoozed_until=None, touch_count=3,
        qualification_score=None, lost_reason=None,
    )  # fmt: skip
    values.update(fields)
    return LeadView(**values)


def mrkdwn_texts(view: Any) -> list[str]:
    """Every mrkdwn text object in a view: the only places a mention or link could come alive."""
    found: list[str] = []
    if isinstance(view, dict):
        if view.get("type") == "mrkdwn":
            found.append(view["text"])
        for value in view.values():
            found += mrkdwn_texts(value)
    elif isinstance(view, list):
        for value in view:
            found += mrkdwn_texts(value)
    return found


def assert_valid(view: dict[str, Any]) -> None:
    assert view_problem(view, kind="modal") is None, view_problem(view, kind="modal")
    assert len(view["title"]["text"]) <= 24
    assert len(view.get("private_metadata", "")) <= 3000


def initial(view: dict[str, Any], block_id: str) -> Any:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    element = block["element"]
    for key in ("initial_value", "initial_option", "initial_user", "initial_date"):
        if key in element:
            return element[key]
    return None


def test_new_lead_modal_prefills_and_fits() -> None:
    view = build_new_lead_modal(
        stages=STAGES,
        owner_id="UREP00001",
        prefill={"company": "Globex", "value": "5,000", "currency": "EUR", "stage": "qualification",
                 "next_follow_up": date(2026, 12, 4), "owner_id": "UREP00002", "note": "n" * 5000},
        meta=ModalMeta(channel_id="C0001"),
    )  # fmt: skip
    assert_valid(view)
    assert view["callback_id"] == View.NEW_LEAD and view["submit"]["text"] == "Create"
    assert initial(view, "company") == "Globex"
    assert initial(view, "currency")["value"] == "EUR"
    assert initial(view, "stage")["value"] == "qualification"
    assert initial(view, "next_follow_up") == "2026-12-04"
    assert initial(view, "owner_id") == "UREP00002"
    assert len(initial(view, "note")) == 3000
    assert json.loads(view["private_metadata"]) == {"c": "C0001"}


def test_unknown_prefill_choices_fall_back_to_the_defaults() -> None:
    view = build_new_lead_modal(
        stages=STAGES, owner_id="UREP00001", prefill={"currency": "XYZ", "stage": "nope"}
    )
    assert initial(view, "currency")["value"] == "USD"
    assert initial(view, "stage")["value"] == "prospecting"
    assert initial(view, "owner_id") == "UREP00001"


def test_duplicates_warn_escaped_and_relabel_submit() -> None:
    dupes = [lead("<!channel> & Co", id=i) for i in range(1, 8)]
    view = build_new_lead_modal(
        stages=STAGES, owner_id="U1", prefill={"company": "<!channel> & co"},
        meta=ModalMeta(duplicates=(1, 2)), duplicates=dupes,
    )  # fmt: skip
    assert_valid(view)
    assert view["submit"]["text"] == "Create anyway"
    warning = view["blocks"][0]["text"]["text"]
    assert "&lt;!channel&gt; &amp; Co" in warning and "<!channel>" not in warning
    assert warning.count("• ") == 5 and "…and 2 more" in warning


def test_log_touch_modal_has_the_picker_and_the_source_link() -> None:
    view = build_log_touch_modal(
        now=NOW, lead=lead(), note="hi", kind="call", meta=ModalMeta(permalink=PERMALINK)
    )
    assert_valid(view)
    picker = next(b for b in view["blocks"] if b.get("block_id") == "lead")["element"]
    assert picker["type"] == "external_select" and picker["action_id"] == Action.LEAD_SELECT
    assert picker["min_query_length"] == 1 and picker["initial_option"]["value"] == "42"
    assert initial(view, "kind")["value"] == "call"
    assert f"<{PERMALINK}|a Slack message>" in mrkdwn_texts(view)[0]
    assert json.loads(view["private_metadata"])["p"] == PERMALINK


def test_an_unsafe_or_huge_permalink_is_never_linked_or_stored() -> None:
    view = build_log_touch_modal(now=NOW, meta=ModalMeta(permalink="javascript:alert(1)"))
    assert "<javascript" not in json.dumps(view)
    assert "p" not in json.loads(ModalMeta(permalink="https://x/" + "a" * 2000).encode())
    assert ModalMeta.decode('{"p": "javascript:alert(1)"}').permalink is None


def test_lead_options_fit_slack_limits() -> None:
    long = lead("L" * 300, id=123456789)
    option = lead_option(long).to_dict("block")
    assert len(option["text"]["text"]) <= 75 and option["value"] == "123456789"
    assert option["text"]["type"] == "plain_text"
    assert len(build_lead_options([lead(id=i) for i in range(150)])) == 100
    assert lead_option(lead(value=None)).to_dict("block")["text"]["text"] == "#42 Acme Corp"


def test_qualify_modal_prefills_stored_answers_only() -> None:
    stored = {
        "need": "yes", "fit": "bogus", "decider": "yes", "timing": "partly",
        "position": "partly", "effort": "no", "outlook": "no", "worth": "yes",
    }  # fmt: skip
    view = build_qualify_modal(
        lead(qualification_score=score(stored)), answers=stored, meta=ModalMeta(lead_id=42)
    )
    assert_valid(view)
    assert initial(view, "q_need")["value"] == "yes"
    assert initial(view, "q_fit") is None and initial(view, "q_risks") is None
    # 8 points of 14 on the seven questions answered; a bogus answer counts as "Don't know".
    assert "57/100 (possible fit)" in view["blocks"][0]["text"]["text"]
    assert json.loads(view["private_metadata"]) == {"l": 42}


def test_last_chance_modal_is_read_only_and_copyable() -> None:
    view = build_last_chance_modal(
        lead("<b>Umbrella</b>"), subject="About <b>", body="Hi <@U1>\n" * 10
    )
    assert_valid(view)
    assert "submit" not in view and view["close"]["text"] == "Done"
    copied = [b for b in view["blocks"] if b["type"] == "rich_text"]
    assert copied[0]["elements"][0]["elements"][0]["text"] == "About <b>"
    assert all("<@U1>" not in text for text in mrkdwn_texts(view))


def test_qualified_reply_escapes_the_company() -> None:
    answers = {"need": "yes", "fit": "yes", "decider": "yes", "timing": "partly", "worth": "no"}
    reply = build_qualified_blocks(
        lead("<!here>"), score=score(answers), answered=5, closed=False, answers=answers
    )
    text = reply.text
    assert "70/100*, strong fit (5 of 9" in text and "<!here>" not in text
    text = build_qualified_blocks(lead(touch_count=1), score=0, answered=1, closed=True).text
    assert "unqualified" in text and "The 1 touch spent" in text


def state(**leaves: dict[str, Any]) -> dict[str, Any]:
    return {"state": {"values": {block: {"any_action": leaf} for block, leaf in leaves.items()}}}


def test_state_readers_take_each_element_type() -> None:
    view = state(
        company={"type": "plain_text_input", "value": "Acme"},
        email={"type": "email_text_input", "value": None},
        currency={"type": "static_select", "selected_option": {"value": "EUR"}},
        owner_id={"type": "users_select", "selected_user": "U2"},
        next_follow_up={"type": "datepicker", "selected_date": "2026-12-04"},
        note={"type": "plain_text_input", "value": "   "},
    )
    form = read_new_lead_form(view)
    assert (form.company, form.email, form.currency, form.owner_id) == ("Acme", None, "EUR", "U2")
    assert form.next_follow_up == "2026-12-04" and form.note is None
    touch = read_touch_form(
        state(
            lead={"type": "external_select", "selected_option": {"value": "7"}},
            occurred_at={"type": "datetimepicker", "selected_date_time": 1796047200},
        )
    )
    assert (touch.lead_id, touch.occurred_at, touch.kind) == ("7", 1796047200, None)
    answers, unqualified = read_qualify_form(
        state(
            q_need={"type": "radio_buttons", "selected_option": {"value": "yes"}},
            q_fit={"type": "radio_buttons", "selected_option": None},
            outcome={"type": "checkboxes", "selected_options": [{"value": "unqualified"}]},
        )
    )
    assert answers == {"need": "yes"} and unqualified
    assert state_value({}, "missing") is None


def test_metadata_survives_a_round_trip_and_garbage_means_none() -> None:
    meta = ModalMeta(
        channel_id="C1", lead_id=3, permalink=PERMALINK, source_ts="1.2", duplicates=(4, 5),
        button_ts="3.4", button_block="nudge_actions_3",
    )  # fmt: skip
    assert ModalMeta.decode(meta.encode()) == meta
    for junk in ("", "not json", "[1]", '{"l": "3", "d": ["x", 2]}'):
        decoded = ModalMeta.decode(junk)
        assert decoded.lead_id is None and decoded.duplicates in ((), (2,))


@settings(max_examples=150, deadline=None)
@given(tricky)
def test_any_message_prefills_new_lead_within_limits_and_without_mentions(text: str) -> None:
    prefill = guess_new_lead(text).as_prefill()
    view = build_new_lead_modal(
        stages=STAGES, owner_id="U1", prefill=prefill,
        meta=ModalMeta(channel_id="C0001"), duplicates=[lead(prefill.get("company") or text or "x")],
    )  # fmt: skip
    assert_valid(view)
    assert len(prefill.get("note", "")) <= 3000 and len(prefill.get("company", "")) <= 200
    for mrkdwn in mrkdwn_texts(view):
        assert not any(bad in mrkdwn for bad in INJECTED), mrkdwn
        assert not re.search(r"<(?!@UREP00001>)[@#!]", mrkdwn), mrkdwn


@settings(max_examples=150, deadline=None)
@given(tricky)
def test_any_message_prefills_log_touch_within_limits_and_without_mentions(text: str) -> None:
    note = message_note(text)
    view = build_log_touch_modal(
        now=NOW,
        lead=lead(text or "x"),
        note=note,
        meta=ModalMeta(channel_id="C0001", permalink=PERMALINK),
    )
    assert_valid(view)
    assert len(note) <= 3000
    for mrkdwn in mrkdwn_texts(view):
        assert not any(bad in mrkdwn for bad in INJECTED), mrkdwn
        assert mrkdwn.count("<") == 1  # only the permalink we built
