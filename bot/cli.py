"""The `pipebot` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from bot.config import ConfigError, load_config

logger = logging.getLogger("pipebot")


def version() -> str:
    try:
        return metadata.version("pipebot")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _parse_at(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 time: {value!r}") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipebot", description="A Slack bot that keeps a sales pipeline honest."
    )
    parser.add_argument("--version", action="version", version=f"pipebot {version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the bot (migrates the database first)")
    run.add_argument(
        "--mode", choices=("socket", "http"), help="default: socket when SLACK_APP_TOKEN is set"
    )
    run.add_argument("--host", default="0.0.0.0")
    run.add_argument("--port", type=int, help="default: $PORT or 3000")

    db = commands.add_parser("db", help="database maintenance")
    db.add_subparsers(dest="db_command", required=True).add_parser(
        "upgrade", help="apply migrations"
    )

    jobs = commands.add_parser("jobs", help="scheduled jobs")
    job_commands = jobs.add_subparsers(dest="jobs_command", required=True)
    job_commands.add_parser("list", help="each job with its schedule")
    job_run = job_commands.add_parser("run", help="run one job once and wait for its messages")
    job_run.add_argument("name")
    job_run.add_argument("--at", type=_parse_at, help="pretend the clock reads this ISO-8601 time")

    config = commands.add_parser("config", help="the effective configuration")
    config.add_subparsers(dest="config_command", required=True).add_parser(
        "check",
        help="print the effective settings, secrets masked; non-zero when something is wrong",
    ).add_argument("file", nargs="?", type=Path, help="a pipeline file (default: PIPEBOT_CONFIG)")

    demo = commands.add_parser("demo", help="a sample team and pipeline, no Slack needed")
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("demo-out"),
        help="where to write the charts and the CSV export",
    )

    imp = commands.add_parser("import", help="import from CSV")
    imp.add_argument("what", choices=("leads",))
    imp.add_argument("file", type=Path, nargs="?")
    imp.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    imp.add_argument(
        "--no-update", action="store_true", help="refuse rows with an id instead of updating"
    )
    imp.add_argument("--undo", metavar="IMPORT_ID", help="take back an earlier import")

    exp = commands.add_parser("export", help="export to CSV")
    exp.add_argument("what", choices=("leads", "touches", "stage-changes", "events"))
    exp.add_argument("-o", "--output", type=Path, help="default: standard output")

    hooks = commands.add_parser("webhooks", help="outbound webhooks and their deliveries")
    hook_commands = hooks.add_subparsers(dest="webhooks_command", required=True)
    hook_commands.add_parser(
        "list", help="each endpoint: its events pending, delivered and dead, and its last error"
    )
    redeliver = hook_commands.add_parser(
        "redeliver", help="give an endpoint's dead events a fresh set of attempts"
    )
    redeliver.add_argument("name", help="the endpoint's name, as `webhooks list` shows it")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from bot.demo import run_demo

        return run_demo(out=args.out)
    if args.command == "config":
        from bot.config_report import check_config

        return check_config(args.file)
    try:
        config = load_config()
    except ConfigError as exc:
        print(f"pipebot: configuration error: {exc}", file=sys.stderr)
        return 2
    from bot.logs import configure_logging

    settings = config.settings
    secrets = [s.get_secret_value() for s in (settings.slack_bot_token, settings.slack_app_token,
               settings.slack_signing_secret, settings.pipebot_inbound_token) if s]  # fmt: skip
    secrets += [hook.secret for hook in config.pipeline.webhooks]
    configure_logging(settings.log_level, settings.log_format, secrets)
    if _opens_database(args):
        from bot.startup import describe_storage

        describe_storage(config)
    from bot import commands

    handler = {
        "run": commands.run,
        "db": commands.db_upgrade,
        "jobs": commands.jobs,
        "import": commands.import_leads,
        "export": commands.export,
        "webhooks": commands.webhooks,
    }[args.command]
    return handler(config, args)


def _opens_database(args: argparse.Namespace) -> bool:
    return args.command != "jobs" or args.jobs_command == "run"


if __name__ == "__main__":
    sys.exit(main())
