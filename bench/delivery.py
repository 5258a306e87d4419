"""Outbox delivery: 2,000 DMs through the real sender against the fake Slack on loopback.

One sender in this process (messages a second, SQL statements and transactions per message),
then two sender processes draining the same outbox (duplicates must be 0), on SQLite and, when
reachable, PostgreSQL. The fake's rate limits are off and the budget is raised, so the figures
are the sender's own cost; against real Slack the workspace budget (about 5 a second) binds first.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine, create_engine, event, text

from bot.clock import SystemClock
from bot.db import make_engine, make_session_factory, normalize_url
from bot.deps import Deps
from bot.migrate import upgrade
from bot.services.outbox import enqueue
from bot.slack.kit import SlackMessage
from bot.slack.sender import deliver, new_owner
from tests import support
from tests.delivery.workers import run_sender
from tests.fakeslack import FakeSlack

MESSAGES = 2000
BUDGET_PER_MINUTE = 100_000
RECIPIENTS = [f"U{n:05d}BENCH" for n in range(MESSAGES)]
BENCH_PG_DATABASE = "pipebot_bench"


@dataclasses.dataclass
class StatementCounter:
    """Counts SQL statements (BEGIN excluded) and commits on one engine."""

    statements: int = 0
    commits: int = 0

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._on_statement)
        event.listen(engine, "commit", self._on_commit)

    def _on_statement(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            self.statements += 1

    def _on_commit(self, conn: Any) -> None:
        self.commits += 1


def _postgres_url() -> str | None:
    """A dedicated benchmark database next to the test one, created on first use; None when unreachable."""
    url = normalize_url(support.pg_url()).set(database=BENCH_PG_DATABASE)
    try:
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": BENCH_PG_DATABASE}
            ).scalar()
            if not exists:
                connection.exec_driver_sql(f'CREATE DATABASE "{BENCH_PG_DATABASE}"')
        admin.dispose()
    except Exception as exc:  # no PostgreSQL here: the SQLite figures still stand
        print(f"PostgreSQL skipped: {type(exc).__name__}")
        return None
    return url.render_as_string(hide_password=False)


@contextmanager
def _databases() -> Iterator[list[tuple[str, str]]]:
    with tempfile.TemporaryDirectory() as scratch:
        found = [("sqlite", f"sqlite:///{Path(scratch) / 'bench.db'}")]
        pg = _postgres_url()
        if pg:
            found.append(("postgresql", pg))
        yield found


def _reset(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM notifications")
    engine.dispose()


def _deps(url: str, fake: FakeSlack) -> Deps:
    config = support.make_config(url, PIPEBOT_SEND_BUDGET_PER_MINUTE=str(BUDGET_PER_MINUTE))
    engine = make_engine(url)
    slack = WebClient(token=support.BOT_TOKEN, base_url=fake.base_url)
    return Deps(config, engine, make_session_factory(engine), SystemClock(), slack)


def _fill(deps: Deps, tag: str) -> None:
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        for n, user in enumerate(RECIPIENTS):
            enqueue(
                session,
                key=f"bench:{tag}:{n}",
                kind="bench",
                recipient=user,
                message=SlackMessage("Morning plan"),
                now=now,
            )


def _duplicates(fake: FakeSlack, tag: str) -> tuple[int, int]:
    """(keys posted more than once, keys never posted) among this run's messages."""
    keys: Counter[str] = Counter()
    for user in RECIPIENTS:
        for message in fake.dms_to(user):
            key = (message.get("metadata") or {}).get("event_payload", {}).get("key", "")
            if key.startswith(f"bench:{tag}:"):
                keys[key] += 1
    return sum(1 for count in keys.values() if count > 1), MESSAGES - len(keys)


def _single(label: str, url: str, fake: FakeSlack) -> None:
    _reset(url)
    deps = _deps(url, fake)
    _fill(deps, f"{label}-1")
    counter = StatementCounter()
    counter.attach(deps.engine)
    started = time.perf_counter()
    report = deliver(deps, owner=new_owner("bench"))
    elapsed = time.perf_counter() - started
    deps.engine.dispose()
    duplicated, missing = _duplicates(fake, f"{label}-1")
    print(
        f"  {label:<10} 1 sender    {report.sent:>5} sent in {elapsed:5.1f} s = {report.sent / elapsed:6.0f} msg/s"
        f" | {counter.statements / MESSAGES:.2f} SQL statements/msg,"
        f" {counter.commits / MESSAGES:.2f} transactions/msg | duplicates {duplicated}, missing {missing}"
    )


def _pair(label: str, url: str, fake: FakeSlack) -> None:
    _reset(url)
    deps = _deps(url, fake)
    _fill(deps, f"{label}-2")
    deps.engine.dispose()
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    senders = [
        spawn.Process(target=run_sender, args=(url, fake.base_url, name, results)) for name in "AB"
    ]
    started = time.perf_counter()
    for process in senders:
        process.start()
    reports = [results.get(timeout=120) for _ in senders]
    elapsed = time.perf_counter() - started
    for process in senders:
        process.join(timeout=10)
    duplicated, missing = _duplicates(fake, f"{label}-2")
    split = " / ".join(f"{name} {report['sent']}" for name, report, _ in sorted(reports))
    print(
        f"  {label:<10} 2 processes {MESSAGES:>5} rows in {elapsed:5.1f} s (process start-up included)"
        f" | split {split} | duplicates {duplicated}, missing {missing}"
    )


def _baseline(fake: FakeSlack) -> None:
    """The same posts straight from a WebClient, no database: the fake's own ceiling."""
    client = WebClient(token=support.BOT_TOKEN, base_url=fake.base_url, retry_handlers=[])
    started = time.perf_counter()
    for user in RECIPIENTS:
        client.chat_postMessage(channel=user, text="Morning plan")
    elapsed = time.perf_counter() - started
    print(
        f"  {'no sender':<10} WebClient   {MESSAGES:>5} posts in {elapsed:5.1f} s = {MESSAGES / elapsed:6.0f} msg/s"
    )


def main() -> None:
    """Print the figures for each reachable database."""
    with FakeSlack(rate_limits=False) as fake, _databases() as databases:
        for user in RECIPIENTS:
            fake.add_user(user)
        print(
            f"{MESSAGES} DMs, fake Slack on loopback with its limits off, budget {BUDGET_PER_MINUTE}/min"
        )
        _baseline(fake)
        for label, url in databases:
            _single(label, url, fake)
            _pair(label, url, fake)


if __name__ == "__main__":
    main()
