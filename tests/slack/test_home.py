"""The App Home builders and the outcome lines: pure, so checked here without Slack or a database."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import Stage, load_pipeline
from bot.domain.rhythm import Money
from bot.services.board import Board, BoardLead, RepSummary, StageColumn
from bot.slack.home import (
    Scope,
    allocate_rows,
    build_home_view,
    follow_up_state,
    lead_text,
)
from bot.slack.ids import Action
from bot.slack.kit import VIEW_BLOCKS_MAX
from bot.slack.messages import outcomes
from tests.fakeslack.blockkit import message_problem, view_problem
from tests.hostile import tricky_text

STAGES = load_pipeline(None).stages
NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
OWNER = "UREP00001"


def board_lead(lead_id: int, company: str = "Acme", **changes) -> BoardLead:
    fields = {
        "id": lead_id,
        "company": company,
        "owner_id": OWNER,
        "stage": "prospecting",
        "value": Decimal(1000),
        "currency": "USD",
        "stage_changed_at": NOW - timedelta(days=5),
        "last_touch_at": NOW - timedelta(days=2),
        "next_follow_up": TODAY + timedelta(days=1),
        "snoozed_until": None,
        "qualification_score": None,
    }
    fields.update(changes)
    return BoardLead(**fields)


def column(stage: Stage, leads: list[BoardLead], count: int | None = None) -> StageColumn:
    total = Money.total((lead.currency, lead.value or Decimal(0)) for lead in leads)
    return StageColumn(
        key=stage.key,
        name=stage.name,
        count=len(leads) if count is None else count,
        overdue=0,
        value=total,
        weighted=total,
        leads=tuple(leads),
    )


def view_of(board: Board, *, scope: Scope = Scope.MINE, stages=STAGES, manager: bool = False):
    view = build_home_view(
        board, scope=scope, is_manager=manager, stages=stages, now=NOW, today=TODAY
    )
    assert view_problem(view, kind="home") is None, view_problem(view, kind="home")
    return view


def ids(view: dict, prefix: str) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if str(b.get("block_id")).startswith(prefix)]


def test_a_lead_row_shows_value_age_last_touch_and_follow_up() -> None:
    text = lead_text(board_lead(7, "Acme & Sons"), now=NOW, today=TODAY, show_owner=False)
    assert text == (
        "*#7 Acme &amp; Sons* · $1k\n"
        "5 days in stage · last touch 2 days ago · next follow-up tomorrow"
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"next_follow_up": TODAY - timedelta(days=3)},
            ":warning: *follow-up overdue since Fri 27 Nov*",
        ),
        ({"next_follow_up": TODAY}, "*follow-up due today*"),
        ({"next_follow_up": None}, "no follow-up set"),
        ({"last_touch_at": None}, "last touch never"),
        ({"stage_changed_at": NOW}, "moved here today"),
        ({"snoozed_until": TODAY + timedelta(days=3)}, ":zzz: snoozed until Thu 3 Dec"),
        ({"qualification_score": 72}, "qualified 72/100"),
        ({"qualification_score": 72, "verdict": "strong fit"}, "qualified 72/100 (strong fit)"),
        ({"value": None}, "* · —"),
        ({"value": Decimal(5000), "currency": "EUR"}, "€5k"),
    ],
)
def test_lead_row_details(changes: dict, expected: str) -> None:
    assert expected in lead_text(board_lead(1, **changes), now=NOW, today=TODAY, show_owner=False)


def test_row_ages_are_the_viewers_calendar_days() -> None:
    new_york = ZoneInfo("America/New_York")
    # Sunday 23:30 in New York, read on Monday at 09:00 there: yesterday, though under 10 hours.
    lead = board_lead(
        1, last_touch_at=datetime(2026, 11, 30, 4, 30, tzinfo=UTC), stage_changed_at=NOW
    )
    text = lead_text(lead, now=NOW, today=TODAY, show_owner=False, zone=new_york)
    assert "last touch yesterday" in text and "moved here today" in text
    tokyo = lead_text(lead, now=NOW, today=TODAY, show_owner=False, zone=ZoneInfo("Asia/Tokyo"))
    assert "last touch today" in tokyo


def test_team_rows_name_the_owner() -> None:
    assert f"· <@{OWNER}>" in lead_text(board_lead(1), now=NOW, today=TODAY, show_owner=True)


def test_follow_up_state() -> None:
    assert (
        follow_up_state(board_lead(1, next_follow_up=TODAY - timedelta(days=1)), TODAY) == "overdue"
    )
    assert follow_up_state(board_lead(1, next_follow_up=TODAY), TODAY) == "today"
    assert follow_up_state(board_lead(1, next_follow_up=None), TODAY) == ""


def test_the_board_groups_by_stage_with_an_overflow_per_lead() -> None:
    board = Board(
        columns=(
            column(STAGES[0], [board_lead(1), board_lead(2)]),
            column(STAGES[3], [board_lead(3, stage="proposal")]),
        )
    )
    view = view_of(board)
    assert view["type"] == "home" and view["private_metadata"] == "mine"
    assert ids(view, "home_stage_") == [
        "home_stage_prospecting",
        "home_stage_actions_prospecting",
        "home_stage_proposal",
        "home_stage_actions_proposal",
    ]
    assert ids(view, "home_lead_") == ["home_lead_1", "home_lead_2", "home_lead_3"]
    for row in (b for b in view["blocks"] if str(b.get("block_id")).startswith("home_lead_")):
        menu = row["accessory"]
        assert menu["action_id"] == Action.OVERFLOW and len(menu["options"]) <= 5
    actions = next(b for b in view["blocks"] if b.get("block_id") == "home_stage_actions_proposal")
    move, snooze = actions["elements"]
    assert [o["value"] for o in move["option_groups"][0]["options"]] == [
        "3:prospecting", "3:qualification", "3:connecting", "3:closing",
    ]  # fmt: skip
    assert [o["value"] for o in snooze["option_groups"][0]["options"]] == ["3:1d", "3:3d", "3:1w"]
    assert not ids(view, "home_scope") and not ids(view, "home_more")


def test_a_single_stage_pipeline_has_no_move_select() -> None:
    only = (STAGES[0],)
    view = view_of(Board(columns=(column(STAGES[0], [board_lead(1)]),)), stages=only)
    actions = next(
        b for b in view["blocks"] if b.get("block_id") == "home_stage_actions_prospecting"
    )
    assert [e["action_id"] for e in actions["elements"]] == [Action.SNOOZE]


def test_three_hundred_leads_are_summarised_within_a_hundred_blocks() -> None:
    leads = [board_lead(n) for n in range(1, 301)]
    view = view_of(Board(columns=(column(STAGES[0], leads[:100], count=300),)))
    assert len(view["blocks"]) == VIEW_BLOCKS_MAX
    shown = len(ids(view, "home_lead_"))
    more = next(b for b in view["blocks"] if b.get("block_id") == "home_more_prospecting")
    assert more["elements"][0]["text"] == (
        f"…and {300 - shown} more in Prospecting — use `/lead list mine prospecting`"
    )


def test_small_stages_are_shown_whole_and_big_ones_share_the_rest() -> None:
    big = [board_lead(n) for n in range(1, 101)]
    small = [board_lead(n, stage="closing") for n in range(101, 104)]
    view = view_of(
        Board(columns=(column(STAGES[0], big, count=250), column(STAGES[4], small))),
        scope=Scope.TEAM,
        manager=True,
    )
    assert len(view["blocks"]) <= VIEW_BLOCKS_MAX
    rows = ids(view, "home_lead_")
    assert {"home_lead_101", "home_lead_102", "home_lead_103"} <= set(rows)
    assert ids(view, "home_more_") == ["home_more_prospecting"]
    more = next(b for b in view["blocks"] if b.get("block_id") == "home_more_prospecting")
    assert "use `/lead list all prospecting`" in more["elements"][0]["text"]


def test_many_stages_still_fit_in_blocks_and_bytes() -> None:
    stages = tuple(
        Stage(
            key=f"s{n}", name=f"Stage {n}", probability=Decimal("0.1"), stale_days=5, stuck_days=9
        )
        for n in range(60)
    )
    columns = tuple(
        column(stage, [board_lead(n * 100 + i, "x" * 200, stage=stage.key) for i in range(10)])
        for n, stage in enumerate(stages)
    )
    view = view_of(Board(columns=columns), stages=stages)
    assert len(view["blocks"]) <= VIEW_BLOCKS_MAX
    assert len(json.dumps(view).encode()) < 250_000
    assert ids(view, "home_more_stages")


@pytest.mark.parametrize(
    ("available", "totals", "budget", "expected"),
    [
        ([3, 2], [3, 2], 100, [3, 2]),
        ([100], [300], 20, [17]),
        ([100, 3], [300, 3], 20, [12, 3]),
        ([50, 50], [50, 50], 24, [9, 9]),
        ([5, 5], [5, 5], 3, [0, 0]),
    ],
)
def test_allocate_rows(available, totals, budget, expected) -> None:
    shown = allocate_rows(available, totals, budget)
    assert shown == expected
    cost = sum(
        1 + rows + (1 if rows else 0) + (1 if rows < total else 0)
        for rows, total in zip(shown, totals, strict=True)
    )
    assert cost <= budget or shown == [0] * len(shown)


def test_managers_get_the_switch_and_the_team_gets_rep_rows() -> None:
    board = Board(
        columns=(column(STAGES[0], [board_lead(1)]),),
        reps=tuple(
            RepSummary(f"UREP{n:05d}", 3, 1, Money.total([("USD", Decimal(3000))]), Money())
            for n in range(200)
        ),
    )
    mine = view_of(board, manager=True)
    switch = next(b for b in mine["blocks"] if b.get("block_id") == "home_scope")
    assert [e.get("style") for e in switch["elements"]] == ["primary", None]
    assert not ids(mine, "home_reps")
    team = view_of(board, scope=Scope.TEAM, manager=True)
    reps = next(b for b in team["blocks"] if b["block_id"] == "home_reps")["text"]["text"]
    assert reps.startswith("*By rep*\n<@UREP00000> · 3 open · $3k · — weighted · 1 overdue")
    assert len(reps) <= 3000 and reps.rstrip().endswith("more reps")
    assert team["private_metadata"] == "team"


def test_an_empty_board() -> None:
    assert "You have no open leads" in str(view_of(Board(columns=()))["blocks"])
    team = view_of(Board(columns=()), scope=Scope.TEAM, manager=True)
    assert "Nobody on the team has an open lead" in str(team["blocks"])


def test_scope_is_team_only_for_managers() -> None:
    assert Scope.parse("team", is_manager=True) is Scope.TEAM
    assert Scope.parse("team", is_manager=False) is Scope.MINE
    assert Scope.parse(None, is_manager=True) is Scope.MINE
    assert Scope.parse("anything", is_manager=True) is Scope.MINE


tricky_company = tricky_text(piece_size=30, min_size=1, max_size=10)


@settings(max_examples=150, deadline=None)
@given(companies=st.lists(tricky_company, min_size=1, max_size=4), team=st.booleans())
def test_company_names_never_become_markup_in_the_home_view(
    companies: list[str], team: bool
) -> None:
    leads = [board_lead(n, company[:200]) for n, company in enumerate(companies, start=1)]
    board = Board(
        columns=(column(STAGES[0], leads),),
        reps=(RepSummary(OWNER, len(leads), 0, Money(), Money()),),
    )
    view = view_of(board, scope=Scope.TEAM if team else Scope.MINE, manager=team)
    rendered = json.dumps(view, ensure_ascii=False).replace(f"<@{OWNER}>", "")
    for marker in ("<!", "<@", "<#", "<http", "<mailto"):
        assert marker not in rendered
    assert "<" not in rendered and ">" not in rendered


def test_the_acted_on_actions_block_becomes_the_outcome_line() -> None:
    blocks = [
        {"type": "section", "block_id": "plan_lead_1", "text": {"type": "mrkdwn", "text": "*#1*"}},
        {"type": "actions", "block_id": "plan_actions_1", "elements": [{"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x"}}]},
        {"type": "section", "block_id": "plan_lead_2", "text": {"type": "mrkdwn", "text": "*#2*"}},
    ]  # fmt: skip
    result = outcomes.build_acted_message_blocks(blocks, block_id="plan_actions_1", line="done")
    assert result[0] == blocks[0] and result[2] == blocks[2]
    assert result[1] == {
        "type": "context",
        "block_id": "plan_actions_1",
        "elements": [{"type": "mrkdwn", "text": "done"}],
    }
    assert message_problem({"text": "x", "blocks": result}) is None


def test_a_section_loses_its_accessory_and_gains_the_line() -> None:
    section = {
        "type": "section",
        "block_id": "row",
        "text": {"type": "mrkdwn", "text": "*#1 Acme*"},
        "accessory": {"type": "overflow", "action_id": "o", "options": []},
    }
    [result] = outcomes.build_acted_message_blocks([section], block_id="row", line="done")
    assert result == {
        "type": "section",
        "block_id": "row",
        "text": {"type": "mrkdwn", "text": "*#1 Acme*\ndone"},
    }


def test_an_unknown_block_gets_the_line_at_the_end_within_fifty_blocks() -> None:
    blocks = [{"type": "divider", "block_id": f"d{n}"} for n in range(50)]
    result = outcomes.build_acted_message_blocks(blocks, block_id="gone", line="done")
    assert len(result) == 50 and result[-1]["elements"][0]["text"] == "done"
    assert message_problem({"text": "x", "blocks": result}) is None


def test_outcome_lines_escape_what_users_typed() -> None:
    line = outcomes.lost_line(reason="<!channel> too pricey", user_id=OWNER)
    assert "<!channel>" not in line and "&lt;!channel&gt; too pricey" in line
    assert outcomes.moved_line(stage_name="R&D", user_id=OWNER).startswith(
        ":white_check_mark: Moved to *R&amp;D*"
    )
    assert outcomes.snoozed_line(until=date(2027, 1, 4), user_id=OWNER, today=TODAY) == (
        f":white_check_mark: Snoozed until Mon 4 Jan 2027 by <@{OWNER}>"
    )


def test_a_logged_touch_reads_as_what_was_logged_and_by_whom() -> None:
    assert outcomes.logged_line(kind="call", user_id=OWNER) == (
        f":white_check_mark: Logged a call by <@{OWNER}>"
    )
    assert "Logged an email by" in outcomes.logged_line(kind="email", user_id=OWNER)
    assert "Logged a touch by" in outcomes.logged_line(kind="other", user_id=OWNER)


def test_an_acted_message_keeps_its_text_and_falls_back_to_the_line_alone() -> None:
    row = {"type": "actions", "block_id": "row", "elements": []}
    text, blocks = outcomes.build_acted_message(
        {"text": "Deals going cold", "blocks": [row]}, block_id="row", line="done"
    )
    assert text == "Deals going cold\ndone" and blocks[0]["type"] == "context"
    assert outcomes.build_acted_message({}, block_id="row", line="done") == (
        "done",
        outcomes.build_outcome_blocks("done"),
    )
