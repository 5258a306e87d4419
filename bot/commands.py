"""What each `pipebot` subcommand does, given a loaded config."""

from __future__ import annotations

import argparse
import csv
import logging
import signal
import sys
import threading

from bot.config import Config
from bot.deps import build_deps
from bot.migrate import upgrade

logger = logging.getLogger("pipebot")


def db_upgrade(config: Config, _args: argparse.Namespace) -> int:
    deps = build_deps(config)
    upgrade(deps.engine)
    print("database is up to date")
    return 0


def run(config: Config, args: argparse.Namespace) -> int:
    """Migrate, then serve Slack over Socket Mode or HTTP until SIGTERM/SIGINT."""
    settings = config.settings
    mode = args.mode or ("socket" if settings.slack_app_token else "http")
    if settings.slack_bot_token is None:
        print(
            "pipebot: SLACK_BOT_TOKEN is not set; create the app from manifest.yml and set it",
            file=sys.stderr,
        )
        return 2
    if mode == "socket" and settings.slack_app_token is None:
        print(
            "pipebot: socket mode needs SLACK_APP_TOKEN (an xapp- token with connections:write)",
            file=sys.stderr,
        )
        return 2
    if mode == "http" and settings.slack_signing_secret is None:
        print(
            "pipebot: HTTP mode needs SLACK_SIGNING_SECRET to verify Slack's requests",
            file=sys.stderr,
        )
        return 2
    deps = build_deps(config)
    upgrade(deps.engine)
    from bot.app import create_app

    bolt = create_app(deps)
    if mode == "socket":
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(bolt, settings.slack_app_token.get_secret_value())
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        handler.connect()
        logger.info("pipebot connected over Socket Mode")
        stop.wait()
        handler.close()
        return 0
    from bot.server import create_http_app, make_server

    server = make_server(
        create_http_app(deps, bolt), host=args.host, port=args.port or settings.port
    )
    logger.info("pipebot listening on %s:%s", args.host, args.port or settings.port)
    server.run()
    return 0


def jobs(config: Config, args: argparse.Namespace) -> int:
    from jobs import JOBS, job_by_id

    if args.jobs_command == "list":
        width = max(len(job.id) for job in JOBS)
        for job in JOBS:
            print(f"{job.id:<{width}}  {job.schedule}  — {job.summary}")
        return 0
    job = job_by_id(args.name)
    if job is None:
        print(f"pipebot: no job named {args.name!r}; see `pipebot jobs list`", file=sys.stderr)
        return 2
    if job.run is None:
        print(f"pipebot: job {job.id!r} is not built yet", file=sys.stderr)
        return 3
    from bot.clock import FixedClock, SystemClock

    deps = build_deps(config, clock=FixedClock(args.at) if args.at else SystemClock())
    upgrade(deps.engine)
    job.run(deps, deps.clock.now())
    return 0


def export(config: Config, args: argparse.Namespace) -> int:
    from bot.services.export import write_csv

    deps = build_deps(config)
    upgrade(deps.engine)
    with deps.session_factory.begin() as session:
        if args.output:
            with args.output.open("w", encoding="utf-8", newline="") as out:
                count = write_csv(session, what=args.what, out=out)
            print(f"wrote {count} {args.what} to {args.output}", file=sys.stderr)
        else:
            write_csv(session, what=args.what, out=sys.stdout)
    return 0


def import_leads(config: Config, args: argparse.Namespace) -> int:
    """Check every row, then import all of them or none; bad rows are reported by line number."""
    from bot.services.importer import import_leads as run_import
    from bot.services.importer import read_rows

    deps = build_deps(config)
    upgrade(deps.engine)
    default_owner = next(iter(sorted(config.managers)), "")
    try:
        with args.file.open(encoding="utf-8-sig", newline="") as source:
            rows, errors = read_rows(source)
            if not errors:
                with deps.session_factory.begin() as session:
                    result = run_import(session, rows=rows, pipeline=config.pipeline, default_owner=default_owner,
                                        now=deps.clock.now(), dry_run=args.dry_run)  # fmt: skip
                errors = list(result.errors)
    except OSError as exc:
        print(f"pipebot: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    except (UnicodeDecodeError, csv.Error) as exc:
        print(f"pipebot: {args.file} is not a UTF-8 CSV file ({exc})", file=sys.stderr)
        return 2
    if errors:
        for error in errors[:50]:
            print(f"{args.file}:{error.line}: {error.message}", file=sys.stderr)
        if len(errors) > 50:
            print(f"... and {len(errors) - 50} more bad rows", file=sys.stderr)
        print("nothing was imported; fix the rows above and run again", file=sys.stderr)
        return 1
    verb = "would import" if args.dry_run else "imported"
    print(f"{verb} {result.imported} leads")
    return 0
