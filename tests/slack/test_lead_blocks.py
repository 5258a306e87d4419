"""Unit tests for the `/lead` and `/pipeline` builders: Slack's limits, button values, and escaped user text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings

from bot.domain.access import Actor
from bot.domain.leads import LEAD_ID_MAX
from bot.domain.parsing import (
    ArchiveCmd,
    AssignCmd,
    LeadRef,
    LostCmd,
    MoveCmd,
    QualifyCmd,
    ShowCmd,
    SnoozeCmd,
    WonCmd,
)
from bot.domain.rhythm import Money, Snapshot, StageTotals
from bot.services.leads import NewLead
from bot.services.pipeline_queries import Attention, PipelineSummary, RepRow
from bot.services.queries import HistoryEntry, LeadDetail, LeadPage
from bot.services.records import LeadView, TouchView
from bot.slack.controls import (
    StaleControl,
    pending_lead_value,
    pick_value,
    read_pending_lead_value,
    read_pick_value,
)
from bot.slack.ids import Action
from bot.slack.messages.choices import build_pick_lead_blocks
from bot.slack.messages.lead import (
    build_change_reply,
    build_duplicate_blocks,
    build_help_blocks,
    build_lead_detail_blocks,
    build_lead_list_blocks,
    build_new_owner_message,
)
from bot.slack.messages.pipeline import build_pipeline_blocks
from tests.hostile import tricky_text

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
ZONE = ZoneInfo("America/New_York")
OWNER, ACTOR = "UOWNER001", "UACTOR001"
BUILT_MENTIONS = re.compile(rf"<@({OWNER}|{ACTOR}|UREP\d{{5}})>")
STAGES = {"prospecting": "Prospecting", "proposal": "Proposal"}
MANAGER = Actor("UBOSS0001", is_manager=True)

tricky = tricky_text(piece_size=12)


def lead_view(lead_id: int = 1, **fields: Any) -> LeadView:
    base: dict[str, Any] = {
        "id": lead_id,
        "company": "Acme Corp",
        "contact": "Ann Lee",
        "email": "ann@acme.test",
        "phone": "+1 555 0100",
        "value": Decimal("12500"),
        "currency": "USD",
        "source": "webinar",
        "owner_id": OWNER,
        "stage": "proposal",
        "status": "open",
        "created_at": NOW - timedelta(days=9),
        "stage_changed_at": NOW - timedelta(days=4),
        "last_touch_at": NOW - timedelta(days=2),
        "next_follow_up": TODAY,
        "snoozed_until": None,
        "touch_count": 3,
        "qualification_score": 70,
        "lost_reason": None,
    }
    base.update(fields)
    return LeadView(**base)


def detail_of(lead: LeadView, note: str = "Called", reason: str = "budget") -> LeadDetail:
    touch = TouchView(1, lead.id, "call", note, NOW - timedelta(hours=3), ACTOR, None)
    history = (
        HistoryEntry(NOW, "lost", ACTOR, detail={"reason": reason}),
        HistoryEntry(NOW, "note", ACTOR, detail={"text": note, "by": ACTOR}),
        HistoryEntry(NOW, "assigned", ACTOR, detail={"from": ACTOR, "to": OWNER}),
        HistoryEntry(NOW, "snoozed", OWNER, detail={"until": "2026-12-04"}),
        HistoryEntry(NOW, "stage", ACTOR, "prospecting", "proposal"),
        HistoryEntry(NOW - timedelta(days=9), "stage", ACTOR, None, "prospecting"),
    )
    return LeadDetail(lead=lead, touches=(touch,), history=history, history_total=9)


def snapshot(count: int, amount: str) -> Snapshot:
    money = Money.total([("USD", Decimal(amount))])
    return Snapshot((StageTotals("proposal", "Proposal", count, money, money),))


def summary(attention_leads: tuple[LeadView, ...], reps: int = 2) -> PipelineSummary:
    rows = tuple(RepRow(f"UREP{n:05d}", snapshot(n, "100"), n % 3, n % 2) for n in range(reps))
    return PipelineSummary(
        mine=snapshot(len(attention_leads), "1000"),
        attention=Attention(attention_leads, 9, attention_leads, 2),
        team=snapshot(reps, "5000"),
        reps=rows,
    )


def mrkdwn_texts(message: Any) -> Iterator[str]:
    """The top-level fallback and every mrkdwn text object: the strings Slack parses for markup."""
    if isinstance(message, dict):
        if message.get("type") == "mrkdwn" or isinstance(message.get("blocks"), list):
            text = message.get("text")
            if isinstance(text, str):
                yield text
        for value in message.values():
            if isinstance(value, dict | list):
                yield from mrkdwn_texts(value)
    elif isinstance(message, list):
        for item in message:
            yield from mrkdwn_texts(item)


def assert_inside_limits(message: Any) -> None:
    assert message.text and len(message.text) <= 4000
    assert len(message.blocks) <= 50
    for text in mrkdwn_texts({"blocks": message.blocks}):
        assert 0 < len(text) <= 3000


def all_messages(text: str) -> list[Any]:
    lead = lead_view(company=text, contact=text, email=text, phone=text, source=text)
    closed = lead_view(2, company=text, status="lost", lost_reason=text)
    page = LeadPage((lead, closed), 2, Money.total([("USD", Decimal(5))]), 1, 1)
    new = NewLead(company=text or "x", owner_id=OWNER, stage="proposal", contact=text)
    return [
        build_lead_list_blocks(
            page, whose="Your open leads", stage_name=text, stage_names=STAGES, now=NOW,
            today=TODAY, show_owner=True,
        ),
        build_lead_detail_blocks(
            detail_of(closed, note=text, reason=text), stage_names=STAGES, now=NOW, today=TODAY,
            zone=ZONE,
        ),
        build_change_reply(closed, kind="lost", stage_name="Proposal", now=NOW, today=TODAY),
        build_change_reply(lead, kind="assigned", stage_name=text, now=NOW, today=TODAY, other=OWNER),
        build_pick_lead_blocks(
            [lead, closed], ref_text=text or "x", cmd=LostCmd(LeadRef(lead_id=1), text),
            stage_names=STAGES, more=True,
        ),
        build_duplicate_blocks(
            text, [lead, closed], pending=pending_lead_value(new, after_id=2), viewer=MANAGER,
            stage_names=STAGES,
        ),
        build_new_owner_message(
            lead, actor_id=ACTOR, actor_name=text, stage_name=text, now=NOW, today=TODAY
        ),
        build_pipeline_blocks(summary((lead, closed)), today=TODAY),
    ]  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tricky)
def test_user_text_never_becomes_markup(text: str) -> None:
    for message in all_messages(text):
        for shown in mrkdwn_texts({"text": message.text, "blocks": message.blocks}):
            rest = BUILT_MENTIONS.sub("", shown)
            for bad in ("<!", "<@", "<#", "<http", "<mailto"):
                assert bad not in rest, (bad, shown)
            assert "<" not in rest and ">" not in rest


def test_every_builder_stays_inside_slack_limits_with_the_longest_text() -> None:
    for message in all_messages("&" * 500):
        assert_inside_limits(message)


def test_a_long_list_is_summarised_under_fifty_blocks() -> None:
    leads = tuple(lead_view(n, company="&<>" * 66) for n in range(1, 121))
    page = LeadPage(leads[:40], 120, Money(), 0, 0)
    message = build_lead_list_blocks(
        page, whose="Yours", stage_name=None, stage_names=STAGES, now=NOW, today=TODAY,
        show_owner=False,
    )  # fmt: skip
    assert_inside_limits(message)
    rows = [block for block in message.blocks if block.get("accessory")]
    assert len(rows) >= 20 and sum(len(str(block)) for block in message.blocks) < 20_000
    assert f"…and {120 - len(rows)} more" in message.blocks[-1]["elements"][0]["text"]


def test_a_team_of_many_reps_is_packed_and_counted_under_fifty_blocks() -> None:
    message = build_pipeline_blocks(summary((), reps=2000), today=TODAY)
    assert_inside_limits(message)
    assert "more reps" in message.blocks[-2]["elements"][0]["text"]


@pytest.mark.parametrize(
    "cmd",
    [
        ShowCmd(LeadRef(text="acme")),
        MoveCmd(LeadRef(text="acme"), "proposal"),
        WonCmd(LeadRef(text="acme")),
        LostCmd(LeadRef(text="acme"), "budget | timing"),
        LostCmd(LeadRef(text="acme")),
        AssignCmd(LeadRef(text="acme"), "UREP00002"),
        QualifyCmd(LeadRef(text="acme")),
        SnoozeCmd(LeadRef(text="acme"), date(2026, 12, 4)),
        ArchiveCmd(LeadRef(text="acme")),
    ],
)
def test_a_pick_value_reruns_the_same_command_on_the_picked_lead(cmd: Any) -> None:
    value = pick_value(42, cmd)
    assert len(value) <= 2000
    assert read_pick_value(value, stage_keys=STAGES) == type(cmd)(
        LeadRef(lead_id=42), *[getattr(cmd, f) for f in cmd.__dataclass_fields__ if f != "ref"]
    )


@pytest.mark.parametrize(
    "value",
    ["", "x:move:proposal", "1:move:nowhere", "1:delete:", "1:assign:<!channel>", "1:snooze:soon",
     "1|move|proposal", "²:move:proposal", "99999999999999999999:show:"],
)  # fmt: skip
def test_a_bad_pick_value_is_refused(value: str) -> None:
    with pytest.raises(StaleControl):
        read_pick_value(value, stage_keys=STAGES)


def test_the_longest_pending_lead_fits_a_button_and_round_trips() -> None:
    new = NewLead(
        company='"' * 200,
        owner_id="UREP00002",
        stage="proposal",
        value=Decimal("123456789012.34"),
        currency="EUR",
        contact="\\" * 200,
        email="a" * 240 + "@example.test",
        phone="+44 (20) 7946-0958-0100 x1234",
        source='"' * 100,
        next_follow_up=date(2026, 12, 4),
    )
    value = pending_lead_value(new, after_id=LEAD_ID_MAX)
    assert value is not None and len(value) <= 2000
    assert read_pending_lead_value(value, stage_keys=STAGES) == (new, LEAD_ID_MAX)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "[]",
        '{"c":"Acme"}',
        '{"c":"Acme","o":"UREP00002","s":"nowhere","a":1}',
        '{"c":"Acme","o":"<!channel>","s":"proposal","a":1}',
        '{"c":"  ","o":"UREP00002","s":"proposal","a":1}',
        '{"c":"Acme","o":"UREP00002","s":"proposal","a":1,"v":"lots"}',
        '{"c":"Acme","o":"UREP00002","s":"proposal","a":1,"n":{"x":1}}',
    ],
)
def test_a_bad_pending_lead_is_refused(value: str) -> None:
    with pytest.raises(StaleControl):
        read_pending_lead_value(value, stage_keys=STAGES)


def test_duplicates_offer_open_only_for_leads_the_viewer_may_see() -> None:
    new = NewLead(company="Acme", owner_id=ACTOR, stage="proposal")
    theirs = build_duplicate_blocks(
        "Acme", [lead_view()], pending=pending_lead_value(new, after_id=1),
        viewer=Actor(ACTOR, is_manager=False), stage_names=STAGES,
    )  # fmt: skip
    ids = [e["action_id"] for b in theirs.blocks if b["type"] == "actions" for e in b["elements"]]
    assert ids == [Action.CREATE_ANYWAY]
    mine = build_duplicate_blocks(
        "Acme", [lead_view()], pending=None, viewer=Actor(OWNER, is_manager=False),
        stage_names=STAGES,
    )  # fmt: skip
    ids = [e["action_id"] for b in mine.blocks if b["type"] == "actions" for e in b["elements"]]
    assert ids == [Action.OPEN_LEAD] and "too long" in str(mine.blocks)


def test_help_for_one_subcommand_shows_its_usage_and_examples() -> None:
    message = build_help_blocks("lost")
    text = message.blocks[0]["text"]["text"]
    assert "/lead lost &lt;ref&gt; [competitor" in text and "competitor went with Initech" in text
    assert "/lead move" not in text


def test_a_closed_lead_offers_only_reopen_and_shows_why() -> None:
    lost = lead_view(status="lost", lost_reason="went elsewhere")
    message = build_change_reply(lost, kind="lost", stage_name="Proposal", now=NOW, today=TODAY)
    assert [b["type"] for b in message.blocks] == ["section", "section", "actions"]
    assert "Lost: went elsewhere" in message.blocks[1]["text"]["text"]
    assert message.text == "Marked #1 Acme Corp lost: went elsewhere."
    [reopen] = message.blocks[2]["elements"]
    assert (reopen["action_id"], reopen["value"]) == (Action.REOPEN, "1")
    assert reopen["accessibility_label"] == "Reopen #1 Acme Corp"


def test_the_assignment_dm_says_who_what_worth_and_stage() -> None:
    message = build_new_owner_message(
        lead_view(),
        actor_id=ACTOR,
        actor_name="Max",
        stage_name="Qualification",
        now=NOW,
        today=TODAY,
    )
    assert message.text == "Max assigned you *Acme Corp* — $12,500, Qualification"
    actions = [e["action_id"] for e in message.blocks[-1]["elements"]]
    # The expected close date is set in place, from the card the new owner gets; Won asks first.
    assert actions == [
        Action.LOG_TOUCH, Action.OPEN_LEAD, Action.EDIT_LEAD, Action.WON, Action.LOST,
        Action.CLOSE_DATE,
    ]  # fmt: skip
    won = message.blocks[-1]["elements"][3]
    assert won["confirm"]["confirm"]["text"] == "Mark won"
    labels = [e.get("accessibility_label") for e in message.blocks[-1]["elements"][:5]]
    assert labels == [
        "Log touch on #1 Acme Corp", "Open #1 Acme Corp", "Edit #1 Acme Corp",
        "Mark won #1 Acme Corp", "Mark lost #1 Acme Corp",
    ]  # fmt: skip
    unnamed = build_new_owner_message(
        lead_view(value=None), actor_id=ACTOR, actor_name=None, stage_name="Proposal", now=NOW,
        today=TODAY,
    )  # fmt: skip
    assert unnamed.text == f"<@{ACTOR}> assigned you *Acme Corp* — Proposal"


def test_the_assignment_dm_quotes_the_note_left_with_the_lead() -> None:
    message = build_new_owner_message(
        lead_view(), actor_id=ACTOR, stage_name="Proposal", now=NOW, today=TODAY,
        note="Hot lead <!channel>\nCall before Friday",
    )  # fmt: skip
    assert message.text == f"<@{ACTOR}> assigned you *Acme Corp* — $12,500, Proposal"
    headline = message.blocks[0]["text"]["text"]
    assert headline == f"{message.text}\n\n> Hot lead &lt;!channel&gt;\n> Call before Friday"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tricky)
def test_a_note_in_the_assignment_dm_is_only_ever_quoted_text(note: str) -> None:
    message = build_new_owner_message(
        lead_view(), actor_id=ACTOR, stage_name="Proposal", now=NOW, today=TODAY, note=note
    )
    quoted = message.blocks[0]["text"]["text"].partition("\n\n")[2]
    rest = re.sub(r"^>( |$)", "", quoted, flags=re.MULTILINE)
    assert "<" not in rest and ">" not in rest, quoted


def test_a_note_in_the_history_shows_its_text_on_one_line_and_who_left_it() -> None:
    reply = build_lead_detail_blocks(
        detail_of(lead_view(), note="Met at\nthe expo"), stage_names=STAGES, now=NOW,
        today=TODAY, zone=ZONE,
    )  # fmt: skip
    history = next(block for block in reply.blocks if block.get("block_id") == "history_1")
    assert f"note: Met at the expo by <@{ACTOR}>" in history["text"]["text"]


@pytest.mark.parametrize(
    "fields",
    [
        {"v": "NaN"},
        {"v": "-5"},
        {"v": "1e30"},
        {"v": "12.345"},
        {"c": "x" * 5000},
        {"c": "Acme\u202eevil"},
        {"u": "<!channel>"},
        {"f": "0001-01-01"},
        {"f": "9999-12-31"},
        {"e": "not an email"},
        {"n": "Ann\nLee"},
    ],
)
def test_a_forged_create_anyway_value_is_refused_like_typed_input(fields: dict) -> None:
    value = json.dumps({"c": "Acme", "o": "UREP00002", "s": "proposal", "a": 1, **fields})
    with pytest.raises(StaleControl):
        read_pending_lead_value(value, stage_keys=STAGES)


def test_a_button_built_as_a_dict_is_what_slack_sdks_model_sends() -> None:
    from slack_sdk.models.blocks import ButtonElement

    from bot.slack.kit import button_dict

    for label in (None, "Next step for #7 Acme: tomorrow"):
        model = ButtonElement(
            text="Tomorrow", action_id="a", value="7:t", accessibility_label=label
        )
        assert button_dict("Tomorrow", action_id="a", value="7:t", accessibility_label=label) == (
            model.to_dict()
        )


@pytest.mark.parametrize(
    "company", [None, "Acme", "Acme <&> Co", "A" * 90, "Ünïcode  spaced\tname"]
)
def test_work_buttons_are_what_slack_sdks_models_send_key_for_key(company) -> None:
    from bot.slack.kit import to_dicts
    from bot.slack.messages.row_buttons import work_buttons
    from tests.jobs.factories import STAGES
    from tests.jobs.test_lead_rows import plain_elements

    expected = json.dumps(
        to_dicts(plain_elements(42, "proposal", company, STAGES)), ensure_ascii=False
    )
    assert json.dumps(work_buttons(42, "proposal", STAGES, company), ensure_ascii=False) == expected


def test_one_list_s_buttons_are_each_lead_s_own_whatever_stage_came_before() -> None:
    """The move-stage choices are kept per stage for a whole list: a lead gets its own stage's,
    never those of the lead before it, and a list's rows are what each alone would get."""
    from bot.slack.messages.row_buttons import WorkButtons, work_buttons
    from tests.jobs.factories import STAGES

    shared = WorkButtons(STAGES)
    leads = [(7, STAGES[0].key), (8, STAGES[-1].key), (9, STAGES[0].key), (10, STAGES[1].key)]
    for lead_id, stage in leads:
        built = shared(lead_id, stage, "Acme <&> Co")
        assert built == work_buttons(lead_id, stage, STAGES, "Acme <&> Co")
        move = next(e for e in built if e["action_id"] == str(Action.MOVE_STAGE))
        assert [option["value"] for option in move["options"]] == [
            f"{lead_id}:{other.key}" for other in STAGES if other.key != stage
        ]


def test_a_template_macro_takes_exactly_its_own_arguments() -> None:
    """A macro is called by position, so its caller names the arguments it passes, in order: any
    other list fails when the macro is loaded, not as a line that says the wrong thing."""
    from bot.slack.messages.rows import _LINE_ARGUMENTS
    from bot.slack.render import macro

    assert macro("job_lead_line.md.j2", "lead_line", _LINE_ARGUMENTS)
    with pytest.raises(TypeError, match="lead_line takes"):
        macro("job_lead_line.md.j2", "lead_line", ("lead",))
    swapped = (_LINE_ARGUMENTS[1], _LINE_ARGUMENTS[0], *_LINE_ARGUMENTS[2:])
    with pytest.raises(TypeError, match="lead_line takes"):
        macro("job_lead_line.md.j2", "lead_line", swapped)
