"""Entry points for sender processes started with `spawn` by the concurrency tests and the bench."""

from __future__ import annotations

import dataclasses
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

from slack_sdk import WebClient

from bot.clock import SystemClock
from bot.db import make_engine, make_session_factory
from bot.deps import Deps
from bot.slack.sender import SenderOptions, deliver_until_settled, new_owner
from tests.support import BOT_TOKEN, make_config

SENDER_HEADER = "X-Test-Sender"


def sender_deps(db_url: str, base_url: str, name: str, budget_per_minute: int) -> Deps:
    """Real-clock deps whose Slack calls carry the sender's name in a header."""
    config = make_config(db_url, PIPEBOT_SEND_BUDGET_PER_MINUTE=str(budget_per_minute))
    engine = make_engine(db_url)
    client = WebClient(token=BOT_TOKEN, base_url=base_url, headers={SENDER_HEADER: name})
    return Deps(config, engine, make_session_factory(engine), SystemClock(), client)


def run_sender(
    db_url: str,
    base_url: str,
    name: str,
    results: Queue[Any],
    *,
    budget_per_minute: int = 100_000,
    # Long enough that a sender slowed down by a busy 2-core machine never outlives its lease
    # mid-post (the one duplicate window the sender documents); a kill still hands rows over soon.
    lease_seconds: float = 5.0,
    deadline_seconds: float = 30.0,
    start_together: Barrier | None = None,
) -> None:
    """Deliver until the outbox is settled, then report the counts on `results`."""
    deps = sender_deps(db_url, base_url, name, budget_per_minute)
    if start_together is not None:
        start_together.wait(timeout=60)
    options = SenderOptions(lease_seconds=lease_seconds, http_timeout=2, poll_seconds=0.1)
    result = deliver_until_settled(
        deps, owner=new_owner(name), deadline_seconds=deadline_seconds, options=options
    )
    results.put((name, dataclasses.asdict(result.delivery), result.pending))
    deps.engine.dispose()
