"""Ack latency: 50 signed slash commands at once against the real HTTP server.

Each listener acks, then does its real work (database write, users.info, response_url) while
the fake Slack answers every Web API call after 300 ms, standing in for Slack's round trip.
The same load runs with Bolt's default 5-thread listener pool for comparison.
"""

from __future__ import annotations

import logging
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.db import make_engine
from bot.executor import ListenerExecutor
from bot.migrate import upgrade
from tests import support
from tests.e2e import live as live_module

CONCURRENT = 50
SLACK_LATENCY = 0.3


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _run(threads: int) -> list[float]:
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        original = live_module.ListenerExecutor
        live_module.ListenerExecutor = lambda: ListenerExecutor(max_workers=threads)  # type: ignore[misc]
        try:
            with live_module.running_app(engine, url, support.TestClock()) as app:
                handle = app.slack.handle

                def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
                    time.sleep(SLACK_LATENCY)
                    return handle(*args, **kwargs)

                app.slack.handle = slow  # type: ignore[method-assign]
                for index in range(CONCURRENT):
                    app.slack.add_user(f"UBENCH{index:03d}", name=f"rep{index}")

                def one(index: int) -> float:
                    started = time.perf_counter()
                    reply = app.sender.command(
                        "/lead", f"Bench Co {index} $1k", user_id=f"UBENCH{index:03d}"
                    )
                    elapsed = time.perf_counter() - started
                    # Bolt answers 404 when no ack came within 3 s: Slack shows the user a timeout.
                    return elapsed if reply.status == 200 else max(elapsed, 3.001)

                with ThreadPoolExecutor(CONCURRENT) as pool:
                    latencies = list(pool.map(one, range(CONCURRENT)))
                app.settle()
        finally:
            live_module.ListenerExecutor = original  # type: ignore[misc]
            engine.dispose()
    return latencies


def main() -> None:
    logging.disable(logging.WARNING)
    print(
        f"{CONCURRENT} concurrent /lead commands, Slack answering in {SLACK_LATENCY * 1000:.0f} ms"
    )
    print(f"{'listener pool':<22}{'p50':>9}{'p99':>9}{'max':>9}{'missed ack':>12}")
    results = {}
    for label, threads in (("pipebot (64 threads)", 64), ("Bolt default (5)", 5)):
        latencies = _run(threads)
        results[label] = _percentile(latencies, 0.99)
        print(
            f"{label:<22}{statistics.median(latencies) * 1000:>7.0f}ms{_percentile(latencies, 0.99) * 1000:>7.0f}ms"
            f"{max(latencies) * 1000:>7.0f}ms{sum(1 for v in latencies if v > 3):>12}"
        )
    ratio = results["Bolt default (5)"] / results["pipebot (64 threads)"]
    print(f"p99 ratio, default pool / pipebot pool: {ratio:.1f}x")


if __name__ == "__main__":
    main()
