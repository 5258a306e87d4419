"""Lead buttons end to end: from a DM (the message is updated in place) and from App Home (republished)."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, MarkdownTextObject, SectionBlock
from sqlalchemy import func, select

from bot.models import Lead, LeadEvent, StageChange
from bot.services.rhythm import KEPT_EVENT
from bot.slack.ids import Action, View
from bot.slack.messages.row_buttons import work_buttons
from tests import support
from tests.e2e.live import MANAGER, OTHER_REP, REP, Live
from tests.e2e.modalkit import last_opened, metadata, submit
from tests.e2e.test_home import seed_lead, texts
from tests.slackkit import block_actions_payload


def lead_blocks(lead_id: int, live: Live) -> list[dict]:
    """What a pipebot nudge shows for one lead: its line, the work buttons and the closing ones."""
    stages = live.deps.pipeline.stages
    value = str(lead_id)
    blocks = [
        SectionBlock(
            block_id=f"nudge_lead_{lead_id}", text=MarkdownTextObject(text=f"*#{lead_id}*")
        ),
        ActionsBlock(
            block_id=f"nudge_actions_{lead_id}",
            elements=work_buttons(lead_id, "prospecting", stages),
        ),
        ActionsBlock(
            block_id=f"close_actions_{lead_id}",
            elements=[
                ButtonElement(text="Won", action_id=Action.WON, value=value),
                ButtonElement(text="Lost", action_id=Action.LOST, value=value),
                ButtonElement(text="Archive", action_id=Action.ARCHIVE, value=value),
                ButtonElement(text="Keep 2 more weeks", action_id=Action.KEEP, value=value),
            ],
        ),
    ]
    return [block.to_dict() for block in blocks]


def post_nudge(live: Live, lead_ids: list[int], *, channel: str = REP) -> tuple[str, dict]:
    """Post a nudge with rows for these leads, as a job would; returns its channel and stored message."""
    client = WebClient(token=support.BOT_TOKEN, base_url=live.slack.base_url)
    blocks = [block for lead_id in lead_ids for block in lead_blocks(lead_id, live)]
    posted = client.chat_postMessage(channel=channel, text="Deals going cold", blocks=blocks)
    message = live.slack.message(posted["channel"], posted["ts"])
    assert message is not None
    return posted["channel"], message


def click(
    live: Live,
    channel: str,
    message: dict,
    *,
    action_id: str,
    value: str,
    block_id: str,
    user_id: str = REP,
    action_type: str = "button",
):
    """Click a control on a stored message, with a response_url bound to that message."""
    url = live.slack.new_response_url(channel_id=channel, user_id=user_id, message_ts=message["ts"])
    payload = block_actions_payload(
        user_id=user_id,
        action_id=action_id,
        value=value,
        block_id=block_id,
        channel_id=channel,
        message_ts=message["ts"],
        response_url=url,
        trigger_id=live.slack.issue_trigger_id(),
        message=message,
        action_type=action_type,
    )
    return live.interact(payload)


# Where lead_blocks() puts each control, and what kind of element it is.
ROW_OF = {
    Action.LOG_TOUCH: "nudge_actions",
    Action.SNOOZE: "nudge_actions",
    Action.MOVE_STAGE: "nudge_actions",
    Action.WON: "close_actions",
    Action.LOST: "close_actions",
    Action.ARCHIVE: "close_actions",
    Action.KEEP: "close_actions",
}
SELECTS = {Action.SNOOZE, Action.MOVE_STAGE}


def press(live: Live, channel: str, message: dict, action_id: str, value: str, **kwargs):
    """Use a lead's control on a nudge from post_nudge: its row and element type follow from the action."""
    lead_id = value.partition(":")[0]
    return click(
        live, channel, message, action_id=action_id, value=value,
        block_id=f"{ROW_OF[action_id]}_{lead_id}",
        action_type="static_select" if action_id in SELECTS else "button",
        **kwargs,
    )  # fmt: skip


def lead_row(live: Live, lead_id: int) -> Lead:
    with live.deps.session_factory() as session:
        return session.get(Lead, lead_id)


def history(live: Live, lead_id: int) -> tuple[list[str], list[str]]:
    """The lead's stage changes (to) and other events (kinds), oldest first."""
    with live.deps.session_factory() as session:
        moves = session.scalars(
            select(StageChange.to_stage)
            .where(StageChange.lead_id == lead_id)
            .order_by(StageChange.id)
        )
        kinds = session.scalars(
            select(LeadEvent.kind).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)
        )
        return list(moves), list(kinds)


def block(message: dict, block_id: str) -> dict:
    return next(b for b in message["blocks"] if b.get("block_id") == block_id)


def test_snooze_from_a_dm_updates_that_message_and_the_lead(live: Live) -> None:
    acme, globex = seed_lead(live, "Acme"), seed_lead(live, "Globex")
    channel, message = post_nudge(live, [acme, globex])

    reply = press(live, channel, message, Action.SNOOZE, f"{acme}:1d")

    assert reply.status == 200 and reply.body == ""
    updated = live.slack.message(channel, message["ts"])
    assert updated is not None and "edited" in updated
    done = block(updated, f"nudge_actions_{acme}")
    assert done["type"] == "context"
    assert done["elements"][0]["text"] == f":white_check_mark: Snoozed until Tue 1 Dec by <@{REP}>"
    assert block(updated, f"nudge_lead_{acme}") == block(message, f"nudge_lead_{acme}")
    assert block(updated, f"close_actions_{acme}") == block(message, f"close_actions_{acme}")
    assert [b for b in updated["blocks"] if str(b.get("block_id")).endswith(f"_{globex}")] == [
        b for b in message["blocks"] if str(b.get("block_id")).endswith(f"_{globex}")
    ]
    lead = lead_row(live, acme)
    # A snooze hides the lead until a date; the follow-up (none here) is left as it was.
    assert (lead.snoozed_until, lead.next_follow_up) == (date(2026, 12, 1), None)
    assert history(live, acme)[1] == ["snoozed"]
    assert live.slack.home_view(REP) is not None, "the clicker's Home is refreshed too"


@pytest.mark.parametrize(
    ("owner", "span", "until"),
    [(OTHER_REP, "1w", date(2026, 12, 8)), (REP, "3d", date(2026, 12, 3))],
)
def test_snooze_counts_from_the_owners_own_today(live: Live, owner, span, until) -> None:
    live.deps.clock.set(
        datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    )  # Tue 01:00 in Tokyo, Mon in New York
    acme = seed_lead(live, "Acme", owner=owner)
    channel, message = post_nudge(live, [acme], channel=owner)
    press(live, channel, message, Action.SNOOZE, f"{acme}:{span}", user_id=owner)
    assert lead_row(live, acme).snoozed_until == until


def test_move_stage_from_a_select(live: Live) -> None:
    acme = seed_lead(live, "Acme")
    channel, message = post_nudge(live, [acme])
    press(live, channel, message, Action.MOVE_STAGE, f"{acme}:proposal")
    assert lead_row(live, acme).stage == "proposal"
    assert history(live, acme)[0] == ["prospecting", "proposal"]
    line = block(live.slack.message(channel, message["ts"]), f"nudge_actions_{acme}")
    assert line["elements"][0]["text"] == f":white_check_mark: Moved to *Proposal* by <@{REP}>"


@pytest.mark.parametrize(
    ("action_id", "status", "event", "line"),
    [
        (Action.WON, "won", "won", ":trophy: Marked won by"),
        (Action.ARCHIVE, "archived", "archived", "Archived by"),
    ],
)
def test_closing_buttons(live: Live, action_id, status, event, line) -> None:
    acme = seed_lead(live, "Acme")
    channel, message = post_nudge(live, [acme])
    press(live, channel, message, action_id, str(acme))
    lead = lead_row(live, acme)
    assert lead.status == status and lead.closed_at == live.deps.clock.now()
    assert history(live, acme) == (["prospecting", status], [event])
    done = block(live.slack.message(channel, message["ts"]), f"close_actions_{acme}")
    assert line in done["elements"][0]["text"]


def test_the_lost_button_asks_why_before_anything_changes(live: Live) -> None:
    acme = seed_lead(live, "Acme")
    channel, message = post_nudge(live, [acme])
    press(live, channel, message, Action.LOST, str(acme))
    assert lead_row(live, acme).status == "open" and history(live, acme)[1] == []
    view = last_opened(live)
    assert view["callback_id"] == View.MARK_LOST and metadata(view)["l"] == acme


def test_keep_records_two_weeks_once_and_moves_nothing(live: Live) -> None:
    acme = seed_lead(live, "Acme", next_follow_up=date(2026, 12, 7))
    channel, message = post_nudge(live, [acme])
    for _ in range(2):
        press(live, channel, message, Action.KEEP, str(acme))
    lead = lead_row(live, acme)
    # Keep is recorded once a day and leaves the follow-up and the snooze as they were.
    assert (lead.snoozed_until, lead.next_follow_up) == (None, date(2026, 12, 7))
    assert history(live, acme)[1] == [KEPT_EVENT]
    done = block(live.slack.message(channel, message["ts"]), f"close_actions_{acme}")
    assert "the cleanup leaves it alone until Mon 14 Dec" in done["elements"][0]["text"]


@pytest.mark.parametrize(
    ("action_id", "suffix", "changes"),
    [
        (Action.WON, "", (["prospecting", "won"], ["won"])),
        (Action.SNOOZE, ":1d", (["prospecting"], ["snoozed"])),
    ],
)
def test_a_double_click_changes_the_lead_once(live: Live, action_id, suffix, changes) -> None:
    acme = seed_lead(live, "Acme")
    channel, message = post_nudge(live, [acme])
    for _ in range(2):
        press(live, channel, message, action_id, f"{acme}{suffix}")
    assert history(live, acme) == changes
    replaced = [call for call in live.slack.responses() if call.args.get("replace_original")]
    assert len(replaced) == 2, "the second click still shows the message as done"
    assert all(call.args.get("replace_original") for call in live.slack.responses())


def test_another_rep_is_refused_and_nothing_changes(live: Live) -> None:
    acme = seed_lead(live, "Acme", owner=REP)
    channel, message = post_nudge(live, [acme], channel="C0001")
    for action_id, value in (
        (Action.WON, str(acme)),
        (Action.SNOOZE, f"{acme}:1d"),
        (Action.MOVE_STAGE, f"{acme}:closing"),
        (Action.KEEP, str(acme)),
    ):
        before = len(live.slack.responses())
        press(live, channel, message, action_id, value, user_id=OTHER_REP)
        replies = live.slack.responses()[before:]
        assert len(replies) == 1 and not replies[0].args.get("replace_original")
        text = replies[0].args["text"]
        assert "\n" not in text and "or a manager can" in text and f"<@{REP}>" in text
    assert live.slack.message(channel, message["ts"]) == message
    lead = lead_row(live, acme)
    assert (lead.status, lead.stage, lead.snoozed_until) == ("open", "prospecting", None)
    assert history(live, acme) == (["prospecting"], [])


def test_a_manager_may_act_and_the_owner_sees_it_on_their_home(live: Live) -> None:
    acme = seed_lead(live, "Acme", owner=REP)
    channel, message = post_nudge(live, [acme], channel="C0001")
    press(live, channel, message, Action.WON, str(acme), user_id=MANAGER)
    assert lead_row(live, acme).status == "won"
    published_for = {call.args["user_id"] for call in live.slack.calls("views.publish")}
    assert published_for == {MANAGER, REP}
    assert "You have no open leads" in texts(live.slack.home_view(REP))


def test_a_control_from_an_ephemeral_message_without_its_blocks_is_replaced_by_the_outcome(
    live: Live,
) -> None:
    acme = seed_lead(live, "Acme")
    url = live.slack.new_response_url(channel_id="C0001", user_id=REP)
    payload = block_actions_payload(
        user_id=REP, action_id=Action.WON, value=str(acme), block_id="lead_actions_1",
        response_url=url, is_ephemeral=True,
    )  # fmt: skip
    live.interact(payload)
    reply = live.slack.responses()[-1].args
    assert reply["replace_original"] is True
    assert reply["blocks"][0]["elements"][0]["text"] == f":trophy: Marked won by <@{REP}>"


def test_an_out_of_date_control_gets_one_line(live: Live) -> None:
    acme = seed_lead(live, "Acme")
    for action_id, value in (
        (Action.WON, "abc"),
        (Action.SNOOZE, f"{acme}:forever"),
        (Action.MOVE_STAGE, f"{acme}:negotiation"),
        (Action.OVERFLOW, f"{acme}:dance"),
        (Action.WON, "999"),
        (Action.WON, "99999999999999999999"),
        (Action.WON, "²"),
    ):
        url = live.slack.new_response_url(channel_id="C0001", user_id=REP)
        live.interact(
            block_actions_payload(user_id=REP, action_id=action_id, value=value, response_url=url)
        )
        replies = live.slack.responses(url)
        assert len(replies) == 1 and "\n" not in replies[0].args["text"], value
        assert replies[0].args.get("replace_original") is False
    assert history(live, acme) == (["prospecting"], [])


def test_a_click_is_acknowledged_at_once(live: Live) -> None:
    acme = seed_lead(live, "Acme")
    channel, message = post_nudge(live, [acme])
    url = live.slack.new_response_url(channel_id=channel, user_id=REP, message_ts=message["ts"])
    started = time.perf_counter()
    reply = live.sender.interact(
        block_actions_payload(
            user_id=REP,
            action_id=Action.WON,
            value=str(acme),
            response_url=url,
            message=message,
            channel_id=channel,
            message_ts=message["ts"],
            block_id=f"close_actions_{acme}",
        )
    )
    elapsed = time.perf_counter() - started
    live.settle()
    assert reply.status == 200 and reply.body == "" and elapsed < 2.0
    assert lead_row(live, acme).status == "won"


def count_rows(live: Live, model) -> int:
    with live.deps.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_history_is_written_for_every_change(live: Live) -> None:
    acme = seed_lead(live, "Acme")
    channel, message = post_nudge(live, [acme])
    press(live, channel, message, Action.MOVE_STAGE, f"{acme}:qualification")
    press(live, channel, message, Action.SNOOZE, f"{acme}:3d")
    live.deps.clock.advance(timedelta(days=1))
    press(live, channel, message, Action.LOST, str(acme))
    submit(live, last_opened(live), user_id=REP, reason="went dark")
    assert history(live, acme) == (["prospecting", "qualification", "lost"], ["snoozed", "lost"])
    assert count_rows(live, StageChange) == 3


def test_two_clicks_at_the_same_moment_change_the_lead_once(live: Live) -> None:
    acme = seed_lead(live, "Acme")
    channel, message = post_nudge(live, [acme])
    payloads = [
        block_actions_payload(
            user_id=REP,
            action_id=Action.SNOOZE,
            value=f"{acme}:1w",
            block_id=f"nudge_actions_{acme}",
            channel_id=channel,
            message_ts=message["ts"],
            response_url=live.slack.new_response_url(
                channel_id=channel, user_id=REP, message_ts=message["ts"]
            ),
            message=message,
            action_type="static_select",
        )
        for _ in range(2)
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        replies = list(pool.map(live.sender.interact, payloads))
    live.settle()
    assert [reply.status for reply in replies] == [200, 200]
    assert history(live, acme)[1] == ["snoozed"]
    done = block(live.slack.message(channel, message["ts"]), f"nudge_actions_{acme}")
    assert "Snoozed until Mon 7 Dec" in done["elements"][0]["text"]


def test_a_touch_logged_from_a_button_in_a_dm_marks_that_leads_row_done(live: Live) -> None:
    acme, globex = seed_lead(live, "Acme"), seed_lead(live, "Globex")
    channel, message = post_nudge(live, [acme, globex])
    press(live, channel, message, Action.LOG_TOUCH, str(acme))
    view = last_opened(live)
    assert metadata(view) == {
        "c": channel, "l": acme, "m": message["ts"], "b": f"nudge_actions_{acme}",
    }  # fmt: skip
    assert submit(live, view, user_id=REP, kind="call", note="Spoke with the CFO").body == ""
    assert lead_row(live, acme).touch_count == 1
    updated = live.slack.message(channel, message["ts"])
    assert updated is not None and "edited" in updated
    line = f":white_check_mark: Logged a call by <@{REP}>"
    assert updated["text"] == f"Deals going cold\n{line}"
    done = block(updated, f"nudge_actions_{acme}")
    assert done["type"] == "context" and done["elements"][0]["text"] == line
    assert block(updated, f"nudge_lead_{acme}") == block(message, f"nudge_lead_{acme}")
    assert block(updated, f"close_actions_{acme}") == block(message, f"close_actions_{acme}")
    assert [b for b in updated["blocks"] if str(b.get("block_id")).endswith(f"_{globex}")] == [
        b for b in message["blocks"] if str(b.get("block_id")).endswith(f"_{globex}")
    ]


def test_a_touch_logged_on_another_lead_leaves_the_buttons_message_alone(live: Live) -> None:
    acme, globex = seed_lead(live, "Acme"), seed_lead(live, "Globex")
    channel, message = post_nudge(live, [acme])
    press(live, channel, message, Action.LOG_TOUCH, str(acme))
    submit(live, last_opened(live), user_id=REP, lead=str(globex), note="meant Globex")
    assert (lead_row(live, acme).touch_count, lead_row(live, globex).touch_count) == (0, 1)
    assert live.slack.message(channel, message["ts"]) == message
    assert live.slack.calls("chat.update") == []


def test_a_submission_with_forged_metadata_cannot_edit_another_message(live: Live) -> None:
    """The metadata names a managers' channel post; unsigned, it is ignored and nothing is edited."""
    acme = seed_lead(live, "Acme")
    client = WebClient(token=support.BOT_TOKEN, base_url=live.slack.base_url)
    sent = client.chat_postMessage(channel="CMANAGERS", text="Speed to lead missed: #1 Acme")
    post = live.slack.message(sent["channel"], sent["ts"])
    channel, message = post_nudge(live, [acme])
    press(live, channel, message, Action.LOG_TOUCH, str(acme))
    view = last_opened(live)
    forged = {"c": "CMANAGERS", "l": acme, "m": post["ts"], "b": "alert"}
    for metadata_text in (json.dumps(forged), "0" * 32 + "." + json.dumps(forged)):
        submit(live, {**view, "private_metadata": metadata_text}, user_id=REP, note="hi")
    assert lead_row(live, acme).touch_count == 2  # the touches themselves are fine
    assert live.slack.message(sent["channel"], sent["ts"]) == post
    assert live.slack.calls("chat.update") == []


def test_a_done_follow_up_offers_the_next_step_in_one_click(live: Live) -> None:
    acme = seed_lead(live, "Acme", next_follow_up=date(2026, 11, 30))  # due today, Monday
    live.command("/touch", "acme call Spoke with the CFO")
    answer = live.slack.responses()[-1]
    assert answer.status == 200, "Slack accepts the reply with its next-step buttons"
    assert "Follow-up of Mon 30 Nov done" in answer.args["text"] + str(answer.args["blocks"])
    assert lead_row(live, acme).next_follow_up is None
    [row] = [b for b in answer.args["blocks"] if b.get("block_id") == f"next_step_{acme}"]
    choices = {button["text"]["text"]: button for button in row["elements"]}
    assert list(choices) == ["Tomorrow", "In 3 working days", "Next week", "No next step"]
    # The same reply in a DM, clicked there: the date lands on the owner's working days.
    client = WebClient(token=support.BOT_TOKEN, base_url=live.slack.base_url)
    posted = client.chat_postMessage(channel=REP, text=answer.args["text"], blocks=[row])
    message = live.slack.message(posted["channel"], posted["ts"])
    chosen = choices["In 3 working days"]
    click(
        live, posted["channel"], message, action_id=chosen["action_id"], value=chosen["value"],
        block_id=row["block_id"],
    )  # fmt: skip
    assert lead_row(live, acme).next_follow_up == date(2026, 12, 3)
    done = block(live.slack.message(posted["channel"], posted["ts"]), row["block_id"])
    assert done["elements"][0]["text"] == f":white_check_mark: Next step Thu 3 Dec, set by <@{REP}>"
