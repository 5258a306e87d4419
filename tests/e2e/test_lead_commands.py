"""`/lead` subcommands through signed requests: each happy path, refs, pickers and permissions."""

from datetime import date

from sqlalchemy import select

from bot.models import LeadEvent, StageChange
from bot.slack.ids import Action, View
from tests.e2e.leadkit import buttons, click, count_leads, lead, reply, seed, shown
from tests.e2e.live import MANAGER, OTHER_REP, REP, Live


def history(live: Live, lead_id: int) -> tuple[list[tuple], list[tuple]]:
    with live.deps.session_factory() as session:
        moves = session.execute(
            select(StageChange.from_stage, StageChange.to_stage, StageChange.changed_by)
            .where(StageChange.lead_id == lead_id)
            .order_by(StageChange.id)
        ).all()
        events = session.execute(
            select(LeadEvent.kind, LeadEvent.actor_id, LeadEvent.detail)
            .where(LeadEvent.lead_id == lead_id)
            .order_by(LeadEvent.id)
        ).all()
    return [tuple(row) for row in moves], [tuple(row) for row in events]


def test_help_lists_every_subcommand_with_examples(live: Live) -> None:
    live.command("/lead", "help")
    message = reply(live)
    text = shown(message)
    assert message["response_type"] == "ephemeral" and message["text"]
    for word in ("list", "show", "move", "won", "lost", "assign", "snooze", "archive", "export"):
        assert f"/lead {word}" in text
    assert "/lead move #42 proposal" in text
    assert "<ref>" not in text and "&lt;ref&gt;" in text
    live.command("/lead", "help move")
    assert "/lead move &lt;ref&gt; &lt;stage&gt;" in shown(reply(live))
    assert "/lead list" not in shown(reply(live))


def test_move_records_the_stage_change_and_answers_with_the_card(live: Live) -> None:
    lead_id = seed(live, "Acme Corp")
    live.command("/lead", "move acme proposal")
    assert lead(live, lead_id).stage == "proposal"
    assert history(live, lead_id)[0][-1] == ("prospecting", "proposal", REP)
    message = reply(live)
    assert message["response_type"] == "ephemeral"
    assert "Moved #1 Acme Corp to Proposal" in message["text"]
    assert buttons(message, Action.LOG_TOUCH)
    live.command("/lead", "move #1 proposal")
    assert "already in Proposal" in reply(live)["text"]
    assert len(history(live, lead_id)[0]) == 2


def test_won_lost_and_archive_close_leads_with_history(live: Live) -> None:
    won, lost, archived = seed(live, "Acme"), seed(live, "Globex"), seed(live, "Initech")
    live.command("/lead", "won acme")
    assert "Marked #1 Acme won" in reply(live)["text"]
    assert not buttons(reply(live), Action.LOG_TOUCH)
    live.command("/lead", "lost #2 went with &lt;!channel&gt; &amp; friends")
    assert lead(live, lost).lost_reason == "went with <!channel> & friends"
    assert "<!channel>" not in shown(reply(live))
    assert "&lt;!channel&gt; &amp;amp; friends" not in shown(reply(live))
    assert "&lt;!channel&gt; &amp; friends" in shown(reply(live))
    live.command("/lead", "archive initech")
    assert [lead(live, i).status for i in (won, lost, archived)] == ["won", "lost", "archived"]
    assert history(live, lost)[1] == [("lost", REP, {"reason": "went with <!channel> & friends"})]
    live.command("/lead", "won #1")
    assert "already won" in reply(live)["text"]


def test_snooze_hides_the_lead_and_leaves_the_follow_up(live: Live) -> None:
    lead_id = seed(live, "Acme", next_follow_up=date(2026, 12, 2))
    live.command("/lead", "snooze acme 2026-12-08")
    found = lead(live, lead_id)
    assert (found.snoozed_until, found.next_follow_up) == (date(2026, 12, 8), date(2026, 12, 2))
    assert "Snoozed #1 Acme until" in reply(live)["text"]


def test_assign_queues_a_dm_for_the_new_owner_once(live: Live) -> None:
    from tests.e2e.leadkit import deliver_outbox, notifications

    lead_id = seed(live, "Acme Corp", value="12500", stage="qualification")
    live.command("/lead", "assign acme to <@UREP00002|kenji>")
    assert lead(live, lead_id).owner_id == OTHER_REP
    assert history(live, lead_id)[1] == [("assigned", REP, {"from": REP, "to": OTHER_REP})]
    [note] = notifications(live)
    assert note.recipient == OTHER_REP and note.kind == "assigned"
    assert note.idempotency_key.startswith(f"assigned:{lead_id}:{OTHER_REP}:")
    assert "assigned you *Acme Corp* — $12,500, Qualification" in note.payload["text"]
    assert {b["action_id"] for b in buttons(note.payload, Action.LOG_TOUCH)} == {Action.LOG_TOUCH}
    assert buttons(note.payload, Action.OPEN_LEAD)
    assert "they have a DM about it" in reply(live)["text"]
    deliver_outbox(live)
    [dm] = live.slack.dms_to(OTHER_REP)
    assert "dana assigned you" in dm["text"]
    live.command("/lead", "assign #1 <@UREP00002>", user_id=MANAGER)
    assert "already belongs to" in reply(live)["text"]
    assert len(notifications(live)) == 1


def test_manager_reassigning_to_themselves_gets_no_dm(live: Live) -> None:
    from tests.e2e.leadkit import notifications

    seed(live, "Acme Corp")
    live.command("/lead", "assign #1 <@UMANAGER1>", user_id=MANAGER)
    assert lead(live, 1).owner_id == MANAGER and notifications(live) == []


def test_unknown_ref_says_so_and_changes_nothing(live: Live) -> None:
    seed(live, "Acme")
    for text in ("move hooli proposal", "won #99", "show nothing-here"):
        before = len(live.slack.responses())
        live.command("/lead", text)
        [answer] = live.slack.responses()[before:]
        assert "no" in answer.args["text"].lower() and "\n" not in answer.args["text"]
    assert lead(live, 1).stage == "prospecting" and lead(live, 1).status == "open"


def test_ambiguous_ref_lists_buttons_and_a_pick_runs_the_subcommand(live: Live) -> None:
    seed(live, "Acme Corp")
    seed(live, "Acme Labs")
    seed(live, "Acme Labs", owner=OTHER_REP)  # not visible to the rep
    live.command("/lead", "move acme closing")
    message = reply(live)
    picks = buttons(message, Action.PICK_LEAD)
    assert [pick["value"] for pick in picks] == ["1:move:closing", "2:move:closing"]
    assert "Nothing has changed" in message["text"]
    assert {lead(live, i).stage for i in (1, 2)} == {"prospecting"}
    url = click(live, picks[1])
    assert lead(live, 2).stage == "closing" and lead(live, 1).stage == "prospecting"
    [answer] = live.slack.responses(url)
    assert answer.args["replace_original"] is True
    assert "Moved #2 Acme Labs to Closing" in answer.args["text"]


def test_picking_for_lost_keeps_the_reason(live: Live) -> None:
    seed(live, "Acme Corp")
    seed(live, "Acme Labs")
    live.command("/lead", "lost acme budget | timing")
    picks = buttons(reply(live), Action.PICK_LEAD)
    click(live, picks[0])
    assert lead(live, 1).lost_reason == "budget | timing"


def test_a_rep_may_not_change_someone_elses_lead_but_a_manager_may(live: Live) -> None:
    lead_id = seed(live, "Acme Corp")
    for text in ("move #1 proposal", "won #1", "lost #1", "archive #1", "snooze #1 3d"):
        live.command("/lead", text, user_id=OTHER_REP)
        message = reply(live)["text"]
        assert f"Only <@{REP}> (the owner) or a manager" in message, text
    live.command("/lead", "assign #1 <@UREP00002>", user_id=OTHER_REP)
    assert "or a manager" in reply(live)["text"]
    found = lead(live, lead_id)
    assert (found.stage, found.status, found.owner_id) == ("prospecting", "open", REP)
    live.command("/lead", "show #1", user_id=OTHER_REP)
    assert "only they or a manager" in reply(live)["text"]
    live.command("/lead", "move #1 proposal", user_id=MANAGER)
    assert lead(live, lead_id).stage == "proposal"
    assert history(live, lead_id)[0][-1] == ("prospecting", "proposal", MANAGER)
    live.command("/lead", "show #1", user_id=MANAGER)
    assert "#1 Acme Corp" in reply(live)["text"]


def test_show_has_the_card_touches_and_history(live: Live) -> None:
    seed(live, "Acme Corp", contact="Ann &lt;@U999&gt;")
    live.command("/touch", "acme call Spoke with the CFO")
    live.command("/lead", "move acme proposal")
    live.command("/lead", "show #1")
    message = reply(live)
    text = shown(message)
    assert "Last touches" in text and "Spoke with the CFO" in text
    assert "moved from Prospecting to Proposal" in text and "created in Prospecting" in text
    assert "<@U999>" not in text
    assert len(message["blocks"]) <= 50


def test_qualify_and_the_bare_command_open_modals(live: Live) -> None:
    seed(live, "Acme Corp")
    live.command("/lead", "qualify #1", user_id=OTHER_REP)
    assert "or a manager can qualify" in reply(live)["text"]
    before = len(live.slack.responses())
    live.command("/lead", "qualify acme")
    live.command("/lead", "")
    views = live.slack.opened_views()
    assert [view["callback_id"] for view in views] == [View.QUALIFY, View.NEW_LEAD]
    assert live.slack.responses()[before:] == [] and count_leads(live) == 1


def test_a_change_refreshes_the_app_home_of_everyone_it_touched(live: Live) -> None:
    seed(live, "Acme Corp")
    live.command("/lead", "assign acme <@UREP00002>")
    assert live.slack.home_view(REP) is not None
    assert live.slack.home_view(OTHER_REP) is not None
