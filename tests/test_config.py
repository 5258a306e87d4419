"""Settings and pipeline config: defaults per SPEC, and a bad value names its key."""

from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, load_pipeline, load_settings


def test_defaults_match_the_contract() -> None:
    settings = load_settings({})
    # sqlite:///pipebot.db, resolved once against PIPEBOT_HOME, which defaults to the working directory
    assert settings.database_url == f"sqlite:///{Path.cwd() / 'pipebot.db'}"
    assert settings.database_is_default and settings.home == Path.cwd()
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.pipebot_timezone == "UTC"
    assert settings.pipebot_scheduler == "on"
    assert settings.port == 3000
    assert (settings.log_level, settings.log_format) == ("INFO", "text")


def test_default_pipeline_has_the_five_stages_with_their_clocks() -> None:
    pipeline = load_pipeline(None)
    assert [s.key for s in pipeline.stages] == [
        "prospecting",
        "qualification",
        "connecting",
        "proposal",
        "closing",
    ]
    proposal = pipeline.stage_by_key["proposal"]
    assert (proposal.probability, proposal.stale_days, proposal.stuck_days, proposal.wip_limit) == (
        Decimal("0.5"),
        5,
        14,
        8,
    )
    assert str(pipeline.team.congestion_share) == "0.4"
    assert pipeline.schedule.morning_plan == "08:30"
    assert pipeline.schedule.weekday_numbers == frozenset(range(5))
    assert (pipeline.cadence.touches, pipeline.cadence.days_without_move) == (6, 30)


def test_environment_overrides_managers_and_channel(tmp_path: Path) -> None:
    file = tmp_path / "pipeline.toml"
    file.write_text('[team]\nmanagers = ["UAAA111"]\nmanagers_channel = "CAAA111"\n')
    config = load_config({"PIPEBOT_CONFIG": str(file)})
    assert config.managers == {"UAAA111"} and config.managers_channel == "CAAA111"
    config = load_config(
        {
            "PIPEBOT_CONFIG": str(file),
            "PIPEBOT_MANAGERS": "UBBB222, UCCC333",
            "PIPEBOT_MANAGERS_CHANNEL": "CBBB222",
        }
    )
    assert config.managers == {"UBBB222", "UCCC333"} and config.managers_channel == "CBBB222"
    blank = load_config(
        {"PIPEBOT_CONFIG": str(file), "PIPEBOT_MANAGERS": " ", "PIPEBOT_MANAGERS_CHANNEL": ""}
    )
    assert blank.managers == {"UAAA111"} and blank.managers_channel == "CAAA111"


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            "[[stages]]\nkey = 'a'\nprobability = 2\nstale_days = 1\nstuck_days = 1\n",
            "stages.0.probability",
        ),
        ("[team]\ncongestion_share = 0\n", "team.congestion_share"),
        ("[schedule]\nmorning_plan = '25:00'\n", "schedule.morning_plan"),
        ("[schedule]\nworking_days = ['funday']\n", "schedule.working_days"),
        ("[team]\nmanagers = ['dana']\n", "team.managers"),
        ("[team]\nunknown_key = 1\n", "team.unknown_key"),
        ("[[stages]]\nkey = 'won'\nprobability = 1\nstale_days = 1\nstuck_days = 1\n", "stages"),
        ("this is not toml", "not valid TOML"),
        ('last_chance_template = "Hi {{ name"\n', "last_chance_template"),
        ("[team]\nreps = ['dana']\n", "team.reps"),
        ("[team]\nreps_usergroup = 'sales'\n", "team.reps_usergroup"),
        ("[team]\nassignment = 'random'\n", "team.assignment"),
        ("[schedule]\nholidays = ['2026-13-01']\n", "schedule.holidays.0"),
        ("[schedule]\nholidays = [1800-12-25]\n", "schedule.holidays"),
        ("[reps.U012AB3CD]\nholidays = ['someday']\n", "reps.U012AB3CD.holidays.0"),
    ],
)
def test_bad_pipeline_is_refused_naming_the_key(tmp_path: Path, toml: str, expected: str) -> None:
    file = tmp_path / "pipeline.toml"
    file.write_text(toml)
    with pytest.raises(ConfigError, match=expected.replace(".", r"\.")):
        load_pipeline(file)


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"PIPEBOT_TIMEZONE": "Mars/Olympus"}, "PIPEBOT_TIMEZONE"),
        ({"PIPEBOT_SCHEDULER": "maybe"}, "PIPEBOT_SCHEDULER"),
        ({"PORT": "99999"}, "PORT"),
        ({"PIPEBOT_MANAGERS": "dana"}, "PIPEBOT_MANAGERS"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"SLACK_API_URL": "slack.com"}, "SLACK_API_URL"),
    ],
)
def test_bad_environment_names_the_variable(env: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError, match=f"^{key}:"):
        load_settings(env)


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config({"PIPEBOT_CONFIG": str(tmp_path / "missing.toml")})


def test_cli_refuses_to_start_on_bad_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from bot.cli import main

    file = tmp_path / "pipeline.toml"
    file.write_text("[cadence]\ntouches = -1\n")
    monkeypatch.setenv("PIPEBOT_CONFIG", str(file))
    assert main(["jobs", "list"]) == 2
    assert "cadence.touches" in capsys.readouterr().err


def test_a_short_inbound_token_is_refused_naming_the_variable() -> None:
    from bot.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="PIPEBOT_INBOUND_TOKEN: must be at least 24 characters"):
        load_settings({"PIPEBOT_INBOUND_TOKEN": "abc"})
    assert load_settings({"PIPEBOT_INBOUND_TOKEN": "x" * 24}).pipebot_inbound_token is not None


def test_pipebot_home_holds_the_default_database_and_pipeline(tmp_path: Path) -> None:
    (tmp_path / "pipeline.toml").write_text("[cadence]\ntouches = 3\n")
    config = load_config({"PIPEBOT_HOME": str(tmp_path)})
    assert config.settings.database_url == f"sqlite:///{tmp_path / 'pipebot.db'}"
    assert config.pipeline_path == tmp_path / "pipeline.toml"
    assert config.pipeline.cadence.touches == 3


def test_pipebot_home_without_a_pipeline_file_uses_the_defaults(tmp_path: Path) -> None:
    config = load_config({"PIPEBOT_HOME": str(tmp_path)})
    assert config.pipeline_path is None and config.pipeline.cadence.touches == 6


def test_explicit_database_url_and_pipebot_config_win_over_pipebot_home(tmp_path: Path) -> None:
    (tmp_path / "pipeline.toml").write_text("[cadence]\ntouches = 3\n")
    other = tmp_path / "other.toml"
    other.write_text("[cadence]\ntouches = 9\n")
    config = load_config(
        {"PIPEBOT_HOME": str(tmp_path), "DATABASE_URL": "sqlite:///elsewhere.db",
         "PIPEBOT_CONFIG": str(other)}
    )  # fmt: skip
    assert config.settings.database_url == "sqlite:///elsewhere.db"
    assert not config.settings.database_is_default
    assert config.pipeline_path == other and config.pipeline.cadence.touches == 9


def test_relative_pipebot_home_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    settings = load_settings({"PIPEBOT_HOME": "data"})
    assert settings.home == tmp_path / "data"
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'pipebot.db'}"


def test_pipebot_home_must_be_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="^PIPEBOT_HOME: .* is not a directory"):
        load_settings({"PIPEBOT_HOME": str(tmp_path / "missing")})


SETTINGS_VARIABLES = (
    "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "DATABASE_URL",
    "PIPEBOT_HOME", "PIPEBOT_CONFIG", "PIPEBOT_MANAGERS_CHANNEL", "PIPEBOT_MANAGERS",
    "PIPEBOT_TIMEZONE", "PIPEBOT_SCHEDULER", "PIPEBOT_INBOUND_TOKEN",
    "PIPEBOT_SEND_BUDGET_PER_MINUTE", "LOG_LEVEL", "LOG_FORMAT", "PORT",
)  # fmt: skip


@pytest.fixture
def bare_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No pipebot variable in the environment, and an empty working directory."""
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_dot_env_in_the_working_directory_is_read_and_the_environment_wins(
    bare_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (bare_environment / ".env").write_text(
        "# tokens and team\nPIPEBOT_TIMEZONE=Europe/Berlin\nPIPEBOT_MANAGERS=UFILE0001\n"
        "SLACK_BOT_TOKEN=xoxb-from-file\n"
    )
    monkeypatch.setenv("PIPEBOT_MANAGERS", "UENV00001")
    settings = load_settings()
    assert settings.pipebot_timezone == "Europe/Berlin"
    assert settings.pipebot_managers == ("UENV00001",)
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-from-file"


def test_a_bad_value_in_dot_env_names_the_variable(bare_environment: Path) -> None:
    (bare_environment / ".env").write_text("PIPEBOT_SCHEDULER=sometimes\n")
    with pytest.raises(ConfigError, match="^PIPEBOT_SCHEDULER:"):
        load_settings()


def test_given_settings_ignore_the_environment_and_dot_env(
    bare_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (bare_environment / ".env").write_text("PIPEBOT_TIMEZONE=Europe/Berlin\n")
    monkeypatch.setenv("PIPEBOT_SCHEDULER", "off")
    settings = load_settings({"PORT": "4000"})
    assert settings.pipebot_timezone == "UTC" and settings.pipebot_scheduler == "on"
    assert settings.port == 4000


def test_manager_figures_have_their_documented_defaults() -> None:
    pipeline = load_pipeline(None)
    team, report = pipeline.team, pipeline.report
    assert (team.quota_period, team.min_early, team.coverage_target) == ("quarter", 3, Decimal(3))
    assert team.late_stage_probability == Decimal("0.5") and team.early_stages is None
    assert (report.currency, report.fx, report.min_sample, report.cohort_days) == (None, {}, 10, 90)
    assert report.minutes.model_dump() == {
        "call": 15, "email": 10, "message": 5, "linkedin": 5, "meeting": 45, "demo": 60, "other": 15,
        "inbound": 0,
    }  # fmt: skip
    rules = pipeline.team_rules
    # Early: the first two stages; late: probability >= 0.5 (proposal 50%, closing 80%).
    assert rules.early_keys == {"prospecting", "qualification"}
    assert rules.late_keys == {"proposal", "closing"}
    assert [stage.index for stage in rules.stages] == [0, 1, 2, 3, 4]


def test_report_section_and_team_keys_are_read(tmp_path: Path) -> None:
    file = tmp_path / "pipeline.toml"
    file.write_text(
        "[team]\nquota_period = 'month'\nearly_stages = ['prospecting']\nmin_early = 5\n"
        "late_stage_probability = 0.8\n"
        "[report]\ncurrency = 'eur'\nmin_sample = 4\ncohort_days = 60\n"
        "[report.fx]\nUSD = 0.92\nkrw = 0.00068\n"
        "[report.minutes]\ncall = 20\n"
        "[reps.UAAA111]\nquota = 250000\n[reps.UBBB222]\nmorning_plan = '07:45'\n"
    )
    pipeline = load_pipeline(file)
    assert pipeline.report.currency == "EUR"
    assert pipeline.report.fx == {"USD": Decimal("0.92"), "KRW": Decimal("0.00068")}
    assert pipeline.report.minutes.call == 20 and pipeline.report.minutes.email == 10
    assert pipeline.quotas == {"UAAA111": Decimal(250000)}
    assert pipeline.quota_of("UAAA111") == Decimal(250000) and pipeline.quota_of("UBBB222") is None
    rules = pipeline.team_rules
    assert rules.early_keys == {"prospecting"} and rules.late_keys == {"closing"}
    assert (rules.quota_period, rules.min_early, rules.min_sample, rules.cohort_days) == (
        "month", 5, 4, 60,
    )  # fmt: skip
    assert rules.minutes["call"] == 20


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[team]\nquota_period = 'week'\n", "team.quota_period"),
        ("[team]\nearly_stages = ['discovery']\n", "team.early_stages: 'discovery' is not a stage"),
        ("[team]\nearly_stages = []\n", "team.early_stages"),
        ("[team]\nmin_early = -1\n", "team.min_early"),
        ("[team]\nlate_stage_probability = 1.5\n", "team.late_stage_probability"),
        ("[team]\ncoverage_target = 0\n", "team.coverage_target"),
        ("[report]\ncurrency = 'euro'\n", "report.currency"),
        ("[report.fx]\nEUR = 0\n", "report.fx"),
        ("[report.fx]\nEURO = 1.1\n", "report.fx"),
        ("[report]\nmin_sample = 0\n", "report.min_sample"),
        ("[report]\ncohort_days = 3\n", "report.cohort_days"),
        ("[report.minutes]\ncall = -5\n", "report.minutes.call"),
        ("[report.minutes]\nnote = 5\n", "report.minutes.note"),
        ("[report]\nunknown = 1\n", "report.unknown"),
    ],
)
def test_bad_manager_keys_are_refused_naming_the_key(
    tmp_path: Path, toml: str, expected: str
) -> None:
    file = tmp_path / "pipeline.toml"
    file.write_text(toml)
    with pytest.raises(ConfigError, match=expected.replace(".", r"\.")):
        load_pipeline(file)


def test_early_stages_must_name_stages_of_the_file_itself(tmp_path: Path) -> None:
    file = tmp_path / "pipeline.toml"
    file.write_text(
        "[team]\nearly_stages = ['lead']\n"
        "[[stages]]\nkey = 'lead'\nprobability = 0.1\nstale_days = 7\nstuck_days = 14\n"
        "[[stages]]\nkey = 'deal'\nprobability = 0.6\nstale_days = 3\nstuck_days = 10\n"
    )
    rules = load_pipeline(file).team_rules
    assert rules.early_keys == {"lead"} and rules.late_keys == {"deal"}


def test_roster_assignment_and_holidays_are_read(tmp_path: Path) -> None:
    from datetime import date

    file = tmp_path / "pipeline.toml"
    file.write_text(
        "[team]\nreps = ['U0REP0001', 'U0REP0002']\nreps_usergroup = 'S0SALES01'\n"
        "assignment = 'least_busy'\n"
        "[schedule]\nholidays = [2026-12-25, '2027-01-01']\n"
        "[reps.U0REP0001]\nholidays = ['2026-12-24']\n"
    )
    pipeline = load_pipeline(file)
    team = pipeline.team
    assert team.reps == ("U0REP0001", "U0REP0002") and team.reps_usergroup == "S0SALES01"
    assert team.assignment == "least_busy" and team.has_roster
    xmas, new_year, eve = date(2026, 12, 25), date(2027, 1, 1), date(2026, 12, 24)
    assert pipeline.team_holidays == {xmas, new_year}
    assert pipeline.schedule.weekday_numbers.holidays == {xmas, new_year}
    assert pipeline.holidays_for("U0REP0001") == {xmas, new_year, eve}
    assert pipeline.holidays_for("U0REP0002") == {xmas, new_year}


def test_without_roster_keys_there_is_no_roster() -> None:
    team = load_pipeline(None).team
    assert (team.reps, team.reps_usergroup, team.has_roster) == ((), "", False)
    assert team.assignment == "round_robin"
