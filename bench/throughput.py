"""Sustained `/touch` throughput of `pipebot run --mode http`, on SQLite and PostgreSQL.

Signed commands from a team of reps go out over keep-alive connections as fast as pipebot acks
them; the clock stops when the last user has their reply: in the ack itself (a settled rep's
`/touch #42 …`) or on the response_url, at the fake Slack (a process of its own, answering at
loopback speed). Nothing may be lost: `pipebot export touches` must hold every touch sent, and
every user must have had their reply.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench import loadgen, servers, team
from bench.fakeproc import SlackProcess
from bench.results import record
from tests import support
from tests.support import SIGNING_SECRET

REPS = 200
CONNECTIONS = 32
WINDOW = 64  # reps waiting for their reply at any moment
QUICK, FULL = 3000, 20000


@dataclass(frozen=True)
class Run:
    sent: int
    written: int
    replies: int
    failed: int
    seconds: float
    ack_p99_ms: float
    server_cpu_ms: float  # the server process's CPU time per touch
    connections: int  # connections the replies reached the fake Slack over

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(database_url: str, touches: int) -> Run:
    members = team.users(REPS)
    leads = team.seed(database_url, members)
    marker = f"bench-{uuid.uuid4().hex[:8]}"
    with (
        SlackProcess(users=members) as slack,
        servers.pipebot(database_url, slack.base_url) as pipebot,
    ):
        senders = [members[index % REPS] for index in range(touches)]
        urls = slack.response_urls(senders)
        requests = [
            loadgen.slash_command(
                pipebot.port,
                "/touch",
                f"#{leads[user]} call {marker} {index}",
                user_id=user,
                response_url=url,
                secret=SIGNING_SECRET,
                keep_alive=True,
            )
            for index, (user, url) in enumerate(zip(senders, urls, strict=True))
        ]
        cpu_before = _cpu_seconds(pipebot.process.pid)
        started = time.perf_counter()
        outcomes = loadgen.windowed(
            pipebot.port,
            requests,
            connections=CONNECTIONS,
            window=WINDOW,
            answered=slack.reply_count,
        )
        in_acks = [outcome for outcome in outcomes if outcome.replied]
        answered = slack.wait_replies(touches - len(in_acks), timeout=600)
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds(pipebot.process.pid) - cpu_before
        replies = slack.replies()
    if not answered:
        print(f"  not every command was answered within 600 s: {replies}, {len(in_acks)} in acks")
    bad_acks = sum(1 for outcome in outcomes if outcome.status != 200)
    wrong = sum(1 for outcome in in_acks if b"Logged a call" not in outcome.body)
    return Run(
        sent=touches - bad_acks,
        written=team.exported_touches(database_url, marker),
        replies=replies.urls + len(in_acks),
        failed=replies.failed + bad_acks + wrong,
        seconds=seconds,
        ack_p99_ms=round(loadgen.percentile([o.seconds for o in outcomes], 0.99) * 1000, 1),
        server_cpu_ms=round(cpu * 1000 / touches, 2),
        connections=replies.connections,
    )


def _postgres_url() -> str | None:
    url = support.run_pg_url()
    problem = support.postgres_problem(url)
    if problem:
        print(f"  PostgreSQL skipped: {problem}")
        return None
    support.drop_database(url)
    support.postgres_problem(url)  # created again, empty
    return url


def main() -> None:
    logging.disable(logging.WARNING)
    touches = FULL if os.environ.get("BENCH_FULL") == "1" else QUICK
    print(
        f"{touches} signed /touch from {REPS} reps over {CONNECTIONS} keep-alive connections, "
        "until every reply reached the fake Slack"
    )
    print(
        f"  {'database':<12}{'touch/s':>9}{'sent':>7}{'written':>9}{'replies':>9}{'failed':>8}"
        f"{'ack p99':>10}{'CPU/touch':>11}{'conns':>7}"
    )
    runs: dict[str, Run | None] = {}
    with tempfile.TemporaryDirectory() as scratch:
        runs["sqlite"] = measure(f"sqlite:///{Path(scratch) / 'bench.db'}", touches)
    pg = _postgres_url()
    runs["postgresql"] = measure(pg, touches) if pg else None
    if pg:
        support.drop_database(pg)
    for name, run in runs.items():
        if run is None:
            continue
        print(
            f"  {name:<12}{run.per_second:>9.0f}{run.sent:>7}{run.written:>9}{run.replies:>9}"
            f"{run.failed:>8}{run.ack_p99_ms:>8.0f}ms{run.server_cpu_ms:>9.2f}ms{run.connections:>7}"
        )
    sqlite, postgres = runs["sqlite"], runs["postgresql"]
    assert sqlite is not None
    record(
        "throughput",
        {
            "touch_per_s_sqlite": round(sqlite.per_second),
            "touch_per_s_postgres": round(postgres.per_second) if postgres else None,
            "cpu_ms_per_touch_sqlite": sqlite.server_cpu_ms,
            "cpu_ms_per_touch_postgres": postgres.server_cpu_ms if postgres else None,
            "profile": "full" if touches == FULL else "quick",
            "touches_sent": sqlite.sent + (postgres.sent if postgres else 0),
            "touches_written": sqlite.written + (postgres.written if postgres else 0),
            "replies": sqlite.replies + (postgres.replies if postgres else 0),
        },
    )
    lost = [
        name for name, run in runs.items() if run and (run.written, run.replies) != (run.sent,) * 2
    ]
    if lost:
        raise SystemExit(f"lost touches or replies on {', '.join(lost)}")


if __name__ == "__main__":
    main()
