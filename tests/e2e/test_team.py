"""Who is on the team, end to end: the roster's refusals and who an inbound lead goes to."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select

from bot.models import Lead, Notification, Rep
from bot.slack.ids import Action
from tests import support
from tests.e2e.leadkit import count_leads, deliver_outbox, lead, shown
from tests.e2e.live import MANAGER, OTHER_REP, REP, Live, running_app
from tests.e2e.test_actions import click as press_on
from tests.e2e.test_capture import count, one_line
from tests.e2e.test_home import open_home
from tests.e2e.test_managers import control

# ---- the roster ------------------------------------------------------------------------------


TOKEN = "inbound-secret-token-for-the-tests"


@contextmanager
def team_app(
    engine: Engine, db_url: str, clock: support.TestClock, tmp_path: Path, reps: tuple[str, ...]
) -> Iterator[Live]:
    """pipebot with `reps` on its roster, MANAGER its manager, and the inbound API on."""
    path = tmp_path / "pipeline.toml"
    listed = ", ".join(f'"{rep}"' for rep in reps)
    path.write_text(f'[team]\nreps = [{listed}]\nmanagers = ["{MANAGER}"]\n', encoding="utf-8")
    with running_app(
        engine, db_url, clock, PIPEBOT_CONFIG=str(path), PIPEBOT_INBOUND_TOKEN=TOKEN
    ) as app:
        yield app


def post_lead(live: Live, body: dict[str, str]) -> httpx.Response:
    return httpx.post(
        live.url + "/api/leads", json=body, headers={"authorization": f"Bearer {TOKEN}"}
    )


@pytest.fixture
def rostered(
    engine: Engine, db_url: str, clock: support.TestClock, tmp_path: Path
) -> Iterator[Live]:
    with team_app(engine, db_url, clock, tmp_path, (REP,)) as app:
        yield app


def test_someone_off_the_roster_gets_one_line_on_who_can_add_them(rostered: Live) -> None:
    live = rostered
    for command, text in (("/lead", "Acme $5k"), ("/touch", "acme call hi"), ("/pipeline", "")):
        before = len(live.slack.responses())
        live.command(command, text, user_id=OTHER_REP)
        said = one_line(live, before)
        assert "not on its roster" in said and f"<@{MANAGER}> can add you" in said, said
        assert "[team] reps" in said
    assert count_leads(live) == 0
    with live.deps.session_factory() as session:
        assert session.get(Rep, OTHER_REP) is None, "using pipebot makes nobody a rep"
    live.command("/lead", "Acme $5k")
    live.command("/lead", "Globex $5k", user_id=MANAGER)
    assert count_leads(live) == 2


def test_a_lead_cannot_be_given_to_someone_off_the_roster(rostered: Live) -> None:
    live = rostered
    before = len(live.slack.responses())
    live.command("/lead", f"Acme $5k <@{OTHER_REP}>")
    assert "not on the team's roster" in one_line(live, before)
    assert count_leads(live) == 0


def test_the_app_home_tells_someone_off_the_roster_who_can_add_them(rostered: Live) -> None:
    live = rostered
    open_home(live, OTHER_REP)
    view = live.slack.home_view(OTHER_REP)
    assert view is not None and "not on its roster" in shown(view)


def test_without_a_roster_everyone_who_uses_pipebot_is_a_rep(live: Live) -> None:
    live.command("/lead", "Acme $5k", user_id=OTHER_REP)
    assert count_leads(live) == 1


# ---- inbound assignment ----------------------------------------------------------------------


def test_an_inbound_lead_at_night_waits_for_the_managers_pick(
    engine: Engine, db_url: str, clock: support.TestClock, tmp_path: Path
) -> None:
    clock.set(
        datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    )  # 04:00 New York, 18:00 Tokyo: nobody at work
    with team_app(engine, db_url, clock, tmp_path, (REP, OTHER_REP)) as live:
        for rep in (REP, OTHER_REP):
            live.command("/lead", f"Known {rep} $1k", user_id=rep)
        answer = post_lead(live, {"company": "Night Owl Inc", "source": "website"})
        assert answer.status_code == 201 and answer.json()["owner"] == MANAGER
        lead_id = answer.json()["id"]
        with live.deps.session_factory() as session:
            asked = session.scalars(
                select(Notification).where(Notification.kind == "inbound-unassigned")
            ).one()
            told_reps = session.scalars(
                select(Notification).where(Notification.recipient.in_([REP, OTHER_REP]))
            ).all()
        assert asked.recipient == "CMANAGERS" and told_reps == []
        assert asked.not_before is not None, "the post waits for the team's working hours"
        clock.set(asked.not_before)
        deliver_outbox(live)
        [post] = [m for m in live.slack.channel_messages("CMANAGERS") if "Night Owl" in m["text"]]
        block_id, menu = control(post, Action.MANAGERS_REASSIGN)
        options = [o for group in menu["option_groups"] for o in group["options"]]
        to_kenji = next(o["value"] for o in options if o["value"].endswith(f"|{OTHER_REP}"))
        press_on(live, "CMANAGERS", post, action_id=Action.MANAGERS_REASSIGN, value=to_kenji,
                 block_id=block_id, user_id=MANAGER, action_type="static_select")  # fmt: skip
        assert lead(live, lead_id).owner_id == OTHER_REP


def test_an_inbound_lead_for_someone_off_the_roster_is_refused_and_nothing_is_written(
    engine: Engine, db_url: str, clock: support.TestClock, tmp_path: Path
) -> None:
    with team_app(engine, db_url, clock, tmp_path, (REP,)) as live:
        answers = [
            post_lead(live, {"company": "Cfo Pick Inc", "owner": owner})
            for owner in (OTHER_REP, REP)
        ]
        assert answers[0].status_code == 422 and "roster" in answers[0].json()["error"]
        assert answers[1].status_code == 201 and answers[1].json()["owner"] == REP
        assert count(live, Lead) == 1
