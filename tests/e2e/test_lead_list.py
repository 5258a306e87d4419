"""`/lead list` and `/lead export` through signed requests: order, scope, Slack's limits, the CSV file."""

import csv
import io
from datetime import date, timedelta

from bot.services.export import LEAD_COLUMNS, write_csv
from bot.slack.ids import Action
from tests.e2e.leadkit import buttons, reply, seed, shown
from tests.e2e.live import MANAGER, OTHER_REP, REP, Live

TODAY = date(2026, 11, 30)


def listed_ids(message: dict) -> list[int]:
    return [int(button["value"]) for button in buttons(message, Action.OPEN_LEAD)]


def test_list_is_sorted_by_next_follow_up_with_stage_age_and_last_touch(live: Live) -> None:
    later = seed(live, "Later Inc", next_follow_up=TODAY + timedelta(days=3))
    unplanned = seed(live, "Someday Ltd")
    overdue = seed(live, "Overdue Co", next_follow_up=TODAY - timedelta(days=2), stage="proposal")
    today = seed(live, "Today GmbH", next_follow_up=TODAY, value="12500")
    seed(live, "Theirs", owner=OTHER_REP)
    # A call before its follow-up falls due leaves the follow-up planned (a call on it completes it).
    live.command("/touch", "later call hello")
    live.command("/lead", "list")
    message = reply(live)
    assert listed_ids(message) == [overdue, today, later, unplanned]
    text = shown(message)
    assert "Your open leads" in message["text"] and "4 open" in text
    assert "1 overdue" in text and "1 due today" in text
    assert "follow-up overdue since Sat 28 Nov" in text and "Proposal since today" in text
    assert "last touch today" in text and "last touch never" in text and "$12.5k" in text
    assert "Theirs" not in text


def test_a_stage_narrows_the_list(live: Live) -> None:
    seed(live, "Acme", stage="proposal")
    seed(live, "Globex")
    live.command("/lead", "list prop")
    message = reply(live)
    assert listed_ids(message) == [1] and "in Proposal" in shown(message)


def test_a_reps_all_shows_only_their_leads_and_a_managers_shows_everyones(live: Live) -> None:
    seed(live, "Mine")
    seed(live, "Theirs", owner=OTHER_REP)
    live.command("/lead", "list all")
    assert listed_ids(reply(live)) == [1]
    assert "Reps see their own leads" in shown(reply(live))
    live.command("/lead", "list <@UREP00002|kenji>")
    assert "Only managers can list" in reply(live)["text"]
    live.command("/lead", "list all", user_id=MANAGER)
    message = reply(live)
    assert listed_ids(message) == [1, 2] and f"<@{OTHER_REP}>" in shown(message)
    live.command("/lead", "list <@UREP00002>", user_id=MANAGER)
    assert listed_ids(reply(live)) == [2]


def test_a_long_list_stays_inside_slack_limits(live: Live) -> None:
    for number in range(120):
        seed(
            live,
            f"Company {number:03d} " + "&" * 150,
            next_follow_up=TODAY + timedelta(days=number),
        )
    live.command("/lead", "list")
    message = reply(live)
    assert live.slack.responses()[-1].response == "ok"  # the fake applies Slack's block rules
    assert len(message["blocks"]) <= 50 and len(message["text"]) <= 4000
    assert all(len(block.get("text", {}).get("text", "")) <= 3000 for block in message["blocks"])
    shown_ids = listed_ids(message)
    assert shown_ids == list(range(1, len(shown_ids) + 1)) and len(shown_ids) >= 20
    assert f"and {120 - len(shown_ids)} more" in shown(message)
    assert "120 open" in message["text"]


def test_an_empty_list_says_how_to_add_one(live: Live) -> None:
    live.command("/lead", "list")
    assert "Add a lead with" in shown(reply(live))


def test_export_uploads_the_visible_leads_as_csv_to_the_callers_dm(live: Live) -> None:
    seed(live, "Acme, Inc.", value="12500")
    seed(live, "Theirs", owner=OTHER_REP)
    live.command("/lead", "won acme")
    live.command("/lead", "export")
    assert "Sent 1 lead as a CSV file" in reply(live)["text"]
    [upload] = live.slack.uploads()
    assert upload.filename == "leads.csv" and upload.completed
    assert upload.channel_id == live.slack.dm_channel(REP)
    rows = list(csv.reader(io.StringIO(upload.content.decode())))
    assert tuple(rows[0]) == LEAD_COLUMNS
    assert [row[:2] + row[8:10] for row in rows[1:]] == [["1", "Acme, Inc.", "won", REP]]


def test_a_managers_export_matches_the_command_line_export(live: Live) -> None:
    seed(live, "Acme", contact="Ann")
    seed(live, "Theirs", owner=OTHER_REP, value=None)
    live.command("/lead", "export", user_id=MANAGER)
    [upload] = live.slack.uploads()
    assert upload.channel_id == live.slack.dm_channel(MANAGER)
    out = io.StringIO()
    with live.deps.session_factory() as session:
        write_csv(session, what="leads", out=out)
    assert upload.content.decode() == out.getvalue()
