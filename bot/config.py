"""Settings from the environment and the pipeline from `pipeline.toml`, validated once at start."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from bot.pipeline_config import (
    WEEKDAYS,
    CadenceConfig,
    ConfigError,
    PipelineConfig,
    RepConfig,
    ScheduleConfig,
    Stage,
    TeamConfig,
    default_pipeline_text,
    load_pipeline,
)

__all__ = [
    "WEEKDAYS", "CadenceConfig", "Config", "ConfigError", "PipelineConfig", "RepConfig", "ScheduleConfig",
    "Settings", "Stage", "TeamConfig", "default_pipeline_text", "load_config", "load_pipeline", "load_settings",
]  # fmt: skip

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
MIN_TOKEN_LENGTH = 24
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
DEFAULT_DATABASE_FILE = "pipebot.db"
PIPELINE_FILE = "pipeline.toml"


class Settings(BaseSettings):
    """Everything pipebot reads from the environment (SPEC §6), and `.env` in the working directory.

    The real environment wins over `.env`. The default SQLite file and `pipeline.toml` are looked
    for in PIPEBOT_HOME (default: the working directory); an explicit DATABASE_URL or
    PIPEBOT_CONFIG keeps its own meaning.
    """

    model_config = SettingsConfigDict(
        extra="ignore", frozen=True, env_file=".env", env_file_encoding="utf-8"
    )

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = f"sqlite:///{DEFAULT_DATABASE_FILE}"
    pipebot_home: Path | None = None
    pipebot_config: Path | None = None
    pipebot_managers_channel: str | None = None
    pipebot_managers: Annotated[tuple[str, ...] | None, NoDecode] = None
    pipebot_timezone: str = "UTC"
    pipebot_scheduler: Literal["on", "off"] = "on"
    pipebot_inbound_token: SecretStr | None = None
    pipebot_send_budget_per_minute: int = Field(default=300, ge=1, le=100_000)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    port: int = Field(default=3000, ge=1, le=65535)
    # Health and metrics on a port of their own (Socket Mode serves them on PORT otherwise).
    metrics_port: int | None = Field(default=None, ge=1, le=65535)

    @field_validator(
        "slack_bot_token", "slack_app_token", "slack_signing_secret", "pipebot_inbound_token",
        "pipebot_config", "pipebot_home", "pipebot_managers_channel", "metrics_port", mode="before",
    )  # fmt: skip
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("pipebot_inbound_token")
    @classmethod
    def _long_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_TOKEN_LENGTH:
            raise ValueError(
                f"must be at least {MIN_TOKEN_LENGTH} characters; generate one with `openssl rand -hex 24`"
            )
        return value

    @field_validator("pipebot_managers", mode="before")
    @classmethod
    def _split_managers(cls, value: object) -> object:
        if isinstance(value, str):
            # Blank is unset (as compose's ${PIPEBOT_MANAGERS:-} gives), so pipeline.toml applies.
            return tuple(part.strip() for part in value.split(",") if part.strip()) or None
        return value

    @field_validator("pipebot_managers")
    @classmethod
    def _check_managers(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for user_id in value or ():
            if not _USER_ID.match(user_id):
                raise ValueError(f"{user_id!r} is not a Slack user ID like U012AB3CD")
        return value

    @field_validator("pipebot_managers_channel")
    @classmethod
    def _check_channel(cls, value: str | None) -> str | None:
        if value and not _CHANNEL_ID.match(value):
            raise ValueError(f"{value!r} is not a Slack channel ID like C012AB3CD")
        return value or None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("pipebot_scheduler", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("pipebot_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not an IANA timezone like Europe/Berlin") from exc
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL like https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql", "postgres://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("pipebot_home")
    @classmethod
    def _home(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        home = value.expanduser().absolute()
        if not home.is_dir():
            raise ValueError(f"{str(value)!r} is not a directory")
        return home

    @model_validator(mode="after")
    def _resolve_home(self) -> Settings:
        # Resolved once, here, so every later use (and the start-up log) sees the same paths.
        home = self.pipebot_home or Path.cwd()
        object.__setattr__(self, "pipebot_home", home)
        if self.database_is_default:
            object.__setattr__(self, "database_url", f"sqlite:///{home / DEFAULT_DATABASE_FILE}")
        return self

    @property
    def database_is_default(self) -> bool:
        """True when DATABASE_URL was not given, so the database is pipebot.db in PIPEBOT_HOME."""
        return "database_url" not in self.model_fields_set

    @property
    def home(self) -> Path:
        """PIPEBOT_HOME as an absolute path (the working directory when unset)."""
        assert self.pipebot_home is not None  # set by _resolve_home
        return self.pipebot_home

    @property
    def team_zone(self) -> ZoneInfo:
        return ZoneInfo(self.pipebot_timezone)

    def config_path(self) -> Path | None:
        """The pipeline file in use: PIPEBOT_CONFIG, else pipeline.toml in PIPEBOT_HOME when present."""
        if self.pipebot_config:
            return self.pipebot_config
        local = self.home / PIPELINE_FILE
        return local if local.is_file() else None


class _GivenSettings(Settings):
    """Settings from a mapping alone: neither the real environment nor `.env` leaks in."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read the environment and `.env` (or only `env`), naming the variable in any error."""
    try:
        if env is None:
            return Settings()
        return _GivenSettings(**{key.lower(): value for key, value in env.items()})
    except ValidationError as exc:
        first = exc.errors()[0]
        key = str(first["loc"][0]).upper() if first["loc"] else "environment"
        raise ConfigError(f"{key}: {first['msg'].removeprefix('Value error, ')}") from exc


class Config(BaseModel):
    """Settings and pipeline together, with the environment's overrides applied."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    settings: Settings
    pipeline: PipelineConfig
    # The pipeline file that was read; None means the built-in defaults.
    pipeline_path: Path | None = None

    @property
    def managers(self) -> frozenset[str]:
        if self.settings.pipebot_managers is not None:
            return frozenset(self.settings.pipebot_managers)
        return frozenset(self.pipeline.team.managers)

    @property
    def managers_channel(self) -> str | None:
        return self.settings.pipebot_managers_channel or self.pipeline.team.managers_channel or None


def load_config(env: dict[str, str] | None = None, *, pipeline_file: Path | None = None) -> Config:
    """Load and validate everything pipebot needs to start; `pipeline_file` overrides PIPEBOT_CONFIG."""
    settings = load_settings(env)
    path = pipeline_file or settings.config_path()
    return Config(settings=settings, pipeline=load_pipeline(path), pipeline_path=path)
