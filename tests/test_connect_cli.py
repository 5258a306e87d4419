"""The command line's connect parts: the full history as CSV, and the webhook endpoints' deliveries."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlalchemy import select, update

from bot import flows
from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.leads import Status
from bot.models import Notification
from bot.services.export import EVENT_COLUMNS, STAGE_CHANGE_COLUMNS
from bot.services.leads import NewLead
from tests.test_cli import pipebot
from tests.webhookkit import SECRET, pipeline_text, with_webhooks

DANA, KENJI = "UREP00001", "UREP00002"


def seed(deps: Deps) -> int:
    new = NewLead(company="Acme", owner_id=DANA, stage="prospecting")
    created = flows.create_lead(deps, by=Actor(DANA), new=new, now=deps.clock.now())
    assert created.lead is not None
    lead_id = created.lead.id
    by = Actor(DANA)
    flows.change_lead(
        deps, by=by, lead_id=lead_id, change=flows.Move("qualification"), now=deps.clock.now()
    )
    flows.change_lead(
        deps, by=by, lead_id=lead_id, change=flows.Assign(KENJI), now=deps.clock.now()
    )
    flows.change_lead(
        deps,
        by=Actor(KENJI),
        lead_id=lead_id,
        change=flows.Close(Status.LOST, "=too dear"),
        now=deps.clock.now(),
    )
    return lead_id


def read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_stage_changes_and_events_leave_as_csv(deps: Deps, db_url: str) -> None:
    lead_id = seed(deps)
    moves = pipebot(db_url, "export", "stage-changes")
    events = pipebot(db_url, "export", "events")

    assert moves.returncode == 0, moves.stderr
    header, *rows = read(moves.stdout)
    assert tuple(header) == STAGE_CHANGE_COLUMNS
    assert [row[1:4] for row in rows] == [
        [str(lead_id), "", "prospecting"],
        [str(lead_id), "prospecting", "qualification"],
        [str(lead_id), "qualification", "lost"],
    ]
    assert rows[0][4] == "2026-11-30T14:00:00Z" and rows[-1][5] == KENJI
    header, *rows = read(events.stdout)
    assert tuple(header) == EVENT_COLUMNS
    assigned, lost = rows
    assert assigned[2:4] == ["assigned", DANA]
    assert json.loads(assigned[5]) == {"from": DANA, "to": KENJI}
    assert lost[2] == "lost" and json.loads(lost[5]) == {"reason": "=too dear"}


def test_webhooks_list_shows_each_endpoint_and_redeliver_retries_its_dead(
    deps: Deps, db_url: str, tmp_path: Path
) -> None:
    hooks = [
        {"name": "crm", "url": "https://crm.example/in", "secret": SECRET, "events": ["*"]},
        {
            "name": "quiet",
            "url": "https://quiet.example/",
            "secret": SECRET,
            "events": ["lead.won"],
        },
    ]
    seed(with_webhooks(deps, tmp_path, hooks))
    with deps.session_factory.begin() as session:
        first = session.scalars(
            select(Notification.id).where(Notification.kind == "webhook")
        ).first()
        session.execute(update(Notification).where(Notification.id == first).values(status="sent"))
        session.execute(
            update(Notification)
            .where(Notification.id == first + 1)
            .values(status="failed", attempts=8, last_error="http_500")
        )
    home = tmp_path / "home"
    home.mkdir()
    (home / "pipeline.toml").write_text(pipeline_text(hooks), encoding="utf-8")

    listed = pipebot(db_url, "webhooks", "list", PIPEBOT_HOME=str(home))

    assert listed.returncode == 0, listed.stderr
    out = listed.stdout
    assert "crm  https://crm.example/in" in out and "quiet  https://quiet.example/" in out
    assert "pending 2, delivered 1, dead 1" in out and "last error: http_500" in out
    assert "pending 0, delivered 0, dead 0" in out  # the quiet one has had nothing yet
    assert SECRET not in out + listed.stderr

    again = pipebot(db_url, "webhooks", "redeliver", "crm", PIPEBOT_HOME=str(home))
    assert again.returncode == 0 and "crm: 1 dead events will be sent again" in again.stdout
    assert (
        "pending 3, delivered 1, dead 0"
        in pipebot(db_url, "webhooks", "list", PIPEBOT_HOME=str(home)).stdout
    )
    unknown = pipebot(db_url, "webhooks", "redeliver", "gone", PIPEBOT_HOME=str(home))
    assert unknown.returncode == 2 and "no [[webhooks]] named 'gone'" in unknown.stderr


def test_webhooks_list_without_any(db_url: str) -> None:
    listed = pipebot(db_url, "webhooks", "list")
    assert listed.returncode == 0 and "no webhooks" in listed.stdout


def test_an_owner_email_without_a_slack_token_is_a_line_error(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("company,owner\nAcme,dana@example.com\nGlobex,UREP00001\n", encoding="utf-8")
    result = pipebot(db_url, "import", "leads", str(path), SLACK_BOT_TOKEN="")
    assert result.returncode == 1
    assert f"{path}:2: owner `dana@example.com` is an email address" in result.stderr
    assert "SLACK_BOT_TOKEN" in result.stderr and ":3:" not in result.stderr
