"""App Home end to end: app_home_opened publishes the board, once per event, Mine/Team for managers."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from bot.models import ProcessedEvent
from bot.slack import publisher
from bot.slack.home import scope_action_id
from bot.slack.ids import Action
from tests import seeding
from tests.e2e.live import MANAGER, OTHER_REP, REP, Live
from tests.slackkit import app_home_opened_event, block_actions_payload


def seed_lead(live: Live, company: str = "Acme Corp", *, owner: str = REP, **options) -> int:
    """Create an open lead straight through the service, as /lead would."""
    return seed_leads(live, [company], owner=owner, **options)[0]


def seed_leads(
    live: Live, companies: list[str], *, owner: str = REP, value: str | None = "1000", **options
) -> list[int]:
    return seeding.seed_leads(live.deps, companies, owner=owner, value=value, **options)


def open_home(live: Live, user_id: str = REP, **envelope) -> dict:
    """Send app_home_opened for the Home tab and return the view the user now sees."""
    reply = live.event(
        app_home_opened_event(user_id, view=live.slack.home_view(user_id)), **envelope
    )
    assert reply.status == 200
    view = live.slack.home_view(user_id)
    assert view is not None, "no Home view was published"
    return view


def blocks_of(view: dict, kind: str) -> list[dict]:
    return [block for block in view["blocks"] if block["type"] == kind]


def lead_sections(view: dict) -> list[dict]:
    return [b for b in view["blocks"] if str(b.get("block_id", "")).startswith("home_lead_")]


def texts(view: dict) -> str:
    return str(view["blocks"])


def test_opening_home_publishes_the_board_by_stage(live: Live) -> None:
    today = date(2026, 11, 30)
    acme = seed_lead(live, "Acme Corp", value="12500", next_follow_up=today - timedelta(days=3))
    seed_lead(live, "Globex", value="5000", next_follow_up=today + timedelta(days=4))
    seed_lead(live, "Initech", stage="proposal", value="20000")
    seed_lead(live, "Not mine", owner=OTHER_REP)

    view = open_home(live)

    headers = [block["text"]["text"] for block in blocks_of(view, "header")]
    assert headers == [
        "Your pipeline",
        "Prospecting · 2 · $17.5k · $1.8k weighted",
        "Proposal · 1 · $20k · $10k weighted",
    ]
    assert "3 open leads" in texts(view) and "1 follow-up overdue" in texts(view)
    rows = lead_sections(view)
    assert [row["block_id"] for row in rows][:2] == [f"home_lead_{acme}", "home_lead_2"]
    first = rows[0]["text"]["text"]
    assert "*#1 Acme Corp* · $12.5k" in first and "overdue since Fri 27 Nov" in first
    assert "Not mine" not in texts(view)
    menu = rows[0]["accessory"]
    assert menu["type"] == "overflow" and menu["action_id"] == Action.OVERFLOW
    values = [option["value"] for option in menu["options"]]
    assert values == ["1:log_touch", "1:edit", "1:qualify", "1:won", "1:lost"]
    assert all(len(value) <= 75 for value in values)
    selects = blocks_of(view, "actions")[0]["elements"]
    assert [element["action_id"] for element in selects] == [Action.MOVE_STAGE, Action.SNOOZE]
    move_options = selects[0]["option_groups"][0]["options"]
    assert {option["value"] for option in move_options} == {
        "1:qualification", "1:connecting", "1:proposal", "1:closing",
    }  # fmt: skip
    assert not blocks_of(view, "actions")[0].get("block_id", "").startswith("home_scope")


def test_three_hundred_leads_fit_in_a_hundred_blocks_with_a_summary(live: Live) -> None:
    seed_leads(live, [f"Company {n}" for n in range(290)])
    seed_leads(live, [f"Proposal {n}" for n in range(10)], stage="proposal")

    view = open_home(live)

    assert len(view["blocks"]) <= 100
    rows = lead_sections(view)
    shown_proposals = [row for row in rows if "Proposal" in row["text"]["text"]]
    assert len(shown_proposals) == 10
    shown_prospects = len(rows) - 10
    assert shown_prospects > 50
    more = [b for b in blocks_of(view, "context") if b["block_id"] == "home_more_prospecting"]
    assert more[0]["elements"][0]["text"] == (
        f"…and {290 - shown_prospects} more in Prospecting — use `/lead list mine prospecting`"
    )
    assert not any(b["block_id"] == "home_more_proposal" for b in blocks_of(view, "context"))


def test_an_empty_board_says_how_to_start(live: Live) -> None:
    view = open_home(live)
    assert "You have no open leads right now" in texts(view)


def test_the_messages_tab_is_ignored(live: Live) -> None:
    seed_lead(live)
    reply = live.event(app_home_opened_event(REP, tab="messages"))
    assert reply.status == 200
    assert live.slack.calls("views.publish") == []


def processed_events(live: Live) -> int:
    with live.deps.session_factory() as session:
        return session.scalar(select(func.count()).select_from(ProcessedEvent))


def test_a_retried_event_is_processed_once(live: Live) -> None:
    seed_lead(live)
    event = app_home_opened_event(REP)
    live.event(event, event_id="Ev0ORIGINAL")
    live.event(event, event_id="Ev0ORIGINAL", retry_num=1, retry_reason="http_timeout")
    live.event(event, event_id="Ev0ORIGINAL", retry_num=2, retry_reason="http_error")
    assert len(live.slack.calls("views.publish")) == 1
    assert processed_events(live) == 1


def test_a_retry_whose_original_never_arrived_is_processed_once(live: Live) -> None:
    seed_lead(live)
    event = app_home_opened_event(REP)
    live.event(event, event_id="Ev0LOSTFIRST", retry_num=1, retry_reason="connection_failed")
    assert len(live.slack.calls("views.publish")) == 1
    live.event(event, event_id="Ev0LOSTFIRST", retry_num=2, retry_reason="connection_failed")
    assert len(live.slack.calls("views.publish")) == 1
    live.event(event, event_id="Ev0SOMETHINGELSE")
    assert len(live.slack.calls("views.publish")) == 2


def test_old_event_ids_are_pruned(live: Live) -> None:
    live.event(app_home_opened_event(REP), event_id="Ev0OLD")
    live.deps.clock.advance(timedelta(days=3))
    live.event(app_home_opened_event(REP), event_id="Ev0NEW")
    with live.deps.session_factory() as session:
        assert list(session.scalars(select(ProcessedEvent.event_id))) == ["Ev0NEW"]


def click_scope(live: Live, user_id: str, scope: str) -> dict:
    view = live.slack.home_view(user_id)
    live.interact(
        block_actions_payload(
            user_id=user_id,
            action_id=f"{Action.HOME_SCOPE}:{scope}",
            value=scope,
            block_id="home_scope",
            container="view",
            view=view,
        )
    )
    return live.slack.home_view(user_id)


def test_a_manager_switches_between_mine_and_team(live: Live) -> None:
    seed_lead(live, "Dana Deal", owner=REP, value="1000")
    seed_lead(live, "Kenji Deal", owner=OTHER_REP, value="3000", stage="closing")
    seed_lead(live, "Max Deal", owner=MANAGER, value="2000")

    mine = open_home(live, MANAGER)
    switch = next(b for b in blocks_of(mine, "actions") if b["block_id"] == "home_scope")
    assert [(e["action_id"], e["value"], e.get("style")) for e in switch["elements"]] == [
        (scope_action_id("mine"), "mine", "primary"),
        (scope_action_id("team"), "team", None),
    ]
    assert "Max Deal" in texts(mine) and "Dana Deal" not in texts(mine)

    team = click_scope(live, MANAGER, "team")
    assert blocks_of(team, "header")[0]["text"]["text"] == "Team pipeline"
    reps_text = next(b for b in team["blocks"] if b["block_id"] == "home_reps")["text"]["text"]
    for user_id in (REP, OTHER_REP, MANAGER):
        assert f"<@{user_id}> · 1 open" in reps_text
    assert all(name in texts(team) for name in ("Dana Deal", "Kenji Deal", "Max Deal"))
    assert f"· <@{OTHER_REP}>" in texts(team), "team rows name the owner"

    reopened = open_home(live, MANAGER)
    assert blocks_of(reopened, "header")[0]["text"]["text"] == "Team pipeline"
    assert "Max Deal" in texts(click_scope(live, MANAGER, "mine"))
    assert "Dana Deal" not in texts(live.slack.home_view(MANAGER))


def test_a_rep_has_no_team_switch_and_cannot_forge_one(live: Live) -> None:
    seed_lead(live, "Dana Deal", owner=REP)
    seed_lead(live, "Kenji Deal", owner=OTHER_REP)
    view = open_home(live, REP)
    assert not any(b.get("block_id") == "home_scope" for b in view["blocks"])
    forged = click_scope(live, REP, "team")
    assert blocks_of(forged, "header")[0]["text"]["text"] == "Your pipeline"
    assert "Kenji Deal" not in texts(forged)


def test_homes_after_a_change_are_each_refreshed_once_and_one_failure_stops_none(
    monkeypatch,
) -> None:
    seen: list[tuple[str, str | None]] = []

    def refresh_home(deps, client, *, user_id: str, scope: str | None) -> None:
        seen.append((user_id, scope))
        if user_id == OTHER_REP:
            raise RuntimeError("the database went away")

    monkeypatch.setattr(publisher, "publish_home", refresh_home)
    publisher.refresh_homes(
        object(), object(), MANAGER, OTHER_REP, None, MANAGER, REP, scopes={MANAGER: "team"}
    )  # type: ignore[arg-type]
    assert seen == [(MANAGER, "team"), (OTHER_REP, None), (REP, None)]
