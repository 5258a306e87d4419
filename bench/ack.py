"""Ack latency: bursts of signed `/touch` commands against `pipebot run --mode http`.

The fake Slack (a process of its own) answers every Web API call and response_url post after
300 ms, standing in for Slack's round trip. In the same run, and interleaved burst by burst, the
same bursts go to a bare Bolt app that only acks (Bolt's `App.dispatch` through Starlette's
`run_in_threadpool`) and to a Starlette endpoint that only checks the signature (the floor).
Every burst waits for pipebot's replies before the next, and every reply is counted, whether the
ack carried it or the response_url did.
"""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
from pathlib import Path

from bench import loadgen, servers, team
from bench.fakeproc import SlackProcess
from bench.results import record
from tests.support import SIGNING_SECRET

SLACK_LATENCY = 0.3
CONCURRENT = 50
LARGE = (200, 500)
# (rounds at 50, bursts at each large size): quick by default, BENCH_FULL=1 for the full run
QUICK, FULL = (10, 1), (30, 3)


def _bursts(full: bool) -> tuple[int, int]:
    return FULL if full else QUICK


class Bench:
    """Builds signed bursts for the seeded team and tracks what pipebot must answer."""

    def __init__(self, slack: SlackProcess, leads: dict[str, int], database_url: str) -> None:
        self.slack = slack
        self.database_url = database_url
        self.leads = leads
        self.members = list(leads)
        self.sent = 0
        self.in_acks = 0  # commands answered in their ack, not on the response_url
        self.wrong = 0  # answers in acks that were not the touch logged
        self.serial = 0

    def requests(self, port: int, size: int) -> list[bytes]:
        members = self.members[:size]
        urls = self.slack.response_urls(members)
        built = []
        for user, url in zip(members, urls, strict=True):
            self.serial += 1
            built.append(
                loadgen.slash_command(
                    port,
                    "/touch",
                    f"#{self.leads[user]} call bench ack {self.serial}",
                    user_id=user,
                    response_url=url,
                    secret=SIGNING_SECRET,
                    keep_alive=False,
                )
            )
        return built

    def to_pipebot(self, port: int, size: int) -> list[float]:
        outcomes = loadgen.burst(port, self.requests(port, size))
        self.sent += size
        in_acks = [outcome for outcome in outcomes if outcome.replied]
        self.in_acks += len(in_acks)
        self.wrong += sum(1 for outcome in in_acks if b"Logged a call" not in outcome.body)
        if not self.slack.wait_replies(self.sent - self.in_acks, timeout=120):
            raise RuntimeError(f"pipebot did not answer all {self.sent} commands")
        # The next burst starts on an idle server: each burst measures its own acks only.
        team.wait_until_settled(self.database_url)
        return _latencies(outcomes)

    def to_baseline(self, port: int, size: int) -> list[float]:
        return _latencies(loadgen.burst(port, self.requests(port, size)))


def _latencies(outcomes: list[loadgen.Outcome]) -> list[float]:
    # Bolt answers 404 when no ack came within 3 s (and 0 is a failed connection): Slack would
    # have shown the user a timeout, so count it as over 3 s.
    return [o.seconds if o.status == 200 else max(o.seconds, 3.001) for o in outcomes]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def measure(full: bool) -> dict[str, float | int]:
    rounds, large_bursts = _bursts(full)
    members = team.users(max(LARGE))
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        leads = team.seed(url, members)
        with (
            SlackProcess(latency=SLACK_LATENCY, users=members) as slack,
            servers.pipebot(url, slack.base_url) as pipebot,
            servers.baseline("bare", slack.base_url) as bare,
            servers.baseline("floor", slack.base_url) as floor,
        ):
            bench = Bench(slack, leads, url)
            for port in (bare.port, floor.port):  # warm-up, not counted
                bench.to_baseline(port, CONCURRENT)
            bench.to_pipebot(pipebot.port, CONCURRENT)
            ours: list[float] = []
            bare_ms: list[float] = []
            floor_ms: list[float] = []
            for _ in range(rounds):
                ours += bench.to_pipebot(pipebot.port, CONCURRENT)
                bare_ms += bench.to_baseline(bare.port, CONCURRENT)
                floor_ms += bench.to_baseline(floor.port, CONCURRENT)
            large: dict[int, list[float]] = {size: [] for size in LARGE}
            for size in LARGE:
                for _ in range(large_bursts):
                    large[size] += bench.to_pipebot(pipebot.port, size)
            replies = slack.replies()
    if replies.urls + bench.in_acks != bench.sent or replies.failed or bench.wrong:
        raise RuntimeError(f"sent {bench.sent} commands, but {replies} and {bench.in_acks} in acks")
    p99 = loadgen.percentile(ours, 0.99)
    bare_p99 = loadgen.percentile(bare_ms, 0.99)
    floor_p99 = loadgen.percentile(floor_ms, 0.99)
    everything = ours + [value for values in large.values() for value in values]
    return {
        "p50_ms": _ms(statistics.median(ours)),
        "p99_ms": _ms(p99),
        "max_ms": _ms(max(ours)),
        "over_3s": sum(1 for value in everything if value > 3),
        "bare_p50_ms": _ms(statistics.median(bare_ms)),
        "bare_p99_ms": _ms(bare_p99),
        "floor_p50_ms": _ms(statistics.median(floor_ms)),
        "floor_p99_ms": _ms(floor_p99),
        "ratio_bare": round(p99 / bare_p99, 2),
        "ratio_floor": round(p99 / floor_p99, 2),
        # The same measurement under issue 13's name: the ack-only Bolt app runs Bolt's
        # dispatch through Starlette's thread pool, as pipebot does.
        "ratio_bolt_pool": round(p99 / bare_p99, 2),
        "p99_ms_200": _ms(loadgen.percentile(large[200], 0.99)),
        "p99_ms_500": _ms(loadgen.percentile(large[500], 0.99)),
        "max_ms_500": _ms(max(large[500])),
        "samples": len(ours),
        "replies": replies.urls + bench.in_acks,
    }


def main() -> None:
    logging.disable(logging.WARNING)
    full = os.environ.get("BENCH_FULL") == "1"
    print(
        f"signed /touch bursts against `pipebot run --mode http` (SQLite), Slack answering in "
        f"{SLACK_LATENCY * 1000:.0f} ms; {'full' if full else 'quick'} run"
    )
    figures = measure(full)
    rows = [
        ("pipebot, 50 at once", figures["p50_ms"], figures["p99_ms"], figures["max_ms"]),
        ("bare Bolt (ack only)", figures["bare_p50_ms"], figures["bare_p99_ms"], None),
        ("floor (signature only)", figures["floor_p50_ms"], figures["floor_p99_ms"], None),
        ("pipebot, 200 at once", None, figures["p99_ms_200"], None),
        ("pipebot, 500 at once", None, figures["p99_ms_500"], figures["max_ms_500"]),
    ]
    print(f"  {'server':<24}{'p50':>9}{'p99':>9}{'max':>9}")
    for label, *values in rows:
        cells = "".join(f"{v:>7.0f}ms" if v is not None else f"{'':>9}" for v in values)
        print(f"  {label:<24}{cells}")
    print(
        f"  p99 ratio to bare Bolt {figures['ratio_bare']:.2f}x (target <= 2), to the floor "
        f"{figures['ratio_floor']:.2f}x; over 3 s: {figures['over_3s']}; "
        f"{figures['replies']} replies, one per command"
    )
    record(
        "ack", {k: v for k, v in figures.items() if k not in ("max_ms_500", "samples", "replies")}
    )


if __name__ == "__main__":
    main()
