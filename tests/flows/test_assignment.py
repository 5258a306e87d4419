"""Inbound assignment: in turn or to the least busy, among roster reps at work and not away; else the managers pick."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from bot import flows
from bot.deps import Deps
from bot.models import Notification, Rep
from bot.services import reps
from bot.services.inbound import InboundLead
from tests import support
from tests.seeding import seed_leads

MON_10_NY = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
MON_22_NY = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
DANA, KENJI, LENA, CFO, MAX = "UREP00001", "UREP00002", "UREP00003", "UCFO00001", "UMANAGER1"


def team(deps: Deps, tmp_path: Path, toml: str = "") -> Deps:
    roster = f"[team]\nreps = ['{DANA}', '{KENJI}', '{LENA}']\n"
    deps = support.with_pipeline(deps, roster + toml, tmp_path)
    with deps.session_factory.begin() as session:
        for user_id in (DANA, KENJI, LENA, CFO):
            reps.ensure_rep(session, user_id=user_id, now=MON_10_NY)
    return deps


def receive(deps: Deps, company: str, now: datetime = MON_10_NY) -> str:
    created = flows.receive_inbound_lead(deps, inbound=InboundLead(company=company), now=now)
    assert created.lead is not None
    return created.lead.owner_id


def queued(deps: Deps) -> list[Notification]:
    with deps.session_factory() as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def test_round_robin_goes_round_the_roster_reps_and_never_to_someone_off_it(
    deps: Deps, tmp_path: Path
) -> None:
    deps = team(deps, tmp_path)
    seed_leads(deps, ["A", "B", "C"], owner=LENA)  # busy, but it is her turn all the same
    owners = [receive(deps, f"Web {n}") for n in range(5)]
    assert owners == [DANA, KENJI, LENA, DANA, KENJI]
    assert CFO not in owners  # the CFO typed /pipeline once; that does not make him a rep


def test_least_busy_gives_it_to_the_rep_with_the_fewest_open_leads(
    deps: Deps, tmp_path: Path
) -> None:
    deps = team(deps, tmp_path, "assignment = 'least_busy'\n")
    seed_leads(deps, ["A", "B"], owner=DANA)
    seed_leads(deps, ["C"], owner=KENJI)
    assert [receive(deps, f"Web {n}") for n in range(3)] == [LENA, KENJI, LENA]


def test_away_reps_and_reps_off_work_are_skipped(deps: Deps, tmp_path: Path) -> None:
    deps = team(deps, tmp_path)
    with deps.session_factory.begin() as session:
        session.get(Rep, DANA).away_until = date(2026, 12, 7)
        session.get(Rep, KENJI).tz = "Asia/Tokyo"  # 00:00 in Tokyo
    assert [receive(deps, f"Web {n}") for n in range(2)] == [LENA, LENA]


def test_with_nobody_at_work_it_waits_with_a_manager_and_the_channel_is_asked_in_the_morning(
    deps: Deps, tmp_path: Path
) -> None:
    deps = team(deps, tmp_path)
    assert receive(deps, "Night Owl Ltd", now=MON_22_NY) == MAX
    [post] = queued(deps)
    assert (post.kind, post.recipient) == ("inbound-unassigned", "CMANAGERS")
    assert post.not_before == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tue 09:00 New York
    assert "no rep was at work" in post.payload["text"] and f"<@{MAX}>" in post.payload["text"]
    [select_] = [
        element
        for block in post.payload["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["type"] == "static_select"
    ]
    picks = [o["text"]["text"] for g in select_["option_groups"] for o in g["options"]]
    assert picks[0].startswith("Round-robin") and CFO not in str(select_)
    # The manager holding it gets no "it's yours" DM: the channel decides.
    assert all(note.kind != "assigned" for note in queued(deps))


def test_a_team_holiday_is_nobody_at_work(deps: Deps, tmp_path: Path) -> None:
    deps = team(deps, tmp_path, "[schedule]\nholidays = ['2026-11-30']\n")
    assert receive(deps, "Holiday Inc") == MAX
    [post] = queued(deps)
    assert post.not_before == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def test_without_a_roster_everyone_who_used_pipebot_is_a_rep_as_before(deps: Deps) -> None:
    with deps.session_factory.begin() as session:
        for user_id in (DANA, CFO):
            reps.ensure_rep(session, user_id=user_id, now=MON_10_NY)
    assert [receive(deps, f"Web {n}") for n in range(2)] == [CFO, DANA]
