"""The pipeline from `pipeline.toml`: stages, clocks, thresholds and per-rep rhythm, validated at start."""

from __future__ import annotations

import re
import tomllib
from datetime import date, time
from decimal import Decimal
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.domain.schedule import Workdays
from bot.domain.team_rules import TeamRules, build_stage_rules
from bot.webhook_config import WebhookConfig

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SLUG = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
_FIRST_YEAR, _LAST_YEAR = 1970, 2100


class ConfigError(Exception):
    """A setting or config key is wrong; the message names the key and the problem."""


class _KeyedError(ValueError):
    """A check across sections that knows which key is wrong, so the message can name it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _currency_code(value: str, key: str) -> str:
    code = value.strip().upper()
    if not _CURRENCY.match(code):
        raise ValueError(f"{key} {value!r} is not a 3-letter ISO currency code like EUR")
    return code


def _parse_clock(value: str, key: str) -> time:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
    if not match:
        raise ValueError(f"{key} must be a 24-hour time like 08:30, not {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


def _check_holidays(value: tuple[date, ...]) -> tuple[date, ...]:
    for day in value:
        if not _FIRST_YEAR <= day.year <= _LAST_YEAR:
            raise ValueError(f"{day.isoformat()} is outside the years {_FIRST_YEAR}–{_LAST_YEAR}")
    return tuple(sorted(set(value)))


def _check_user_ids(value: tuple[str, ...]) -> tuple[str, ...]:
    for user_id in value:
        if not _USER_ID.match(user_id):
            raise ValueError(f"{user_id!r} is not a Slack user ID like U012AB3CD")
    return value


def _check_days(value: tuple[str, ...]) -> tuple[str, ...]:
    days = tuple(day.strip().lower()[:3] for day in value)
    unknown = [day for day in days if day not in WEEKDAYS]
    if unknown:
        raise ValueError(f"unknown day {unknown[0]!r}; use mon, tue, wed, thu, fri, sat, sun")
    if not days:
        raise ValueError("needs at least one day")
    return days


class Stage(BaseModel):
    """One stage of the pipeline with its clocks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    name: str = ""
    probability: Decimal = Field(ge=0, le=1)
    stale_days: int = Field(ge=1, le=365)
    stuck_days: int = Field(ge=1, le=730)
    wip_limit: int | None = Field(default=None, ge=1, le=1000)
    # Days without a stage move before the cleanup offers a last chance; `cadence.days_without_move` when unset.
    days_without_move: int | None = Field(default=None, ge=1, le=3650)

    @field_validator("key")
    @classmethod
    def _key_is_slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("must be lowercase letters, digits, '-' or '_' (max 32)")
        return value

    @model_validator(mode="after")
    def _default_name(self) -> Stage:
        if not self.name:
            object.__setattr__(self, "name", self.key.replace("_", " ").title())
        return self


class TeamConfig(BaseModel):
    """Team-wide thresholds and the managers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    congestion_share: Decimal = Field(default=Decimal("0.4"), gt=0, le=1)
    speed_to_lead_hours: Decimal = Field(default=Decimal(4), gt=0, le=240)
    working_hours: str = "09:00-18:00"
    managers_channel: str = ""
    managers: tuple[str, ...] = ()
    coverage_target: Decimal = Field(default=Decimal(3), gt=0, le=100)
    quota_period: Literal["month", "quarter", "year"] = "quarter"
    early_stages: tuple[str, ...] | None = None
    min_early: int = Field(default=3, ge=0, le=1000)
    late_stage_probability: Decimal = Field(default=Decimal("0.5"), gt=0, le=1)
    # A new lead from one of these sources is inbound: the speed-to-lead clock runs for it.
    inbound_sources: tuple[str, ...] = ("website", "inbound", "webinar", "referral")
    # The roster: who the reps are. Neither set means everyone who uses pipebot is a rep.
    reps: tuple[str, ...] = ()
    reps_usergroup: str = ""
    # How an inbound lead without an owner finds one among the reps at work now.
    assignment: Literal["round_robin", "least_busy"] = "round_robin"

    @field_validator("reps")
    @classmethod
    def _reps(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_user_ids(value)

    @field_validator("reps_usergroup")
    @classmethod
    def _usergroup(cls, value: str) -> str:
        value = value.strip()
        if value and not _USERGROUP_ID.match(value):
            raise ValueError(f"{value!r} is not a Slack user group ID like S012AB3CD")
        return value

    @property
    def has_roster(self) -> bool:
        """True when the admin named the reps (a list, a user group or both)."""
        return bool(self.reps or self.reps_usergroup)

    @field_validator("inbound_sources")
    @classmethod
    def _sources(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        sources = tuple(source.strip().lower() for source in value)
        if any(not source for source in sources):
            raise ValueError("a source cannot be empty")
        return sources

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        start, sep, end = value.partition("-")
        if not sep:
            raise ValueError("must look like 09:00-18:00")
        if _parse_clock(start, "start") >= _parse_clock(end, "end"):
            raise ValueError("the start must be before the end")
        return value

    @field_validator("managers")
    @classmethod
    def _managers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_user_ids(value)

    @field_validator("managers_channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if value and not _CHANNEL_ID.match(value):
            raise ValueError(f"{value!r} is not a Slack channel ID like C012AB3CD")
        return value

    @property
    def work_start(self) -> time:
        return _parse_clock(self.working_hours.split("-")[0], "working_hours")

    @property
    def work_end(self) -> time:
        return _parse_clock(self.working_hours.split("-")[1], "working_hours")


class ScheduleConfig(BaseModel):
    """When the daily rhythm happens, in each rep's own timezone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    morning_plan: str = "08:30"
    working_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    # The team's days off: no rep DM and no manager post, and working-day clocks skip them.
    holidays: tuple[date, ...] = ()

    @field_validator("morning_plan")
    @classmethod
    def _plan_time(cls, value: str) -> str:
        _parse_clock(value, "morning_plan")
        return value

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: tuple[date, ...]) -> tuple[date, ...]:
        return _check_holidays(value)

    @field_validator("working_days")
    @classmethod
    def _days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_days(value)

    @property
    def plan_time(self) -> time:
        return _parse_clock(self.morning_plan, "morning_plan")

    @property
    def weekday_numbers(self) -> Workdays:
        """The team's working weekdays (Mon=0), carrying the team's holidays."""
        return Workdays((WEEKDAYS.index(day) for day in self.working_days), self.holidays)


class CadenceConfig(BaseModel):
    """When a lead has had its chances."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    touches: int = Field(default=6, ge=1, le=100)
    days_without_move: int = Field(default=30, ge=1, le=3650)


class TouchMinutes(BaseModel):
    """Estimated minutes a contact touch of each kind takes, for the "time sunk" figure."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    call: int = Field(default=15, ge=0, le=1440)
    email: int = Field(default=10, ge=0, le=1440)
    message: int = Field(default=5, ge=0, le=1440)
    linkedin: int = Field(default=5, ge=0, le=1440)
    meeting: int = Field(default=45, ge=0, le=1440)
    demo: int = Field(default=60, ge=0, le=1440)
    other: int = Field(default=15, ge=0, le=1440)
    # The buyer wrote in again: no time of the rep's went into it.
    inbound: int = Field(default=0, ge=0, le=1440)


class ReportConfig(BaseModel):
    """The weekly report: reporting currency and rates, sample sizes and cohort window."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # None: the most common currency among open leads, decided when the report is made.
    currency: str | None = None
    fx: dict[str, Decimal] = Field(default_factory=dict)
    min_sample: int = Field(default=10, ge=1, le=10_000)
    cohort_days: int = Field(default=90, ge=7, le=3650)
    minutes: TouchMinutes = TouchMinutes()

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else _currency_code(value, "currency")

    @field_validator("fx")
    @classmethod
    def _rates(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        rates = {}
        for code, rate in value.items():
            if rate <= 0 or rate >= Decimal(10) ** 9:
                raise ValueError(f"the rate for {code} must be a positive number, not {rate}")
            rates[_currency_code(code, "currency")] = rate
        return rates


class RepConfig(BaseModel):
    """One rep's own rhythm, overriding the team's: `[reps.U012AB3CD]` in pipeline.toml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    morning_plan: str | None = None
    working_days: tuple[str, ...] | None = None
    quota: Decimal | None = Field(default=None, ge=0, lt=Decimal(10) ** 12)
    # This rep's own days off, on top of the team's.
    holidays: tuple[date, ...] = ()

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: tuple[date, ...]) -> tuple[date, ...]:
        return _check_holidays(value)

    @field_validator("morning_plan")
    @classmethod
    def _plan_time(cls, value: str | None) -> str | None:
        if value is not None:
            clock = _parse_clock(value, "morning_plan")
            return f"{clock:%H:%M}"
        return value

    @field_validator("working_days")
    @classmethod
    def _days(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else _check_days(value)


class PipelineConfig(BaseModel):
    """The whole of `pipeline.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    team: TeamConfig = TeamConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    cadence: CadenceConfig = CadenceConfig()
    stages: tuple[Stage, ...]
    reps: dict[str, RepConfig] = Field(default_factory=dict)
    report: ReportConfig = ReportConfig()
    last_chance_template: str | None = None
    webhooks: tuple[WebhookConfig, ...] = ()

    @field_validator("webhooks")
    @classmethod
    def _webhook_names(cls, value: tuple[WebhookConfig, ...]) -> tuple[WebhookConfig, ...]:
        names = [hook.name for hook in value]
        doubled = sorted({name for name in names if names.count(name) > 1})
        if doubled:
            raise ValueError(f"two webhooks are named {doubled[0]!r}; give each its own name")
        return value

    def webhook(self, name: str) -> WebhookConfig | None:
        """The configured endpoint of that name, or None (removed or renamed since)."""
        return next((hook for hook in self.webhooks if hook.name == name), None)

    def webhooks_for(self, event: str) -> tuple[WebhookConfig, ...]:
        """The endpoints subscribed to an event type."""
        return tuple(hook for hook in self.webhooks if event in hook.events)

    @field_validator("reps")
    @classmethod
    def _rep_ids(cls, value: dict[str, RepConfig]) -> dict[str, RepConfig]:
        _check_user_ids(tuple(value))
        return value

    @field_validator("stages")
    @classmethod
    def _unique_stages(cls, value: tuple[Stage, ...]) -> tuple[Stage, ...]:
        if not value:
            raise ValueError("needs at least one stage")
        keys = [stage.key for stage in value]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"stage key {duplicates[0]!r} appears twice")
        reserved = {"won", "lost", "archived", "open"} & set(keys)  # the lead statuses
        if reserved:
            raise ValueError(f"{sorted(reserved)[0]!r} is an outcome, not a stage")
        return value

    @field_validator("last_chance_template")
    @classmethod
    def _template_parses(cls, value: str | None) -> str | None:
        if value is not None:
            from jinja2 import Environment, TemplateSyntaxError

            try:
                Environment().parse(value)
            except TemplateSyntaxError as exc:
                raise ValueError(
                    f"not a valid Jinja2 template (line {exc.lineno}: {exc.message})"
                ) from exc
        return value

    @model_validator(mode="after")
    def _early_stages_exist(self) -> PipelineConfig:
        early = self.team.early_stages
        if early is not None:
            known = {stage.key for stage in self.stages}
            unknown = [key for key in early if key not in known]
            if unknown:
                raise _KeyedError(
                    "team.early_stages",
                    f"{unknown[0]!r} is not a stage; use one of {', '.join(sorted(known))}",
                )
            if not early:
                raise _KeyedError("team.early_stages", "needs at least one stage")
        return self

    @cached_property
    def stage_by_key(self) -> dict[str, Stage]:
        return {stage.key: stage for stage in self.stages}

    @cached_property
    def stage_names(self) -> dict[str, str]:
        """Each stage's display name by key."""
        return {stage.key: stage.name for stage in self.stages}

    @cached_property
    def quotas(self) -> dict[str, Decimal]:
        """Each configured rep's quota per `team.quota_period`, in the reporting currency."""
        return {user_id: rep.quota for user_id, rep in self.reps.items() if rep.quota is not None}

    @property
    def team_holidays(self) -> frozenset[date]:
        """The days off of the whole team (`[schedule] holidays`)."""
        return frozenset(self.schedule.holidays)

    def holidays_for(self, user_id: str) -> frozenset[date]:
        """One person's days off: the team's and their own `[reps.<id>] holidays`."""
        own = self.reps.get(user_id)
        return self.team_holidays | frozenset(own.holidays if own else ())

    def quota_of(self, user_id: str) -> Decimal | None:
        """A rep's quota for the current quota period, or None when they have none."""
        return self.quotas.get(user_id)

    @cached_property
    def team_rules(self) -> TeamRules:
        """The stages, clocks and thresholds the managers' figures are computed with."""
        team, report = self.team, self.report
        stages = build_stage_rules(
            tuple(
                (s.key, s.name, s.probability, s.stale_days, s.stuck_days, s.wip_limit)
                for s in self.stages
            ),
            early_keys=team.early_stages,
            late_probability=team.late_stage_probability,
        )
        return TeamRules(
            stages=stages,
            congestion_share=team.congestion_share,
            coverage_target=team.coverage_target,
            min_early=team.min_early,
            quota_period=team.quota_period,
            cadence_touches=self.cadence.touches,
            speed_to_lead_hours=team.speed_to_lead_hours,
            working_days=self.schedule.weekday_numbers,
            work_start=team.work_start,
            work_end=team.work_end,
            min_sample=report.min_sample,
            cohort_days=report.cohort_days,
            minutes=report.minutes.model_dump(),
        )

    def days_without_move(self, key: str) -> int:
        """The cleanup's days-without-a-move limit for a stage: its own, else `cadence.days_without_move`."""
        return self.stage(key).days_without_move or self.cadence.days_without_move

    def stage(self, key: str) -> Stage:
        """The stage with this key; unknown keys (a stage removed from config) get the first stage's clocks."""
        return self.stage_by_key.get(key, self.stages[0])


def _describe(error: ValidationError, source: str) -> str:
    first = error.errors()[0]
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, _KeyedError):
        return f"{source}: {cause.key}: {cause}"
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    return f"{source}: {key}: {message}"


def default_pipeline_text() -> str:
    """The built-in `pipeline.toml` shipped with the package."""
    return resources.files("bot").joinpath("pipeline.toml").read_text(encoding="utf-8")


def load_pipeline(path: Path | None) -> PipelineConfig:
    """Read and validate a pipeline file, or the built-in defaults when `path` is None."""
    source = str(path) if path else "built-in pipeline.toml"
    try:
        text = path.read_text(encoding="utf-8") if path else default_pipeline_text()
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read the file ({exc.strerror})") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc})") from exc
    if "stages" not in data:
        data["stages"] = tomllib.loads(default_pipeline_text())["stages"]
    try:
        return PipelineConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from exc
