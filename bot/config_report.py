"""`pipebot config check`: the effective settings and pipeline, secrets masked, and what is wrong."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr
from sqlalchemy.engine import make_url

from bot.config import Config, ConfigError, load_config
from bot.startup import missing_for, sqlite_file

TOKEN_PREFIXES = {"SLACK_BOT_TOKEN": "xoxb-", "SLACK_APP_TOKEN": "xapp-"}


@dataclass
class Report:
    """The lines to print, plus notes (worth knowing) and problems (`pipebot run` would fail)."""

    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def heading(self, title: str) -> None:
        if self.lines:
            self.lines.append("")
        self.lines.append(title)

    def row(self, name: str, value: object) -> None:
        self.lines.append(f"  {name:<32}{value}")


def mask_token(value: SecretStr | None) -> str:
    """`xoxb-…` style tokens show only their kind; anything else shows only that it is set."""
    if value is None:
        return "not set"
    secret = value.get_secret_value()
    kind, dash, _rest = secret.partition("-")
    if dash and kind.isalpha() and len(kind) <= 4:
        return f"{kind}-**** (set)"
    return "**** (set)"


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


def _days(days: tuple[str, ...]) -> str:
    return ", ".join(days)


def build_report(config: Config) -> Report:
    """Everything pipebot would run with, in the order an admin reads it."""
    settings, pipeline, team = config.settings, config.pipeline, config.pipeline.team
    report = Report()

    report.heading("Slack")
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        value = getattr(settings, name.lower())
        report.row(name, mask_token(value))
        prefix = TOKEN_PREFIXES[name]
        if value is not None and not value.get_secret_value().startswith(prefix):
            report.problems.append(f"{name} should start with {prefix}")
    report.row("SLACK_SIGNING_SECRET", "**** (set)" if settings.slack_signing_secret else "not set")
    report.row("SLACK_API_URL", settings.slack_api_url)
    problem = missing_for(None, config)
    if problem:
        report.problems.append(problem)
        report.row("mode", "cannot start (see below)")
    elif settings.slack_app_token is not None:
        report.row("mode", "Socket Mode (SLACK_APP_TOKEN is set)")
    else:
        report.row("mode", "HTTP on POST /slack/events")

    report.heading("Storage")
    report.row("PIPEBOT_HOME", settings.home)
    database = make_url(settings.database_url).render_as_string(hide_password=True)
    origin = " (pipebot.db in PIPEBOT_HOME)" if settings.database_is_default else ""
    report.row("DATABASE_URL", database + origin)
    path = sqlite_file(settings.database_url)
    if path is not None and not path.exists():
        report.notes.append(
            f"{path} does not exist yet: pipebot would start with an empty database"
        )
    source = str(config.pipeline_path.absolute()) if config.pipeline_path else "built-in defaults"
    report.row("pipeline", source)

    report.heading("Team")
    managers = ", ".join(sorted(config.managers)) or "none"
    managers_from = "PIPEBOT_MANAGERS" if settings.pipebot_managers is not None else "pipeline"
    report.row("managers", f"{managers} (from {managers_from})" if config.managers else managers)
    channel = config.managers_channel
    channel_from = "PIPEBOT_MANAGERS_CHANNEL" if settings.pipebot_managers_channel else "pipeline"
    report.row("managers' channel", f"{channel} (from {channel_from})" if channel else "not set")
    if not config.managers:
        report.notes.append("no managers: nobody sees the team view or manager posts")
    if not channel:
        report.notes.append("no managers' channel: posts meant for managers are skipped")
    if team.has_roster:
        listed = ", ".join(team.reps)
        group = f"members of user group {team.reps_usergroup}" if team.reps_usergroup else ""
        report.row("roster", " and ".join(part for part in (listed, group) if part))
    else:
        report.row("roster", "not set: everyone who uses pipebot is a rep")
        report.notes.append(
            "no roster ([team] reps or reps_usergroup): anyone who uses pipebot becomes a rep, "
            "owns leads, gets the daily DMs and can be handed inbound leads"
        )
    report.row("inbound assignment", team.assignment.replace("_", "-"))
    report.row("team timezone", settings.pipebot_timezone)
    report.row("working hours", team.working_hours)
    report.row("speed to lead", f"{team.speed_to_lead_hours} working hours")
    report.row("congestion share", f"{_percent(team.congestion_share)} of open leads or value")
    report.row("coverage target", f"{team.coverage_target}× quota")

    report.heading("Stages")
    names = [
        stage.key
        if stage.name == stage.key.replace("_", " ").title()
        else f"{stage.key} ({stage.name})"
        for stage in pipeline.stages
    ]
    width = max(len("stage"), *(len(name) for name in names)) + 2
    report.lines.append(
        f"  {'stage':<{width}}{'probability':>11}{'stale after':>14}{'stuck after':>14}{'WIP limit':>11}"
    )
    for name, stage in zip(names, pipeline.stages, strict=True):
        wip = str(stage.wip_limit) if stage.wip_limit else "—"
        report.lines.append(
            f"  {name:<{width}}{_percent(stage.probability):>11}{f'{stage.stale_days} days':>14}"
            f"{f'{stage.stuck_days} days':>14}{wip:>11}"
        )

    report.heading("Schedule")
    schedule = pipeline.schedule
    report.row("morning plan", f"{schedule.morning_plan}, each rep's own timezone")
    report.row("working days", _days(schedule.working_days))
    holidays = ", ".join(day.isoformat() for day in schedule.holidays)
    report.row("holidays", holidays or "none")
    cadence = pipeline.cadence
    report.row(
        "cadence",
        f"last chance after {cadence.touches} touches or {cadence.days_without_move} days "
        "without a stage move",
    )
    report.row("jobs", "on (PIPEBOT_SCHEDULER)" if settings.pipebot_scheduler == "on" else "off")
    report.row(
        "last-chance email",
        "from the pipeline file" if pipeline.last_chance_template else "built-in",
    )
    for user_id, rep in sorted(pipeline.reps.items()):
        parts = []
        if rep.morning_plan:
            parts.append(f"plan at {rep.morning_plan}")
        if rep.working_days:
            parts.append(f"works {_days(rep.working_days)}")
        if rep.quota is not None:
            parts.append(f"quota {rep.quota}")
        if rep.holidays:
            parts.append(f"off {', '.join(day.isoformat() for day in rep.holidays)}")
        report.row(f"rep {user_id}", "; ".join(parts) or "team defaults")

    report.heading("Server")
    report.row("PORT", settings.port)
    inbound = (
        "**** (set): POST /api/leads and /api/touches are on"
        if settings.pipebot_inbound_token
        else "not set"
    )
    report.row("PIPEBOT_INBOUND_TOKEN", inbound)
    report.row("PIPEBOT_SEND_BUDGET_PER_MINUTE", settings.pipebot_send_budget_per_minute)
    report.row("LOG_LEVEL, LOG_FORMAT", f"{settings.log_level}, {settings.log_format}")
    if pipeline.webhooks:
        report.heading("Webhooks")
        for hook in pipeline.webhooks:
            report.row(hook.name, f"{hook.url} (secret whsec_****): {', '.join(hook.events)}")
    return report


def check_config(
    pipeline_file: Path | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Print the effective configuration; 2 when it does not load, 1 when `run` could not start."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        config = load_config(pipeline_file=pipeline_file)
    except ConfigError as exc:
        print(f"pipebot: configuration error: {exc}", file=err)
        return 2
    report = build_report(config)
    print("\n".join(report.lines), file=out)
    if report.notes:
        print("", file=out)
        for note in report.notes:
            print(f"note: {note}", file=out)
    for problem in report.problems:
        print(f"pipebot: {problem}", file=err)
    if report.problems:
        return 1
    print("\nconfiguration OK", file=out)
    return 0
