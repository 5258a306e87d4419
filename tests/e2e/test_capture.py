"""Capture, end to end through signed requests: nothing is created by accident, references read
like people write them, edit and reopen, search, the roster, and the controls a rep owns."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from bot.models import Lead, LeadEvent, Rep, StageChange, Touchpoint
from bot.slack.ids import Action, View
from jobs import refresh_roster
from tests import support
from tests.domain.test_lead_subcommands import MISSPELT
from tests.e2e.leadkit import buttons, click, count_leads, lead, reply, seed, shown
from tests.e2e.live import MANAGER, OTHER_REP, REP, Live, running_app
from tests.e2e.modalkit import inputs, last_opened, metadata, submit
from tests.e2e.test_home import open_home
from tests.e2e.test_home_actions import home_menu
from tests.slackkit import block_actions_payload


def count(live: Live, model) -> int:
    with live.deps.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def events(live: Live, lead_id: int) -> list[LeadEvent]:
    with live.deps.session_factory() as session:
        rows = list(
            session.scalars(
                select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)
            )
        )
        session.expunge_all()
        return rows


def one_line(live: Live, before: int) -> str:
    """The one private reply since `before`, checked to be a single line."""
    replies = live.slack.responses()[before:]
    assert len(replies) == 1, [r.args.get("text") for r in replies]
    text = replies[0].args["text"]
    assert "\n" not in text, text
    return text


# ---- nothing changes by accident -------------------------------------------------------------


def test_every_subcommand_misspelt_creates_no_lead_and_says_did_you_mean(live: Live) -> None:
    for name, slips in MISSPELT.items():
        for slip in slips:
            for text in (slip, f"{slip} 1", f"{slip} #1 value:$9k", f"{slip.title()} Acme $5k"):
                before = len(live.slack.responses())
                assert live.command("/lead", text).status == 200
                said = one_line(live, before)
                assert said.startswith(f"Did you mean /lead {name}?"), (text, said)
    assert count_leads(live) == 0 and count(live, Rep) <= 1


def test_touch_misspelt_or_with_a_lead_subcommand_logs_and_creates_nothing(live: Live) -> None:
    acme = seed(live, "Acme")
    slips = [slip for slips in MISSPELT.values() for slip in slips] + list(MISSPELT)
    for text in slips:
        before = len(live.slack.responses())
        assert live.command("/touch", text).status == 200
        if text == "help":
            assert "/touch" in reply(live)["text"]
            continue
        said = one_line(live, before)
        assert "Nothing" in said or "No open lead" in said or "Did you mean" in said, (text, said)
    assert count_leads(live) == 1 and count(live, Touchpoint) == 0
    assert lead(live, acme).touch_count == 0


def test_touch_help_misspelt_says_did_you_mean_and_logs_nothing(live: Live) -> None:
    acme = seed(live, "Acme")
    for text in ("hepl", "hlep me", "halp"):
        before = len(live.slack.responses())
        live.command("/touch", text)
        said = one_line(live, before)
        assert said.startswith("Did you mean `/touch help`? Nothing was logged."), said
    assert count(live, Touchpoint) == 0 and lead(live, acme).touch_count == 0
    live.command("/touch", "hepl call")  # a lead whose name is one slip from help is still found
    seed(live, "Hepl Labs")
    live.command("/touch", "hepl call")
    assert count(live, Touchpoint) == 1


@pytest.mark.parametrize("text", ["help", "HELP", "help me", "?", "--help"])
def test_help_is_reserved_for_touch(live: Live, text: str) -> None:
    seed(live, "Help Scout")
    live.command("/touch", text)
    assert count(live, Touchpoint) == 0
    assert "/touch" in shown(reply(live))


def test_a_bare_name_asks_first_and_its_button_creates_once(live: Live) -> None:
    live.command("/lead", "Harbor Freight")
    assert count_leads(live) == 0
    asked = reply(live)
    assert "Nothing was created yet" in asked["text"]
    [button] = buttons(asked, Action.CREATE_CONFIRMED)
    for _ in range(2):
        click(live, button)
    assert count_leads(live) == 1
    assert "Already created" in reply(live)["text"]
    with live.deps.session_factory() as session:
        assert session.scalar(select(Lead.company)) == "Harbor Freight"


def test_create_it_after_did_you_mean_uses_the_text_as_written(live: Live) -> None:
    live.command("/lead", "Lsit Labs $5k")
    assert count_leads(live) == 0
    [button] = buttons(reply(live), Action.CREATE_CONFIRMED)
    click(live, button)
    [made] = [lead(live, 1)]
    assert (made.company, made.value) == ("Lsit Labs", 5000)


def test_a_hostile_or_huge_name_is_asked_about_safely(live: Live) -> None:
    live.command("/lead", "<!channel> Corp")
    asked = reply(live)
    assert "<!channel>" not in shown(asked) and "“@channel Corp”" in asked["text"]
    live.command("/lead", "Acme " + "x" * 3000)
    assert count_leads(live) == 0
    assert len(reply(live)["text"]) < 400


# ---- references ------------------------------------------------------------------------------


def test_touch_takes_the_longest_start_that_names_one_lead(live: Live) -> None:
    harbor = seed(live, "Blue Harbor Logistics")
    seed(live, "Blue Sky Media")
    live.command("/touch", "blue harbor call First call")
    with live.deps.session_factory() as session:
        touch = session.scalars(select(Touchpoint)).one()
    assert (touch.lead_id, touch.kind, touch.note) == (harbor, "call", "First call")


def test_touch_asks_when_two_starts_fit_and_a_pick_logs_that_reading(live: Live) -> None:
    word = seed(live, "Word")
    word_co = seed(live, "Word Co Ltd")
    live.command("/touch", "word co call First call")
    asked = reply(live)
    assert count(live, Touchpoint) == 0 and "Nothing was logged yet" in asked["text"]
    picks = {json.loads(b["value"])["l"]: b for b in buttons(asked, Action.TOUCH_PICK)}
    assert set(picks) == {word, word_co}
    click(live, picks[word_co])
    with live.deps.session_factory() as session:
        touch = session.scalars(select(Touchpoint)).one()
    assert (touch.lead_id, touch.kind, touch.note) == (word_co, "call", "First call")


def test_lost_reads_a_name_of_several_words_before_its_reason(live: Live) -> None:
    harbor = seed(live, "Blue Harbor Logistics")
    seed(live, "Blue Sky Media")
    live.command("/lead", "lost blue harbor competitor went with Initech")
    closed = lead(live, harbor)
    assert (closed.status, closed.lost_category, closed.lost_reason) == (
        "lost", "competitor", "went with Initech",
    )  # fmt: skip


# ---- edit and reopen -------------------------------------------------------------------------


def test_edit_changes_fields_and_the_history_says_who_and_what(live: Live) -> None:
    acme = seed(live, "Acme", contact="Ann")
    live.command(
        "/lead",
        f"edit #{acme} value:$9k contact:<!channel> Lee email:ann@acme.test close:2026-12-24",
    )
    edited = lead(live, acme)
    assert (edited.value, edited.contact, edited.email, edited.expected_close) == (
        9000, "@channel Lee", "ann@acme.test", date(2026, 12, 24),
    )  # fmt: skip
    assert "Saved the changes" in reply(live)["text"]
    assert "<!channel>" not in shown(reply(live))
    [event] = [e for e in events(live, acme) if e.kind == "edited"]
    assert event.actor_id == REP and event.at == live.deps.clock.now()
    assert event.detail["changes"]["contact"] == {"from": "Ann", "to": "@channel Lee"}
    live.command("/lead", f"edit #{acme} phone:")  # nothing to clear: nothing recorded
    assert len([e for e in events(live, acme) if e.kind == "edited"]) == 1


def test_only_the_owner_or_a_manager_may_edit(live: Live) -> None:
    acme = seed(live, "Acme")
    before = len(live.slack.responses())
    live.command("/lead", f"edit #{acme} value:$1", user_id=OTHER_REP)
    assert "or a manager can" in one_line(live, before)
    assert lead(live, acme).value == 1000
    live.command("/lead", f"edit #{acme} value:$2k", user_id=MANAGER)
    assert lead(live, acme).value == 2000


def test_the_edit_lead_form_from_a_card_saves_and_records(live: Live) -> None:
    acme = seed(live, "Acme")
    live.command("/lead", f"show #{acme}")
    [edit] = buttons(reply(live), Action.EDIT_LEAD)
    assert edit["accessibility_label"].endswith("#1 Acme")
    click(live, edit)
    view = last_opened(live)
    assert view["callback_id"] == View.EDIT_LEAD and metadata(view)["l"] == acme
    fields = inputs(view)
    assert fields["company"]["element"]["initial_value"] == "Acme"
    submit(live, view, user_id=REP, company="Acme Holdings", contact="Bo")
    edited = lead(live, acme)
    assert (edited.company, edited.contact) == ("Acme Holdings", "Bo")
    assert [e.kind for e in events(live, acme)][-1] == "edited"


def test_reopen_brings_a_closed_lead_back_to_its_stage_once(live: Live) -> None:
    acme = seed(live, "Acme", stage="proposal")
    live.command("/lead", f"won #{acme}")
    card = reply(live)
    [again] = buttons(card, Action.REOPEN)
    live.command("/lead", "reopen acme")
    opened = lead(live, acme)
    assert (opened.status, opened.stage, opened.closed_at) == ("open", "proposal", None)
    assert "back in Proposal" in reply(live)["text"]
    click(live, again)  # the Reopen button on the old card: already open, nothing more
    assert [e.kind for e in events(live, acme)].count("reopened") == 1
    with live.deps.session_factory() as session:
        moves = list(session.scalars(select(StageChange.to_stage).order_by(StageChange.id)))
    assert moves[-2:] == ["won", "proposal"]


def test_two_reopen_clicks_at_once_reopen_once(live: Live) -> None:
    acme = seed(live, "Acme")
    live.command("/lead", f"lost #{acme} timing")
    [button] = buttons(reply(live), Action.REOPEN)
    payloads = [
        block_actions_payload(
            user_id=REP,
            action_id=Action.REOPEN,
            value=button["value"],
            channel_id="C0001",
            response_url=live.slack.new_response_url(channel_id="C0001", user_id=REP),
            trigger_id=live.slack.issue_trigger_id(),
        )  # fmt: skip
        for _ in range(2)
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = [r.status for r in pool.map(live.sender.interact, payloads)]
    live.settle()
    assert statuses == [200, 200]
    assert [e.kind for e in events(live, acme)].count("reopened") == 1
    assert lead(live, acme).status == "open"


def test_another_rep_may_not_reopen_and_messages_point_at_reopen(live: Live) -> None:
    acme = seed(live, "Acme")
    live.command("/lead", f"archive #{acme}")
    before = len(live.slack.responses())
    live.command("/lead", f"reopen #{acme}", user_id=OTHER_REP)
    assert "or a manager can" in one_line(live, before)
    before = len(live.slack.responses())
    live.command("/lead", f"move #{acme} proposal")
    assert "/lead reopen" in one_line(live, before)
    assert lead(live, acme).status == "archived"


# ---- search ----------------------------------------------------------------------------------


def test_find_folds_case_and_accents_across_fields_and_notes_and_shows_only_visible(
    live: Live,
) -> None:
    mine = seed(live, "Zürich Fabrik", contact="Renée Müller", email="rm@zf.example")
    noted = seed(live, "Globex")
    theirs = seed(live, "Muller Brothers", owner=OTHER_REP)
    live.command("/touch", f"#{noted} call Spoke to MÜLLER about pricing")
    live.command("/lead", "find muller")
    found = reply(live)
    rows = [b["block_id"] for b in found["blocks"] if b["block_id"].startswith("find_lead_")]
    assert rows == [f"find_lead_{noted}", f"find_lead_{mine}"], "newest activity first"
    assert f"find_lead_{theirs}" not in rows
    live.command("/lead", "find ZURICH")
    assert [b["block_id"] for b in reply(live)["blocks"]][1:] == [f"find_lead_{mine}"]
    live.command("/lead", "find muller", user_id=MANAGER)
    assert len([b for b in reply(live)["blocks"] if b["block_id"].startswith("find_lead_")]) == 3
    live.command("/lead", "find %_")
    assert "Nothing of yours matches" in reply(live)["text"]


# ---- my settings -----------------------------------------------------------------------------


def test_my_settings_from_the_app_home_are_stored_and_shown(live: Live) -> None:
    home = open_home(live)
    [button] = buttons(home, Action.MY_SETTINGS)
    click(live, button, container="view", view=home)
    view = last_opened(live)
    assert view["callback_id"] == View.MY_SETTINGS
    submit(
        live, view, user_id=REP, plan_time="07:30", working_days=["sun", "mon", "tue"],
        away_until="2026-12-10", delegate=OTHER_REP, muted=["stale-nudges"],
    )  # fmt: skip
    with live.deps.session_factory() as session:
        rep = session.get(Rep, REP)
        assert rep is not None
        stored = (rep.own_plan_time, rep.own_working_days, rep.away_until, rep.away_delegate)
        assert stored == ("07:30", "mon,tue,sun", date(2026, 12, 10), OTHER_REP)
        assert rep.muted == "stale-nudges"
    line = shown(live.slack.home_view(REP))
    assert "Morning plan at 07:30" in line and "away, back" in line
    assert "muted: stale-deal nudges" in line


def test_my_settings_mistakes_come_back_on_the_field(live: Live) -> None:
    home = open_home(live)
    [button] = buttons(home, Action.MY_SETTINGS)
    click(live, button, container="view", view=home)
    answer = submit(live, last_opened(live), user_id=REP, working_days=[])
    assert "working_days" in answer.body


def test_the_reps_user_group_is_the_roster_and_is_kept_current(
    engine: Engine, db_url: str, clock: support.TestClock, tmp_path: Path
) -> None:
    path = tmp_path / "pipeline.toml"
    path.write_text(f'[team]\nreps_usergroup = "S0SALES01"\nmanagers = ["{MANAGER}"]\n')
    with running_app(engine, db_url, clock, web_client=True, PIPEBOT_CONFIG=str(path)) as live:
        live.slack.set_usergroup("S0SALES01", [REP])
        refresh_roster.run(live.deps, clock.now())
        live.command("/lead", "Acme $5k")
        before = len(live.slack.responses())
        live.command("/lead", "Globex $5k", user_id=OTHER_REP)
        said = one_line(live, before)
        assert "to the reps' user group in Slack" in said and f"<@{MANAGER}>" in said
        live.slack.set_usergroup("S0SALES01", [REP, OTHER_REP])
        refresh_roster.run(live.deps, clock.now())
        live.command("/lead", "Globex $5k", user_id=OTHER_REP)
        assert count_leads(live) == 2
        live.slack.set_usergroup("S0SALES01", [OTHER_REP])  # REP left the team's group
        refresh_roster.run(live.deps, clock.now())
        before = len(live.slack.responses())
        live.command("/lead", "Initech $5k")
        assert "not on its roster" in one_line(live, before)
        assert count_leads(live) == 2


# ---- details ---------------------------------------------------------------------------------


def test_the_reply_and_the_card_show_the_close_date_and_the_verdict(live: Live) -> None:
    live.command("/lead", "Hooli $5k close:2026-12-24")
    assert "expected to close" in shown(reply(live)) and "24 Dec" in shown(reply(live))
    live.command("/lead", "qualify #1")
    submit(
        live, last_opened(live), user_id=REP,
        q_need="yes", q_fit="yes", q_position="partly", q_worth="no",
    )  # fmt: skip
    live.command("/lead", "show #1")
    card = shown(reply(live))
    assert "qualification 63/100, possible fit" in card, card
    assert "expected to close Thu 24 Dec" in card


def test_buttons_repeated_per_lead_name_their_lead_for_screen_readers(live: Live) -> None:
    live.command("/lead", "Acme Corp $5k")
    labels = [
        b.get("accessibility_label")
        for block in reply(live)["blocks"]
        if block["type"] == "actions"
        for b in block["elements"]
        if b["type"] == "button"
    ]
    assert labels and all(label and "#1 Acme Corp" in label for label in labels), labels
    assert "Log touch on #1 Acme Corp" in labels


@pytest.mark.parametrize(
    ("command", "text"),
    [
        ("/lead", "find " + "x" * 5000),
        ("/lead", "edit #1 contact:" + "x" * 5000),
        ("/lead", "edit #1 value:$9k value:$10k"),
        ("/lead", "edit #1 owner:"),
        ("/lead", "edit #1 colour:red"),
        ("/lead", "reopen #1"),
        ("/lead", "edti #1 company:<!everyone>"),
        ("/touch", "acme " + "x" * 5000),
    ],
)
def test_long_or_wrong_input_gets_one_line_and_changes_nothing(
    live: Live, command: str, text: str
) -> None:
    acme = seed(live, "Acme", contact="Ann")
    before = len(live.slack.responses())
    live.command(command, text)
    said = one_line(live, before)
    assert len(said) < 500 and "<!everyone>" not in said
    unchanged = lead(live, acme)
    assert (unchanged.contact, unchanged.value, unchanged.status) == ("Ann", 1000, "open")
    assert [e.kind for e in events(live, acme)] == [] and count(live, Touchpoint) == 0


def test_edit_lead_from_the_home_menu_opens_the_form(live: Live) -> None:
    acme = seed(live, "Acme")
    open_home(live)
    home_menu(live, acme, "edit")
    view = last_opened(live)
    assert view["callback_id"] == View.EDIT_LEAD and metadata(view)["l"] == acme
    before = len(live.slack.opened_views())
    open_home(live, OTHER_REP)
    home_menu(live, acme, "edit", user_id=OTHER_REP)  # forged, not theirs: no form
    assert len(live.slack.opened_views()) == before


def test_a_touch_on_a_closed_lead_points_at_reopen(live: Live) -> None:
    acme = seed(live, "Acme")
    live.command("/lead", f"won #{acme}")
    before = len(live.slack.responses())
    live.command("/touch", f"#{acme} call after the win")
    assert "/lead reopen" in one_line(live, before)
    assert count(live, Touchpoint) == 0


def test_a_quoted_name_that_starts_with_help_is_a_lead(live: Live) -> None:
    scout = seed(live, "Help Scout")
    live.command("/touch", '"Help Scout" call First call')
    with live.deps.session_factory() as session:
        touch = session.scalars(select(Touchpoint)).one()
    assert (touch.lead_id, touch.kind, touch.note) == (scout, "call", "First call")
