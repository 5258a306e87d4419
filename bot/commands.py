"""What each `pipebot` subcommand does, given a loaded config."""

from __future__ import annotations

import argparse
import csv
import logging
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError

from bot.config import Config
from bot.deps import Deps, build_deps
from bot.migrate import upgrade

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.metrics import Metrics
    from bot.watch import Watch

logger = logging.getLogger("pipebot")


def prepare_database(deps: Deps) -> None:
    """Migrate, then write the per-rep settings from pipeline.toml into the rep records."""
    from bot.services.reps import apply_rep_settings

    upgrade(deps.engine)
    if deps.pipeline.reps:
        with deps.session_factory.begin() as session:
            apply_rep_settings(session, settings=deps.pipeline.reps, now=deps.clock.now())


def database_problem(deps: Deps, *, prepare: bool = True) -> str | None:
    """Migrate (and apply rep settings); one line naming DATABASE_URL when the database can't be reached."""
    try:
        if prepare:
            prepare_database(deps)
        else:
            upgrade(deps.engine)
    except OperationalError as exc:
        url = deps.engine.url.render_as_string(hide_password=True)
        reason = str(exc.orig).strip().splitlines()[0][:200] if exc.orig else type(exc).__name__
        return f"cannot open the database at DATABASE_URL={url} ({reason})"
    return None


def db_upgrade(config: Config, _args: argparse.Namespace) -> int:
    from bot import startup

    problem = database_problem(build_deps(config), prepare=False)
    if problem:
        print(f"pipebot: {problem}", file=sys.stderr)
        return startup.EXIT_TRY_AGAIN
    print("database is up to date")
    return 0


def run(config: Config, args: argparse.Namespace) -> int:
    """Migrate, start the sender (and the scheduler), then serve Slack until SIGTERM/SIGINT."""
    from bot import startup

    settings = config.settings
    problem = startup.missing_for(args.mode, config)
    if problem:
        print(f"pipebot: {problem}", file=sys.stderr)
        return startup.EXIT_FIX_CONFIG
    mode = args.mode or ("socket" if settings.slack_app_token else "http")
    # Slack first: an unreachable Slack or a refused token must not leave a new database behind.
    client = startup.slack_client(settings)
    trouble = startup.check_slack(client, settings)
    if trouble is not None:
        print(f"pipebot: {trouble.message}", file=sys.stderr)
        return trouble.exit_code
    startup.check_managers_channel(client, config.managers_channel)
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    from bot.app import create_app
    from bot.executor import ListenerExecutor
    from bot.metrics import Metrics
    from bot.scheduler import build_scheduler
    from bot.services.outbox import wake_after_commit
    from bot.slack.sender import SenderThread
    from bot.watch import Heartbeat, Watch
    from bot.webhook_metrics import register_webhook_metrics

    base = build_deps(config)
    problem = database_problem(base)
    if problem:
        print(f"pipebot: {problem}", file=sys.stderr)
        return startup.EXIT_TRY_AGAIN
    stop = threading.Event()
    scheduling = settings.pipebot_scheduler == "on"
    watch = Watch(sender=Heartbeat(), scheduler=Heartbeat() if scheduling else None)
    metrics = Metrics()
    register_webhook_metrics(metrics.registry, base)
    sender = SenderThread(base, stop, metrics=metrics, heartbeat=watch.sender, access=watch.slack)
    wake_after_commit(base.session_factory, sender.notify)
    deps = base
    executor = ListenerExecutor()
    try:
        # Building the app checks the bot token with auth.test.
        bolt = create_app(deps, executor=executor, watch=watch)
    except (BoltError, SlackApiError) as exc:
        print(f"pipebot: Slack refused SLACK_BOT_TOKEN ({_slack_reason(exc)})", file=sys.stderr)
        return 2
    _watch(metrics, deps, bolt, watch)
    sender.start()
    _answer_owed(deps)
    _refresh_roster(deps)
    scheduler = (
        build_scheduler(deps, metrics=metrics, heartbeat=watch.scheduler) if scheduling else None
    )
    if scheduler is not None:
        scheduler.start()
    port = args.port or settings.port
    code = 0
    try:
        if mode == "socket":
            with _health_server(
                deps, metrics, watch, host=args.host, port=settings.metrics_port or port
            ):
                _serve_socket_mode(bolt, config, stop)
        else:
            _serve_http(deps, bolt, metrics, watch, stop, host=args.host, port=port,
                        metrics_port=settings.metrics_port)  # fmt: skip
    except SlackApiError as exc:
        print(
            f"pipebot: Slack refused SLACK_APP_TOKEN ({_slack_reason(exc)}); it needs connections:write",
            file=sys.stderr,
        )
        code = 2
    finally:
        stop.set()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        # Listeners that already acked finish their work before the process exits.
        executor.wait_idle(timeout=10)
        sender.join(timeout=10)
    return code


def _watch(metrics: Metrics, deps: Deps, bolt: App, watch: Watch) -> None:
    """Point the metrics at what they report: the outbox, the process's parts, every Slack client."""
    metrics.watch_outbox(deps.session_factory, deps.clock.now)
    metrics.watch_process(watch)
    if deps.slack is not None:
        metrics.count_slack_errors(deps.slack)  # jobs and Home refreshes
    metrics.count_slack_errors(bolt.client)  # listeners: Bolt copies its handlers per request


def _answer_owed(deps: Deps) -> None:
    """Commands an earlier process acknowledged and died on: their users hear about it now."""
    from jobs import owed_replies

    try:
        owed_replies.run(deps, deps.clock.now())
    except Exception:  # the scheduler's tick retries; starting must not fail on it
        logger.exception("checking for unanswered commands failed")


def _refresh_roster(deps: Deps) -> None:
    """Read the reps' user group before serving, so the roster is current from the first request."""
    from jobs import refresh_roster

    try:
        refresh_roster.run(deps, deps.clock.now())
    except Exception:  # the scheduler's tick retries; starting must not fail on it
        logger.exception("reading the roster failed")


def _slack_reason(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if response is not None:
        return str(response.get("error"))
    return str(exc).splitlines()[0][:200]


def _stop_on_signals(stop: threading.Event) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())


def _serve_socket_mode(bolt, config: Config, stop: threading.Event) -> None:  # type: ignore[no-untyped-def]
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    assert config.settings.slack_app_token is not None
    handler = SocketModeHandler(bolt, config.settings.slack_app_token.get_secret_value())
    _stop_on_signals(stop)
    handler.connect()
    logger.info("pipebot connected over Socket Mode")
    stop.wait()
    handler.close()


def _serve_http(
    deps: Deps, bolt: App, metrics: Metrics, watch: Watch, stop: threading.Event, *, host: str,
    port: int, metrics_port: int | None,
) -> None:  # fmt: skip
    from bot.server import create_http_app, make_server

    # uvicorn handles SIGTERM itself, then re-raises it to the handler it found: make that ours,
    # so a graceful stop ends with exit status 0.
    _stop_on_signals(stop)
    apart = metrics_port is not None and metrics_port != port
    app = create_http_app(deps, bolt, metrics, watch, serve_metrics=not apart)
    server = make_server(app, host=host, port=port)
    with _health_server(deps, metrics, watch, host=host, port=metrics_port if apart else None):
        logger.info("pipebot listening on %s:%s", host, port)
        server.run()


@contextmanager
def _health_server(
    deps: Deps, metrics: Metrics, watch: Watch, *, host: str, port: int | None
) -> Iterator[None]:
    """Serve `/livez`, `/readyz`, `/healthz` and `/metrics` on `port` from a thread, while the block runs.

    A port that is taken is logged, and the bot serves Slack without them: Slack's traffic comes first.
    """
    if port is None:
        yield
        return
    from bot.health import create_ops_app
    from bot.server import make_server

    try:
        listening = _listen(host, port)
    except OSError as exc:
        logger.error(
            "cannot serve /healthz and /metrics on %s:%s (%s); set METRICS_PORT to a free port",
            host,
            port,
            exc.strerror or exc,
        )
        yield
        return
    server = make_server(create_ops_app(deps, metrics, watch), host=host, port=port)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listening]}, name="pipebot-health", daemon=True
    )
    thread.start()
    logger.info("health and metrics on %s:%s (/livez, /readyz, /healthz, /metrics)", host, port)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        listening.close()


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port, bound now so a taken port is known at once."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    listening = socket.socket(family, kind, proto)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(address)
        listening.listen(128)
    except OSError:
        listening.close()
        raise
    return listening


SETTLE_SECONDS = 30 * 60


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
    if config.settings.slack_bot_token is None:
        print("pipebot: SLACK_BOT_TOKEN is not set, so nothing could be delivered", file=sys.stderr)
        return 2
    from bot.clock import ShiftedClock, SystemClock
    from bot.slack.sender import deliver_until_settled, new_owner, service_options

    deps = build_deps(config, clock=ShiftedClock(args.at) if args.at else SystemClock())
    prepare_database(deps)
    started = deps.clock.now()
    job.run(deps, started)
    report = deliver_until_settled(
        deps,
        owner=new_owner("jobs-run"),
        deadline_seconds=SETTLE_SECONDS,
        since=started,
        options=service_options(),
    )
    sent = report.delivery.sent
    print(f"{job.id}: {sent} sent, {len(report.failed)} failed, {report.pending} still pending")
    for failure in report.failed[:20]:
        print(f"  failed: {failure}", file=sys.stderr)
    return 0 if report.ok else 1


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


def webhooks(config: Config, args: argparse.Namespace) -> int:
    """`webhooks list`: every endpoint's deliveries; `webhooks redeliver NAME`: retry its dead events."""
    from bot.services import webhooks as hooks

    deps = build_deps(config)
    upgrade(deps.engine)
    configured = {hook.name: hook for hook in config.pipeline.webhooks}
    if args.webhooks_command == "redeliver":
        with deps.session_factory.begin() as session:
            count = hooks.redeliver_dead(session, name=args.name, now=deps.clock.now())
        if args.name not in configured:
            print(f"pipebot: no [[webhooks]] named {args.name!r} in the pipeline file; "
                  "its events would be dead again at once", file=sys.stderr)  # fmt: skip
            return 2 if count == 0 else 1
        print(f"{args.name}: {count} dead events will be sent again by the running bot")
        return 0
    with deps.session_factory() as session:
        states = hooks.endpoint_states(session)
    if not configured and not states:
        print("no webhooks: add [[webhooks]] tables to the pipeline file")
        return 0
    for name in [*configured, *(name for name in states if name not in configured)]:
        state = states.get(name, hooks.EndpointState(name))
        hook = configured.get(name)
        where = hook.url if hook else "(no longer in the pipeline file)"
        print(f"{name}  {where}")
        if hook:
            print(f"  events: {', '.join(hook.events)}")
        print(f"  pending {state.pending}, delivered {state.delivered}, dead {state.dead}")
        if state.oldest_pending:
            print(f"  oldest pending since {state.oldest_pending:%Y-%m-%d %H:%M:%S} UTC")
        if state.last_error:
            print(f"  last error: {state.last_error}")
    return 0


def import_leads(config: Config, args: argparse.Namespace) -> int:
    """Check every row, then import all of them or none; bad rows are reported by line number."""
    from bot.flows.imports import ImportAborted, undo_import
    from bot.flows.imports import import_leads as run_import

    if (args.file is None) == (args.undo is None):
        print("pipebot: give a CSV file to import, or --undo IMPORT_ID", file=sys.stderr)
        return 2
    deps = build_deps(config)
    upgrade(deps.engine)
    if args.undo is not None:
        undone = undo_import(deps, import_id=args.undo)
        if not undone.found:
            print(f"pipebot: no import {args.undo!r} in this database", file=sys.stderr)
            return 1
        print(f"import {args.undo} taken back: {undone.removed} leads removed, "
              f"{undone.restored} restored")  # fmt: skip
        _report_kept(undone.kept)
        return 0
    default_owner = next(iter(sorted(config.managers)), "")
    try:
        with args.file.open(encoding="utf-8-sig", newline="") as source:
            result = run_import(deps, source=source, default_owner=default_owner,
                                now=deps.clock.now(), dry_run=args.dry_run,
                                update=not args.no_update)  # fmt: skip
    except OSError as exc:
        print(f"pipebot: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    except (UnicodeDecodeError, csv.Error) as exc:
        print(f"pipebot: {args.file} is not a UTF-8 CSV file ({exc})", file=sys.stderr)
        return 2
    except ImportAborted as exc:
        print(f"pipebot: the import failed while writing ({exc.reason})", file=sys.stderr)
        if exc.undone is None:
            print(f"pipebot: what it wrote could not be taken back; run `pipebot import leads "
                  f"--undo {exc.import_id}` once the database is reachable", file=sys.stderr)  # fmt: skip
            return 1
        _report_kept(exc.undone.kept)
        print("nothing was imported", file=sys.stderr)
        return 1
    if result.errors:
        for error in result.errors[:50]:
            print(f"{args.file}:{error.line}: {error.message}", file=sys.stderr)
        if len(result.errors) > 50:
            print(f"... and {len(result.errors) - 50} more bad rows", file=sys.stderr)
        print("nothing was imported; fix the rows above and run again", file=sys.stderr)
        return 1
    verb = "would import" if args.dry_run else "imported"
    print(f"{verb} {result.rows} leads: {result.created} new, {result.updated} updated, "
          f"{result.unchanged} unchanged")  # fmt: skip
    if result.import_id:
        print(f"import {result.import_id}; `pipebot import leads --undo {result.import_id}` "
              "takes it back")  # fmt: skip
    return 0


def _report_kept(kept: tuple[int, ...]) -> None:
    if kept:
        listed = ", ".join(f"#{lead_id}" for lead_id in kept[:20])
        more = f" and {len(kept) - 20} more" if len(kept) > 20 else ""
        print(f"kept as they are, because someone changed them since: {listed}{more}",
              file=sys.stderr)  # fmt: skip
