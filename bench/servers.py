"""Servers under test, each in a process of its own: `pipebot run --mode http` and the baselines."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from tests.support import app_env


@dataclass(frozen=True)
class Served:
    """A running server: its port and, once stopped, what it printed."""

    port: int
    process: subprocess.Popen[str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(
    port: int, process: subprocess.Popen[str], log: IO[str], timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited with {process.returncode}: {log.read()[-2000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not become healthy")


@contextmanager
def _serve(command: list[str], env: dict[str, str]) -> Iterator[Served]:
    port = free_port()
    # A file, not a pipe: a server that logs more than a pipe holds would block on it.
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            _wait_healthy(port, process, log)
            yield Served(port, process)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.returncode not in (0, -signal.SIGTERM):
                log.seek(0)
                print(f"  server exited with {process.returncode}: {log.read()[-2000:]}")


def pipebot_env(database_url: str, slack_api_url: str, **extra: str) -> dict[str, str]:
    """The environment `pipebot run` gets: the test settings, pointed at the fake Slack."""
    env = {**os.environ, **app_env(database_url, SLACK_API_URL=slack_api_url), **extra}
    env.pop("PIPEBOT_CONFIG", None)
    env.setdefault("LOG_LEVEL", "WARNING")
    return env


@contextmanager
def pipebot(database_url: str, slack_api_url: str, **extra: str) -> Iterator[Served]:
    """`pipebot run --mode http` on a free port, stopped with SIGTERM (acked work finishes first)."""
    command = [sys.executable, "-m", "bot.cli", "run", "--mode", "http", "--host", "127.0.0.1"]
    with _serve(command, pipebot_env(database_url, slack_api_url, **extra)) as served:
        yield served


@contextmanager
def baseline(kind: str, slack_api_url: str) -> Iterator[Served]:
    """The bare Bolt app (`bare`) or the signature-only endpoint (`floor`)."""
    command = [sys.executable, "-m", "bench.baselines", kind, "--slack-api-url", slack_api_url]
    with _serve(command, dict(os.environ)) as served:
        yield served
