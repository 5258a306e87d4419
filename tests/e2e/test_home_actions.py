"""Lead controls on App Home end to end: the overflow menu, the stage select, a manager's team board."""

from __future__ import annotations

from datetime import date

import pytest

from bot.slack.ids import Action, View
from tests.e2e.live import MANAGER, OTHER_REP, REP, Live
from tests.e2e.modalkit import inputs, last_opened, metadata, submit
from tests.e2e.test_actions import lead_row
from tests.e2e.test_home import lead_sections, open_home, seed_lead, texts
from tests.slackkit import block_actions_payload


def home_click(
    live: Live, user_id: str, *, action_id: str, value: str, block_id: str, action_type: str
):
    view = live.slack.home_view(user_id)
    payload = block_actions_payload(
        user_id=user_id, action_id=action_id, value=value, block_id=block_id,
        container="view", view=view, action_type=action_type,
        trigger_id=live.slack.issue_trigger_id(),
    )  # fmt: skip
    return live.interact(payload)


def home_menu(live: Live, lead_id: int, option: str, user_id: str = REP):
    """Pick `option` (`<verb>[:<argument>]`) in a lead's overflow menu on the user's Home tab."""
    return home_click(
        live, user_id, action_id=Action.OVERFLOW, value=f"{lead_id}:{option}",
        block_id=f"home_lead_{lead_id}", action_type="overflow",
    )  # fmt: skip


def test_overflow_on_home_snoozes_and_republishes(live: Live) -> None:
    acme = seed_lead(live, "Acme", next_follow_up=date(2026, 11, 27))
    open_home(live)
    home_menu(live, acme, "snooze:1d")
    lead = lead_row(live, acme)
    # The snooze hides the lead from nudges until tomorrow; the missed follow-up stays what it is.
    assert (lead.snoozed_until, lead.next_follow_up) == (date(2026, 12, 1), date(2026, 11, 27))
    row = lead_sections(live.slack.home_view(REP))[0]["text"]["text"]
    assert "follow-up overdue since Fri 27 Nov* · :zzz: snoozed until tomorrow" in row
    assert len(live.slack.calls("views.publish")) == 2
    assert live.slack.responses() == []


def test_overflow_won_and_lost_from_home(live: Live) -> None:
    acme, globex = seed_lead(live, "Acme"), seed_lead(live, "Globex")
    open_home(live)
    home_menu(live, acme, "won")  # asks to confirm, in a modal
    assert lead_row(live, acme).status == "open"
    confirm = last_opened(live)
    assert confirm["callback_id"] == View.CONFIRM_WON and metadata(confirm)["l"] == acme
    submit(live, confirm, user_id=REP)
    home_menu(live, globex, "lost")  # asks why, in a modal
    assert lead_row(live, globex).status == "open"
    submit(live, last_opened(live), user_id=REP)  # the category defaults to other
    assert (lead_row(live, acme).status, lead_row(live, globex).status) == ("won", "lost")
    assert lead_row(live, globex).lost_reason == "no reason given"
    assert lead_row(live, globex).lost_category == "other"
    assert "You have no open leads" in texts(live.slack.home_view(REP))


def test_mark_lost_from_home_records_the_category_and_reason(live: Live) -> None:
    globex = seed_lead(live, "Globex")
    open_home(live)
    home_menu(live, globex, "lost")
    view = last_opened(live)
    assert [o["value"] for o in inputs(view)["lost_category"]["element"]["options"]] == [
        "unqualified", "competitor", "no_budget", "no_decision", "timing", "other",
    ]  # fmt: skip
    submit(live, view, user_id=REP, lost_category="competitor", reason="Went with <!channel>")
    row = lead_row(live, globex)
    assert (row.status, row.lost_category, row.lost_reason) == (
        "lost", "competitor", "Went with <!channel>",
    )  # fmt: skip
    assert "&lt;!channel&gt;" in str(live.slack.dms_to(REP)[-1]["blocks"])


def test_stage_select_on_home_moves_a_lead(live: Live) -> None:
    acme = seed_lead(live, "Acme")
    open_home(live)
    home_click(
        live,
        REP,
        action_id=Action.MOVE_STAGE,
        value=f"{acme}:connecting",
        block_id="home_stage_actions_prospecting",
        action_type="static_select",
    )
    assert lead_row(live, acme).stage == "connecting"
    headers = [
        b["text"]["text"] for b in live.slack.home_view(REP)["blocks"] if b["type"] == "header"
    ]
    assert headers[1].startswith("Connecting · 1")


def test_a_managers_team_board_stays_on_team_after_an_action(live: Live) -> None:
    acme = seed_lead(live, "Acme", owner=REP)
    seed_lead(live, "Globex", owner=OTHER_REP)
    open_home(live, MANAGER)
    home_click(
        live,
        MANAGER,
        action_id=f"{Action.HOME_SCOPE}:team",
        value="team",
        block_id="home_scope",
        action_type="button",
    )
    home_menu(live, acme, "snooze:1d", user_id=MANAGER)
    view = live.slack.home_view(MANAGER)
    assert view["blocks"][0]["text"]["text"] == "Team pipeline" and "Globex" in texts(view)


@pytest.mark.parametrize(
    ("verb", "callback_id"), [("log_touch", View.LOG_TOUCH), ("qualify", View.QUALIFY)]
)
def test_overflow_options_that_need_a_form_open_its_modal(
    live: Live, verb: str, callback_id: str
) -> None:
    acme = seed_lead(live, "Acme")
    open_home(live)
    home_menu(live, acme, verb)
    [modal] = live.slack.opened_views()
    assert modal["callback_id"] == callback_id and "Acme" in str(modal["blocks"])
    assert live.slack.dms_to(REP) == []


def test_another_reps_overflow_form_is_refused(live: Live) -> None:
    acme = seed_lead(live, "Acme", owner=OTHER_REP)
    open_home(live)
    home_menu(live, acme, "qualify")
    assert live.slack.opened_views() == []
    [dm] = live.slack.dms_to(REP)
    assert "owner or a manager" in dm["text"] and "\n" not in dm["text"]
