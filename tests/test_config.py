"""Settings and pipeline config: defaults per SPEC, and a bad value names its key."""

from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, load_pipeline, load_settings


def test_defaults_match_the_contract() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite:///pipebot.db"
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
