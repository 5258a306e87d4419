"""The first vertical slice through signed requests: /lead creates, /touch logs, export shows both."""

import io
from datetime import date

from sqlalchemy import func, select

from bot.models import Lead, StageChange, Touchpoint
from bot.services.export import write_csv
from tests.e2e.live import MANAGER, OTHER_REP, REP, Live
from tests.slackkit import Forgery


def count(live: Live, model) -> int:
    with live.deps.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_lead_command_creates_a_lead_and_replies_ephemerally(live: Live) -> None:
    reply = live.command(
        "/lead", "Acme Corp $12,500 stage:qualification next:2026-12-04 source:webinar"
    )
    assert reply.status == 200 and reply.body == ""
    with live.deps.session_factory() as session:
        lead = session.scalars(select(Lead)).one()
        assert (lead.company, lead.value, lead.currency, lead.stage, lead.owner_id, lead.source) == (
            "Acme Corp", 12500, "USD", "qualification", REP, "webinar",
        )  # fmt: skip
        assert lead.next_follow_up == date(2026, 12, 4)
        assert session.scalar(select(StageChange.to_stage)) == "qualification"
    response = live.slack.responses()[-1].args
    assert response["response_type"] == "ephemeral"
    assert "Created lead #1" in response["text"]
    assert any(block["type"] == "actions" for block in response["blocks"])


def test_touch_updates_last_touch_and_follow_up(live: Live) -> None:
    live.command("/lead", "Globex $5k")
    reply = live.command("/touch", "globex call Spoke with the CFO next:2026-12-08")
    assert reply.status == 200
    with live.deps.session_factory() as session:
        lead = session.scalars(select(Lead)).one()
        touch = session.scalars(select(Touchpoint)).one()
    assert (touch.kind, touch.note, touch.author_id) == ("call", "Spoke with the CFO", REP)
    assert lead.last_touch_at == live.deps.clock.now() and lead.touch_count == 1
    assert lead.next_follow_up == date(2026, 12, 8)
    assert "Logged a call" in live.slack.responses()[-1].args["text"]


def test_user_mistakes_get_one_ephemeral_line_and_change_nothing(live: Live) -> None:
    for command, text in [
        ("/lead", "Acme stage:negotiation"),
        ("/lead", "Acme next:someday"),
        ("/lead", "$5k"),
        ("/touch", "nothing-matches call hello"),
    ]:
        before = len(live.slack.responses())
        assert live.command(command, text).status == 200
        replies = live.slack.responses()[before:]
        assert len(replies) == 1, (command, text)
        message = replies[0].args["text"]
        assert "\n" not in message and "Traceback" not in message and message
    assert count(live, Lead) == 0 and count(live, Touchpoint) == 0


def test_user_text_cannot_ping_the_channel(live: Live) -> None:
    live.command("/lead", "&lt;!channel&gt; Evil &amp; Co $1k")
    response = live.slack.responses()[-1].args
    rendered = str(response["blocks"]) + response["text"]
    assert "<!channel>" not in rendered and "&lt;!channel&gt;" in rendered


def test_only_owner_or_manager_may_touch_a_lead(live: Live) -> None:
    live.command("/lead", "Initech $3k")
    live.command("/touch", "#1 call sneaky", user_id=OTHER_REP)
    assert count(live, Touchpoint) == 0
    assert f"Only <@{REP}> (the owner) or a manager" in live.slack.responses()[-1].args["text"]
    live.command("/touch", "#1 call manager checking in", user_id=MANAGER)
    assert count(live, Touchpoint) == 1


def test_forged_or_stale_requests_are_rejected_and_change_nothing(live: Live) -> None:
    for forgery in (Forgery.WRONG_SIGNATURE, Forgery.STALE_TIMESTAMP, Forgery.UNSIGNED):
        reply = live.sender.command("/lead", "Hooli $1k", user_id=REP, forgery=forgery)
        assert reply.status == 401
    live.settle()
    assert count(live, Lead) == 0 and live.slack.responses() == []


def test_export_has_the_contract_columns(live: Live) -> None:
    live.command("/lead", "Acme Corp $12,500")
    live.command("/touch", "acme email Sent pricing")
    with live.deps.session_factory() as session:
        leads, touches = io.StringIO(), io.StringIO()
        write_csv(session, what="leads", out=leads)
        write_csv(session, what="touches", out=touches)
    lead_lines = leads.getvalue().splitlines()
    assert lead_lines[0] == (
        "id,company,contact,email,phone,value,currency,stage,status,owner,source,created_at,"
        "stage_changed_at,last_touch_at,next_follow_up,touches,lost_reason,lost_category"
    )
    assert lead_lines[1].startswith(
        f"1,Acme Corp,,,,12500.00,USD,prospecting,open,{REP},,2026-11-30T14:00:00Z,"
    )
    assert touches.getvalue().splitlines() == [
        "id,lead_id,kind,note,occurred_at,author",
        f"1,1,email,Sent pricing,2026-11-30T14:00:00Z,{REP}",
    ]


def test_health_and_metrics(live: Live) -> None:
    import httpx

    assert httpx.get(live.url + "/healthz").json() == {"status": "ok"}
    live.command("/lead", "Acme $1k")
    metrics = httpx.get(live.url + "/metrics").text
    assert 'pipebot_slack_requests_total{status="200"} 1.0' in metrics
