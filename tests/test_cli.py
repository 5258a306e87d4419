"""The `pipebot` command as an operator runs it: real processes, real databases."""

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import app_env

GOOD_CSV = """company,contact,email,value,currency,stage,owner,next_follow_up
Acme Corp,Ann Lee,ann@acme.test,12500.00,USD,qualification,UDANA0001,2026-12-04
"Smith, Jones & Co",,,5000,EUR,proposal,UPRIYA001,
"""


def pipebot(db_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **app_env(db_url), **env}
    environment.pop("PIPEBOT_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_jobs_list_names_every_job(db_url: str) -> None:
    result = pipebot(db_url, "jobs", "list")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == ["morning-plan", "overdue-followups", "stale-nudges", "speed-to-lead",
                     "congestion-alerts", "pipeline-cleanup", "weekly-report"]  # fmt: skip


def test_unknown_job_fails(db_url: str) -> None:
    result = pipebot(db_url, "jobs", "run", "no-such-job")
    assert result.returncode != 0 and "no job named" in result.stderr


def test_import_then_export_round_trips(db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "leads.csv"
    source.write_text(GOOD_CSV)
    dry = pipebot(db_url, "import", "leads", str(source), "--dry-run")
    assert dry.returncode == 0 and "would import 2 leads" in dry.stdout
    assert pipebot(db_url, "export", "leads").stdout.count("\n") == 1
    done = pipebot(db_url, "import", "leads", str(source))
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out.csv"
    assert pipebot(db_url, "export", "leads", "-o", str(out)).returncode == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [(r["company"], r["value"], r["currency"], r["stage"], r["owner"]) for r in rows] == [
        ("Acme Corp", "12500.00", "USD", "qualification", "UDANA0001"),
        ("Smith, Jones & Co", "5000.00", "EUR", "proposal", "UPRIYA001"),
    ]
    assert rows[0]["next_follow_up"] == "2026-12-04" and rows[0]["status"] == "open"


def test_import_with_a_bad_row_imports_nothing_and_names_the_line(
    db_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "leads.csv"
    source.write_text(GOOD_CSV + "Globex,,not-an-email,abc,USD,negotiation,UDANA0001,\n")
    result = pipebot(db_url, "import", "leads", str(source))
    assert result.returncode == 1
    assert "leads.csv:4:" in result.stderr and "nothing was imported" in result.stderr
    assert pipebot(db_url, "export", "leads").stdout.count("\n") == 1


@pytest.mark.parametrize("header", ["name,value", "company,colour"])
def test_import_rejects_bad_headers(db_url: str, tmp_path: Path, header: str) -> None:
    source = tmp_path / "leads.csv"
    source.write_text(header + "\nAcme,1\n")
    result = pipebot(db_url, "import", "leads", str(source))
    assert result.returncode == 1 and ":1:" in result.stderr


def test_run_without_tokens_explains_what_to_set(db_url: str) -> None:
    result = pipebot(db_url, "run", SLACK_BOT_TOKEN="")
    assert result.returncode == 2 and "SLACK_BOT_TOKEN" in result.stderr


def test_db_upgrade_is_idempotent(db_url: str) -> None:
    assert pipebot(db_url, "db", "upgrade").returncode == 0
    assert pipebot(db_url, "db", "upgrade").stdout.strip() == "database is up to date"


def test_export_never_hands_a_spreadsheet_a_formula_and_import_takes_it_back(
    db_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "leads.csv"
    source.write_text(
        'company,phone,owner\n"=HYPERLINK(""http://x"",""y"")",+1 555 0100,UDANA0001\n'
    )
    assert pipebot(db_url, "import", "leads", str(source)).returncode == 0
    exported = tmp_path / "out.csv"
    pipebot(db_url, "export", "leads", "-o", str(exported))
    row = next(csv.DictReader(io.StringIO(exported.read_text())))
    assert row["company"] == '\'=HYPERLINK("http://x","y")' and row["phone"] == "'+1 555 0100"
    again = tmp_path / "again.db"
    url = f"sqlite:///{again}"
    assert pipebot(url, "import", "leads", str(exported)).returncode == 0
    row = next(csv.DictReader(io.StringIO(pipebot(url, "export", "leads").stdout)))
    assert row["company"] == '\'=HYPERLINK("http://x","y")'
