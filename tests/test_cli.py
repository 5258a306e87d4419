"""The `pipebot` command as an operator runs it: real processes, real databases."""

import csv
import io
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import httpx
import pytest
from slack_sdk import WebClient

from bot import startup
from bot.cli import main
from bot.config import load_config
from tests.fakeslack import FakeSlack
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


# --- Operating pipebot: version, config check, PIPEBOT_HOME, .env, start-up checks ---

PIPEBOT_VARIABLES = (
    "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "DATABASE_URL",
    "PIPEBOT_HOME", "PIPEBOT_CONFIG", "PIPEBOT_MANAGERS_CHANNEL", "PIPEBOT_MANAGERS",
    "PIPEBOT_TIMEZONE", "PIPEBOT_SCHEDULER", "PIPEBOT_INBOUND_TOKEN",
    "PIPEBOT_SEND_BUDGET_PER_MINUTE", "LOG_LEVEL", "LOG_FORMAT", "PORT",
)  # fmt: skip
BOT_SECRET = "xoxb-1111-2222-topsecretvalue"
SIGNING = "0123456789abcdef0123456789abcdef"


def bare_pipebot(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`pipebot ARGS` run from `cwd` with no pipebot variable but those given."""
    environment = {k: v for k, v in os.environ.items() if k not in PIPEBOT_VARIABLES}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**environment, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This process with no pipebot variable set, working in an empty directory."""
    for name in PIPEBOT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_version_names_the_installed_distribution(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"pipebot {metadata.version('pipebot')}\n"


def test_config_check_prints_the_effective_settings_with_secrets_masked(
    bare: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (bare / "pipeline.toml").write_text(
        '[team]\nmanagers_channel = "CFROMFILE"\n[schedule]\nmorning_plan = "07:45"\n'
        'working_days = ["sun", "mon", "tue", "wed", "thu"]\n'
        "[[stages]]\nkey = 'new'\nprobability = 0.1\nstale_days = 4\nstuck_days = 12\n"
        "[[stages]]\nkey = 'deal'\nname = 'Deal desk'\nprobability = 0.6\nstale_days = 2\n"
        "stuck_days = 9\nwip_limit = 5\n"
    )
    for name, value in {"SLACK_BOT_TOKEN": BOT_SECRET, "SLACK_SIGNING_SECRET": SIGNING,
                        "PIPEBOT_INBOUND_TOKEN": "inbound-secret-42-of-enough-length", "PIPEBOT_MANAGERS": "UBOSS0001,UBOSS0002",
                        "PIPEBOT_TIMEZONE": "Europe/Berlin"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    for secret in (BOT_SECRET, "topsecretvalue", SIGNING, "inbound-secret-42-of-enough-length"):
        assert secret not in out
    assert "xoxb-**** (set)" in out and "HTTP on POST /slack/events" in out
    assert "UBOSS0001, UBOSS0002 (from PIPEBOT_MANAGERS)" in out
    assert "CFROMFILE (from pipeline)" in out and "Europe/Berlin" in out
    assert f"sqlite:///{bare / 'pipebot.db'}" in out and str(bare / "pipeline.toml") in out
    stages = [line.split() for line in out.splitlines() if line.startswith(("  new ", "  deal "))]
    assert stages == [
        ["new", "10%", "4", "days", "12", "days", "—"],
        ["deal", "(Deal", "desk)", "60%", "2", "days", "9", "days", "5"],
    ]
    assert "07:45" in out and "sun, mon, tue, wed, thu" in out
    assert "last chance after 6 touches or 30 days" in out
    assert "not set: everyone who uses pipebot is a rep" in out and "note: no roster" in out
    assert out.rstrip().endswith("configuration OK")


def test_config_check_shows_the_roster_assignment_and_holidays(
    bare: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (bare / "pipeline.toml").write_text(
        "[team]\nreps = ['U0REP0001', 'U0REP0002']\nreps_usergroup = 'S0SALES01'\n"
        "assignment = 'least_busy'\n[schedule]\nholidays = ['2026-12-25', '2026-12-26']\n"
        "[reps.U0REP0001]\nholidays = ['2026-12-28']\n"
    )
    assert main(["config", "check"]) in (0, 1)
    out = capsys.readouterr().out
    rows = {line.split("  ")[1].strip(): line.strip() for line in out.splitlines() if "  " in line}
    assert "U0REP0001, U0REP0002 and members of user group S0SALES01" in rows["roster"]
    assert rows["inbound assignment"].endswith("least-busy")
    assert rows["holidays"].endswith("2026-12-25, 2026-12-26")
    assert "off 2026-12-28" in rows["rep U0REP0001"]
    assert "note: no roster" not in out


def test_config_check_reads_the_file_given_and_names_a_bad_key(
    bare: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_SECRET)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A0001-1-appsecret")
    good = bare / "team.toml"
    good.write_text("[cadence]\ntouches = 4\n")
    assert main(["config", "check", str(good)]) == 0
    out = capsys.readouterr().out
    assert "Socket Mode" in out and "after 4 touches" in out and "appsecret" not in out
    bad = bare / "bad.toml"
    bad.write_text("[[stages]]\nkey = 'a'\nprobability = 2\nstale_days = 1\nstuck_days = 1\n")
    assert main(["config", "check", str(bad)]) == 2
    assert "bad.toml: stages.0.probability" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("env", "code", "expected"),
    [
        ({"PIPEBOT_TIMEZONE": "Mars/Base"}, 2, "PIPEBOT_TIMEZONE: 'Mars/Base' is not an IANA"),
        ({}, 1, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": BOT_SECRET}, 1, "set SLACK_APP_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xapp-1-swapped", "SLACK_SIGNING_SECRET": SIGNING}, 1,
         "SLACK_BOT_TOKEN should start with xoxb-"),
    ],
)  # fmt: skip
def test_config_check_exits_non_zero_with_the_problem(
    bare: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    env: dict[str, str], code: int, expected: str,
) -> None:  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["config", "check"]) == code
    captured = capsys.readouterr()
    assert expected in captured.err and "configuration OK" not in captured.out


def test_run_without_app_token_or_signing_secret_names_both_ways(tmp_path: Path) -> None:
    result = bare_pipebot(tmp_path, "run", SLACK_BOT_TOKEN=BOT_SECRET)
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN (an xapp-" in result.stderr and "Socket Mode" in result.stderr
    assert "SLACK_SIGNING_SECRET" in result.stderr
    explicit = bare_pipebot(tmp_path, "run", "--mode", "http", SLACK_BOT_TOKEN=BOT_SECRET)
    assert "HTTP mode needs SLACK_SIGNING_SECRET" in explicit.stderr
    assert not (tmp_path / "pipebot.db").exists()


def test_run_with_slack_unreachable_says_so_in_one_line_and_creates_no_database(
    tmp_path: Path,
) -> None:
    api_url = f"http://127.0.0.1:{closed_port()}/api/"
    database = tmp_path / "data" / "pipebot.db"
    database.parent.mkdir()
    result = bare_pipebot(tmp_path, "run", "--mode", "http", SLACK_BOT_TOKEN=BOT_SECRET,
                          SLACK_SIGNING_SECRET=SIGNING, SLACK_API_URL=api_url,
                          PIPEBOT_HOME=str(database.parent))  # fmt: skip
    assert result.returncode == 75, result.stderr
    assert "Traceback" not in result.stderr
    naming = [line for line in result.stderr.splitlines() if "SLACK_API_URL" in line]
    assert len(naming) == 1 and "Connection refused" in naming[0]
    assert naming[0].startswith(f"pipebot: cannot reach Slack at SLACK_API_URL={api_url} (")
    assert not database.exists() and list(database.parent.iterdir()) == []


def test_pipebot_home_holds_the_database_wherever_pipebot_runs_from(tmp_path: Path) -> None:
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    (home / "pipeline.toml").write_text("[cadence]\ntouches = 4\n")
    first = bare_pipebot(elsewhere, "db", "upgrade", PIPEBOT_HOME=str(home))
    assert first.returncode == 0, first.stderr
    assert (home / "pipebot.db").exists() and not (elsewhere / "pipebot.db").exists()
    assert f"database: sqlite:///{home / 'pipebot.db'}" in first.stderr
    assert f"pipeline: {home / 'pipeline.toml'}" in first.stderr
    assert f"WARNING pipebot: {home / 'pipebot.db'} does not exist yet" in first.stderr
    again = bare_pipebot(elsewhere, "db", "upgrade", PIPEBOT_HOME=str(home))
    assert again.returncode == 0 and "does not exist yet" not in again.stderr


def test_dot_env_in_the_working_directory_configures_the_command(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///from-dot-env.db\nLOG_LEVEL=warning\n")
    result = bare_pipebot(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-dot-env.db").exists() and not (tmp_path / "pipebot.db").exists()
    assert "database:" not in result.stderr  # LOG_LEVEL=warning came from .env too
    overridden = bare_pipebot(tmp_path, "db", "upgrade", DATABASE_URL="sqlite:///from-env.db")
    assert overridden.returncode == 0 and (tmp_path / "from-env.db").exists()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(rate_limits=False) as fake:
        yield fake


def test_start_up_check_finds_the_bot_in_the_managers_channel(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    client = WebClient(token="xoxb-test-token", base_url=slack.base_url)
    assert startup.check_managers_channel(client, "CMANAGERS") is True
    assert slack.last("conversations.info").args["channel"] == "CMANAGERS"
    slack.add_user("UBOSS0001")
    assert startup.check_managers_channel(client, "DUBOSS0001") is True  # a DM has no members
    assert "managers' channel" not in caplog.text


@pytest.mark.parametrize(
    ("channel", "error", "expected"),
    [
        ("CMANAGERS", None, "not a member of the managers' channel #cmanagers (CMANAGERS)"),
        ("CMANAGERS", "channel_not_found", "CMANAGERS was not found"),
        ("GPRIVATE1", "missing_scope", "reinstall it from manifest.yml"),
        (None, None, "no managers' channel is set"),
    ],
)
def test_start_up_check_says_plainly_what_is_wrong_with_the_managers_channel(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture, channel: str | None, error: str | None,
    expected: str,
) -> None:  # fmt: skip
    slack.remove_bot("CMANAGERS")
    if error:
        slack.fail_next("conversations.info", error=error)
    client = WebClient(token="xoxb-test-token", base_url=slack.base_url)
    assert startup.check_managers_channel(client, channel) is False
    assert expected in caplog.text
    if channel == "CMANAGERS" and error is None:
        assert "/invite @pipebot" in caplog.text


@pytest.mark.parametrize(
    ("fault", "code", "expected"),
    [
        ({"status": 503}, startup.EXIT_TRY_AGAIN, "answered HTTP 503"),
        ({"error": "invalid_auth"}, startup.EXIT_FIX_CONFIG, "Slack refused SLACK_BOT_TOKEN (invalid_auth)"),
    ],
)  # fmt: skip
def test_start_up_check_tells_a_slack_outage_from_a_refused_token(
    slack: FakeSlack, fault: dict, code: int, expected: str
) -> None:
    settings = load_config(
        {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": slack.base_url}
    ).settings
    slack.fail_next("auth.test", times=2, **fault)
    problem = startup.check_slack(startup.slack_client(settings), settings)
    assert problem is not None and problem.exit_code == code and expected in problem.message


def test_run_outside_the_managers_channel_logs_how_to_fix_it_and_keeps_serving(
    tmp_path: Path, slack: FakeSlack
) -> None:
    slack.remove_bot("CMANAGERS")
    port = closed_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--mode", "http", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **app_env(f"sqlite:///{tmp_path / 'pipebot.db'}", SLACK_API_URL=slack.base_url)},
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        with httpx.Client(transport=httpx.HTTPTransport(retries=50)) as client:
            assert client.get(f"http://127.0.0.1:{port}/healthz", timeout=30).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "not a member of the managers' channel" in output and "/invite @pipebot" in output


def test_a_database_that_cannot_be_reached_is_named_in_one_line(tmp_path: Path) -> None:
    url = "postgresql://pipebot:secret-pw@127.0.0.1:" + str(closed_port()) + "/pipebot"
    result = bare_pipebot(tmp_path, "db", "upgrade", DATABASE_URL=url)
    assert result.returncode == 75, result.stderr
    assert "Traceback" not in result.stderr and "secret-pw" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("pipebot: ")]
    assert line.startswith("pipebot: cannot open the database at DATABASE_URL=postgresql")
