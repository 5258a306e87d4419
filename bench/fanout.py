"""Fan-out: 5,000 DMs through the real sender against a fake Slack that enforces Slack's limits.

The fake (in its own process) allows one post a second per channel and a workspace budget of
6,000 a minute with a one-second burst, and answers 1% of posts 429 with Retry-After: 1 on top.
The sender paces to the same budget, so the floor is messages ÷ budget (50 s for 5,000). What
the fake stored is compared with the outbox: duplicates (a key stored twice) and losses (a row
not `sent`, or `sent` with nothing stored). Quick by default, BENCH_FULL=1 for 5,000.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from slack_sdk import WebClient
from sqlalchemy import select

from bench import results
from bench.slackproc import Faults, FaultySlack, Limits
from bot.clock import SystemClock
from bot.db import make_engine, make_session_factory
from bot.deps import Deps
from bot.migrate import upgrade
from bot.models import Notification
from bot.services.outbox import enqueue
from bot.slack.kit import SlackMessage
from bot.slack.sender import deliver_until_settled, new_owner, service_options
from tests import support

FULL, QUICK = 5000, 1000
BUDGET_PER_MINUTE = 6000  # 100 a second: 5,000 DMs take at least 50 s
WORKSPACE_BURST = 100  # the fake lets one second's worth through at once
RATE_LIMITED = 0.01  # posts answered 429 regardless of the budget
RETRY_AFTER = 1
TARGET_RATIO = 1.1


def recipients(count: int) -> list[str]:
    return [f"U{n:05d}FAN" for n in range(count)]


@dataclass(frozen=True)
class Outcome:
    """What reached Slack compared with what the outbox holds."""

    rows: int
    sent: int  # rows the outbox holds as sent
    duplicates: int  # keys Slack stored more than once (extra copies)
    lost: int  # rows not sent, or sent with nothing stored

    @property
    def clean(self) -> bool:
        return self.duplicates == 0 and self.lost == 0 and self.sent == self.rows


def compare(url: str, slack: FaultySlack, users: Sequence[str]) -> Outcome:
    """Check every outbox row against the fake's stored messages, by idempotency key."""
    stored = slack.received(list(users))
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Notification.idempotency_key, Notification.status)
            ).all()
    finally:
        engine.dispose()
    sent = sum(1 for _, status in rows if status == "sent")
    lost = sum(1 for key, status in rows if status != "sent" or stored[key] == 0)
    duplicates = sum(count - 1 for count in stored.values() if count > 1)
    return Outcome(len(rows), sent, duplicates, lost)


def fill(url: str, users: Sequence[str], tag: str) -> None:
    """Migrate and queue one DM per user, as a morning tick does."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        factory = make_session_factory(engine)
        now = SystemClock().now()
        with factory.begin() as session:
            for n, user in enumerate(users):
                enqueue(
                    session,
                    key=f"{tag}:{n}",
                    kind="bench",
                    recipient=user,
                    message=SlackMessage("Morning plan"),
                    now=now,
                )
    finally:
        engine.dispose()


def sender_deps(url: str, base_url: str, budget_per_minute: int) -> Deps:
    config = support.make_config(url, PIPEBOT_SEND_BUDGET_PER_MINUTE=str(budget_per_minute))
    engine = make_engine(url)
    slack = WebClient(token=support.BOT_TOKEN, base_url=base_url)
    return Deps(config, engine, make_session_factory(engine), SystemClock(), slack)


def main() -> None:
    count = FULL if os.environ.get("BENCH_FULL") == "1" else QUICK
    users = recipients(count)
    floor = count / (BUDGET_PER_MINUTE / 60)
    limits = Limits(per_minute=BUDGET_PER_MINUTE, burst=WORKSPACE_BURST)
    faults = Faults(rate_limited=RATE_LIMITED, retry_after=RETRY_AFTER)
    print(
        f"{count:,} DMs to {count:,} users; fake Slack enforcing 1 post/s per channel and"
        f" {BUDGET_PER_MINUTE:,}/min per workspace (burst {WORKSPACE_BURST}),"
        f" {RATE_LIMITED:.0%} of posts answered 429 Retry-After: {RETRY_AFTER}; SQLite"
    )
    with tempfile.TemporaryDirectory() as scratch, FaultySlack(users, limits, faults) as slack:
        url = f"sqlite:///{Path(scratch) / 'fanout.db'}"
        fill(url, users, "fanout")
        deps = sender_deps(url, slack.base_url, BUDGET_PER_MINUTE)
        started = time.perf_counter()
        settled = deliver_until_settled(
            deps,
            owner=new_owner("fanout"),
            deadline_seconds=floor * 3 + 60,
            options=service_options(),
        )
        seconds = time.perf_counter() - started
        deps.engine.dispose()
        outcome = compare(url, slack, users)
        injected = slack.injected()
    ratio = seconds / floor
    report = settled.delivery
    print(
        f"  {outcome.sent:,} of {count:,} sent in {seconds:.1f} s; floor {floor:.1f} s;"
        f" ratio {ratio:.3f} (target ≤ {TARGET_RATIO})"
    )
    print(
        f"  429s answered: {injected.get('429', 0)} injected,"
        f" {injected.get('429 by the limits', 0)} by the fake's limits;"
        f" rows deferred {report.deferred}, retried {report.retried}, failed {report.failed}"
    )
    print(f"  duplicates {outcome.duplicates}, lost {outcome.lost}")
    results.record(
        "fanout",
        {
            "sent": outcome.sent,
            "duplicates": outcome.duplicates,
            "lost": outcome.lost,
            "seconds": round(seconds, 1),
            "floor_seconds": round(floor, 1),
            "ratio_to_floor": round(ratio, 3),
            "messages": count,
            "rate_limited_429": injected.get("429", 0) + injected.get("429 by the limits", 0),
        },
    )


if __name__ == "__main__":
    main()
