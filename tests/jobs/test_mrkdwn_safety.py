"""User text in every job message is escaped: a company called `<!channel> &` pings nobody."""

from __future__ import annotations

import json
from datetime import date

from bot.models import Touchpoint
from jobs import morning_plan, overdue_followups, pipeline_cleanup, speed_to_lead, stale_nudges
from tests.jobs.factories import add_lead, days, utc

HOSTILE_COMPANY = "<!channel> &"
HOSTILE_CONTACT = "<@U0HACKER> <https://evil.example|click me>"
MON_0830 = utc("2026-11-30T13:30:00")


def test_every_job_message_escapes_company_and_contact(deps, db, queued, rep):
    with db() as session:
        hostile = {"owner": rep, "company": HOSTILE_COMPANY, "contact": HOSTILE_CONTACT}
        add_lead(
            session, **hostile, created_at=MON_0830 - days(40), next_follow_up=date(2026, 11, 25)
        )
        # Stale, and long without a move after a call that went unanswered: the cleanup's too.
        tried = add_lead(session, **hostile, created_at=MON_0830 - days(40), stage="qualification",
                         last_touch_at=MON_0830 - days(9))  # fmt: skip
        session.add(Touchpoint(lead_id=tried, kind="call", note="", occurred_at=MON_0830 - days(9),
                               author_id=rep, created_at=MON_0830 - days(9)))  # fmt: skip
        # A web lead nobody answered: speed to lead.
        add_lead(session, **hostile, created_at=utc("2026-11-30T14:00:00"), inbound=True)
    morning_plan.run(deps, MON_0830)
    stale_nudges.run(deps, utc("2026-11-30T15:00:00"))
    speed_to_lead.run(deps, utc("2026-11-30T16:00:00"))
    speed_to_lead.run(deps, utc("2026-11-30T18:00:00"))
    overdue_followups.run(deps, utc("2026-11-30T19:00:00"))
    pipeline_cleanup.run(deps, utc("2026-12-04T20:00:00"))
    sent = queued()
    assert sorted({message.kind for message in sent}) == [
        "morning-plan",
        "overdue-followups",
        "pipeline-cleanup",
        "speed-to-lead",
        "speed-to-lead-breach",
        "stale-nudges",
    ]
    for message in sent:
        raw = json.dumps(message.payload, ensure_ascii=False)
        assert "<!channel>" not in raw, message.kind
        assert "<@U0HACKER>" not in raw, message.kind
        assert "<https://evil" not in raw, message.kind
        assert "&lt;!channel&gt; &amp;" in message.text, message.kind
        mrkdwn = [text for text in _mrkdwn_texts(message.blocks) if "channel" in text]
        assert mrkdwn and all("&lt;!channel&gt; &amp;" in text for text in mrkdwn), message.kind


def _mrkdwn_texts(node: object) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            found.append(str(node["text"]))
        for value in node.values():
            found.extend(_mrkdwn_texts(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_mrkdwn_texts(value))
    return found
