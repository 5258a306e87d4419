"""The one frozen bundle of dependencies that listeners and jobs receive."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, SystemClock
from bot.config import Config, PipelineConfig
from bot.db import make_engine, make_session_factory, read_only_engine
from bot.shared_writes import SharedTransactions


@dataclass(frozen=True)
class Deps:
    """Settings, database, clock and Slack client, built once per process."""

    config: Config
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock = field(default_factory=SystemClock)
    slack: WebClient | None = None
    # Slack's clock: real time even when `clock` is simulated (`jobs run --at`); message `ts` use it.
    slack_clock: Clock = field(default_factory=SystemClock)

    @property
    def pipeline(self) -> PipelineConfig:
        return self.config.pipeline

    @property
    def team_zone(self) -> ZoneInfo:
        return self.config.settings.team_zone

    @cached_property
    def metadata_key(self) -> bytes:
        """The key that signs modal metadata, derived from the signing secret (or the bot token)."""
        settings = self.config.settings
        source = (
            settings.slack_signing_secret or settings.slack_bot_token or settings.slack_app_token
        )
        secret = source.get_secret_value().encode() if source else b"pipebot"
        return hmac.new(secret, b"pipebot modal metadata", hashlib.sha256).digest()

    @cached_property
    def read_sessions(self) -> sessionmaker[Session]:
        """Sessions whose transactions only read: a job's long reads, which on SQLite then hold no
        write lock (a request's write goes ahead meanwhile). Writing in one is an error."""
        return make_session_factory(read_only_engine(self.engine))

    @cached_property
    def shared_transactions(self) -> SharedTransactions:
        """Short writes that many requests make at once, committed together (`/touch`)."""
        return SharedTransactions(self.session_factory)

    def is_manager(self, user_id: str) -> bool:
        return user_id in self.config.managers

    def with_clock(self, clock: Clock) -> Deps:
        return Deps(
            self.config, self.engine, self.session_factory, clock, self.slack, self.slack_clock
        )


def make_web_client(config: Config) -> WebClient | None:
    """A Web API client on SLACK_API_URL, or None when no bot token is set."""
    token = config.settings.slack_bot_token
    if token is None:
        return None
    return WebClient(token=token.get_secret_value(), base_url=config.settings.slack_api_url)


def build_deps(config: Config, *, clock: Clock | None = None) -> Deps:
    """Wire the production dependencies from a loaded config."""
    engine = make_engine(config.settings.database_url)
    return Deps(
        config=config,
        engine=engine,
        session_factory=make_session_factory(engine),
        clock=clock or SystemClock(),
        slack=make_web_client(config),
    )
