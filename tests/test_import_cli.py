"""`pipebot import leads` as an operator runs it: an export goes back in unchanged, bad rows are lines."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from bot import flows
from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.leads import Status
from bot.models import Lead, LeadEvent
from tests.seeding import seed_leads
from tests.test_cli import pipebot

DANA, KENJI = "UREP00001", "UREP00002"


def lead_count(deps: Deps) -> int:
    with deps.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Lead))


def seed_26(deps: Deps) -> None:
    ids = seed_leads(deps, [f"Company {i}" for i in range(20)], owner=DANA, value="1500.50",
                     contact="Ann Lee", email="ann@example.test", phone="+1 415 555 0100")  # fmt: skip
    ids += seed_leads(deps, ["=cmd|' /C calc'!A0", "Ünïcödé GmbH", "Smith, Jones & Co",
                             'The "Quoted" Co', "@Sign Ltd", "Last Co"], owner=KENJI,
                      stage="proposal", currency="EUR")  # fmt: skip
    flows.change_lead(deps, by=Actor(DANA), lead_id=ids[0], change=flows.Close(Status.WON),
                      now=deps.clock.now())  # fmt: skip
    flows.change_lead(deps, by=Actor(KENJI), lead_id=ids[21],
                      change=flows.Close(Status.LOST, "price\n-too high"), now=deps.clock.now())  # fmt: skip
    flows.log_touch(deps, by=Actor(DANA), lead_id=ids[1], kind="call", note="hello",
                    now=deps.clock.now())  # fmt: skip


def test_export_import_export_gives_the_same_bytes_and_the_same_leads(
    deps: Deps, db_url: str, tmp_path: Path
) -> None:
    seed_26(deps)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    assert pipebot(db_url, "export", "leads", "-o", str(first)).returncode == 0
    done = pipebot(db_url, "import", "leads", str(first))
    assert done.returncode == 0, done.stderr
    assert "imported 26 leads: 0 new, 0 updated, 26 unchanged" in done.stdout
    assert pipebot(db_url, "export", "leads", "-o", str(second)).returncode == 0
    assert second.read_bytes() == first.read_bytes()
    assert lead_count(deps) == 26
    with deps.session_factory() as session:
        assert session.scalar(select(func.count()).where(LeadEvent.kind == "imported")) == 0


def test_an_edited_export_updates_and_undo_takes_it_back(
    deps: Deps, db_url: str, tmp_path: Path
) -> None:
    seed_26(deps)
    original = tmp_path / "leads.csv"
    pipebot(db_url, "export", "leads", "-o", str(original))
    edited = tmp_path / "edited.csv"
    edited.write_text(
        original.read_text().replace("1500.50", "1750.00") + ",New Co" + "," * 16 + "\n"
    )
    done = pipebot(db_url, "import", "leads", str(edited))
    assert done.returncode == 0, done.stderr
    assert "imported 27 leads: 1 new, 20 updated, 6 unchanged" in done.stdout
    import_id = re.search(r"--undo (\S+)`", done.stdout)
    assert import_id is not None and lead_count(deps) == 27
    undone = pipebot(db_url, "import", "leads", "--undo", import_id.group(1))
    assert undone.returncode == 0, undone.stderr
    assert "1 leads removed, 20 restored" in undone.stdout
    assert pipebot(db_url, "export", "leads").stdout == original.read_text()
    again = pipebot(db_url, "import", "leads", "--undo", import_id.group(1))
    assert again.returncode == 1 and "no import" in again.stderr


def test_no_update_refuses_an_export(deps: Deps, db_url: str, tmp_path: Path) -> None:
    seed_26(deps)
    exported = tmp_path / "leads.csv"
    pipebot(db_url, "export", "leads", "-o", str(exported))
    result = pipebot(db_url, "import", "leads", str(exported), "--no-update")
    assert result.returncode == 1 and "nothing was imported" in result.stderr
    assert "leads.csv:2: id 1 names an existing lead and --no-update refuses" in result.stderr
    assert lead_count(deps) == 26


def test_hostile_cells_are_lines_never_a_traceback(db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "leads.csv"
    source.write_text(
        "company,value,touches,created_at,next_follow_up,owner\n"
        "Acme,NaN,1,,,UDANA0001\n"
        "Globex,sNaN,Infinity,,,UDANA0001\n"
        "Initech,1e23,-0,,,UDANA0001\n"
        "Hooli,-0,1,9999-12-31T23:59:59+14:00,,UDANA0001\n"
        "Umbrella,1,1,,0001-01-01,UDANA0001\n"
        "Extra,1,1,,,UDANA0001,surprise\n"
        "Short,1\n"
        "\u202eoC lioR\x00,1,1,,,UDANA0001\n",
        encoding="utf-8",
    )
    result = pipebot(db_url, "import", "leads", str(source))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith(f"{source}:")]
    assert [line.split(": ", 1)[0].rsplit(":", 1)[1] for line in lines] == [
        "2", "3", "4", "5", "6", "7", "8"
    ]  # fmt: skip
    assert "nothing was imported" in result.stderr


def test_file_and_undo_go_alone(db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "leads.csv"
    source.write_text("company\nAcme\n")
    assert pipebot(db_url, "import", "leads").returncode == 2
    assert pipebot(db_url, "import", "leads", str(source), "--undo", "x").returncode == 2
