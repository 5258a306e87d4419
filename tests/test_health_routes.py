"""The health and metrics routes, read as Prometheus and a load balancer read them."""

from __future__ import annotations

import dataclasses
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk import WebClient
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from starlette.applications import Starlette

from bot.db import make_engine, make_session_factory
from bot.deps import Deps
from bot.health import create_ops_app
from bot.metrics import Metrics, SlackErrorCounter, api_method, slack_error
from bot.scheduler import build_scheduler
from bot.server import make_server
from bot.services.outbox import enqueue, mark_sent
from bot.slack.kit import SlackMessage
from bot.watch import Heartbeat, Watch
from jobs import JobSpec
from jobs.spec import Every
from tests.fakeslack import FakeSlack


def metric(text: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return None


@contextmanager
def serving(app: Starlette) -> Iterator[httpx.Client]:
    """Serve `app` on a loopback port, as `pipebot run` does, and a client for it."""
    listening = socket.create_server(("127.0.0.1", 0))
    server = make_server(app, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{listening.getsockname()[1]}"
    try:
        with httpx.Client(base_url=base, transport=httpx.HTTPTransport(retries=20)) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listening.close()


def broken_deps(deps: Deps, tmp_path: Path) -> Deps:
    """Deps on a database that cannot be opened."""
    engine = make_engine(f"sqlite:///{tmp_path}/no/such/dir/pipebot.db")
    return dataclasses.replace(deps, engine=engine, session_factory=make_session_factory(engine))


@pytest.fixture
def watch() -> Watch:
    return Watch(sender=Heartbeat())


@pytest.fixture
def metrics(deps: Deps, watch: Watch) -> Metrics:
    metrics = Metrics()
    metrics.watch_outbox(deps.session_factory, deps.clock.now)
    metrics.watch_process(watch)
    return metrics


@pytest.fixture
def http(deps: Deps, metrics: Metrics, watch: Watch) -> Iterator[httpx.Client]:
    with serving(create_ops_app(deps, metrics, watch)) as client:
        yield client


def test_live_ready_and_healthy(http: httpx.Client) -> None:
    assert http.get("/livez").json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ok",
        "checks": {"database": "ok", "slack": "ok", "sender": "ok"},
    }
    assert http.get("/healthz").json() == {"status": "ok"}
    assert len(ready.headers["x-request-id"]) == 16


def test_a_closed_slack_access_is_not_ready_and_says_why(http: httpx.Client, watch: Watch) -> None:
    watch.slack.close(
        "the app was uninstalled from the workspace (app_uninstalled); sending paused"
    )
    ready = http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == ready.json()["checks"]["slack"]
    assert http.get("/healthz").status_code == 503
    assert http.get("/livez").status_code == 200
    assert metric(http.get("/metrics").text, "pipebot_sending_paused") == 1


def test_an_unreachable_database_keeps_the_healthz_answer_it_always_gave(
    deps: Deps, watch: Watch, tmp_path: Path
) -> None:
    with serving(create_ops_app(broken_deps(deps, tmp_path), Metrics(), watch)) as http:
        assert http.get("/healthz").status_code == 503
        assert http.get("/healthz").json() == {"status": "database unavailable"}
        assert http.get("/readyz").json()["checks"]["database"] == "database unavailable"


def test_the_outbox_backlog_and_its_oldest_row_are_read_at_scrape_time(
    deps: Deps, http: httpx.Client, clock
) -> None:
    started = clock.now()
    with deps.session_factory.begin() as session:
        for key in ("a", "b", "c"):
            enqueue(session, key=key, kind="test", recipient="UREP00001",
                    message=SlackMessage(key), now=started)  # fmt: skip
    with deps.session_factory.begin() as session:
        mark_sent(session, notification_id=1, channel="DUREP00001", ts="1.1", now=started)
    clock.advance(timedelta(seconds=90))
    text = http.get("/metrics").text
    assert metric(text, "pipebot_outbox_backlog") == 2
    assert metric(text, "pipebot_outbox_oldest_pending_age_seconds") == 90
    assert metric(text, "pipebot_database_up") == 1


def test_an_empty_outbox_has_no_age(http: httpx.Client) -> None:
    text = http.get("/metrics").text
    assert metric(text, "pipebot_outbox_backlog") == 0
    assert metric(text, "pipebot_outbox_oldest_pending_age_seconds") == 0


def test_a_scrape_answers_when_the_database_does_not(deps: Deps, tmp_path: Path) -> None:
    broken = broken_deps(deps, tmp_path)
    metrics = Metrics()
    metrics.watch_outbox(broken.session_factory, deps.clock.now)
    with serving(create_ops_app(broken, metrics, Watch())) as http:
        response = http.get("/metrics")
    assert response.status_code == 200
    assert metric(response.text, "pipebot_database_up") == 0
    assert metric(response.text, "pipebot_outbox_backlog") is None


def test_build_info_and_the_standard_collectors(http: httpx.Client) -> None:
    from bot.cli import version

    text = http.get("/metrics").text
    assert metric(text, "pipebot_build_info", version=version()) == 1
    assert metric(text, "process_resident_memory_bytes") > 0
    assert metric(text, "python_info") == 1
    assert metric(text, "python_gc_collections_total", generation="0") is not None
    assert metric(text, "pipebot_sender_heartbeat_timestamp_seconds") > 0


def test_each_jobs_last_success_and_duration(
    deps: Deps, metrics: Metrics, http: httpx.Client, monkeypatch
) -> None:
    outcomes = iter([None, RuntimeError("boom")])

    def flaky(job_deps, now):
        failure = next(outcomes)
        if failure is not None:
            raise failure
        return 0

    monkeypatch.setattr("bot.scheduler.JOBS", (JobSpec("stale-nudges", Every(15, second=0), "", flaky),))  # fmt: skip
    monkeypatch.setattr("bot.scheduler.MAINTENANCE", ())
    [job] = build_scheduler(deps, metrics=metrics).get_jobs()
    job.func()
    text = http.get("/metrics").text
    succeeded = metric(text, "pipebot_job_last_success_timestamp_seconds", job="stale-nudges")
    assert succeeded is not None and succeeded > 1.7e9
    assert metric(text, "pipebot_job_last_duration_seconds", job="stale-nudges") >= 0
    job.func()
    text = http.get("/metrics").text
    assert (
        metric(text, "pipebot_job_last_success_timestamp_seconds", job="stale-nudges") == succeeded
    )
    assert metric(text, "pipebot_job_runs_total", job="stale-nudges", outcome="ok") == 1
    assert metric(text, "pipebot_job_runs_total", job="stale-nudges", outcome="failed") == 1


def test_slack_api_errors_are_counted_on_every_client_that_carries_the_counter(
    metrics: Metrics, http: httpx.Client
) -> None:
    with FakeSlack(rate_limits=False) as slack:
        client = WebClient(token="xoxb-test-token", base_url=slack.base_url)
        metrics.count_slack_errors(client)
        metrics.count_slack_errors(client)  # once is enough
        assert sum(isinstance(h, SlackErrorCounter) for h in client.retry_handlers) == 1
        slack.fail_next("users.info", error="user_not_found")
        with pytest.raises(Exception, match="user_not_found"):
            client.users_info(user="UNOBODY01")
        client.auth_test()
    text = http.get("/metrics").text
    assert metric(text, "pipebot_slack_api_errors_total", method="users.info",
                  error="user_not_found") == 1  # fmt: skip
    assert metric(text, "pipebot_slack_api_errors_total", method="auth.test") is None


@pytest.mark.parametrize(
    ("status", "body", "error", "expected"),
    [
        (200, {"ok": True}, None, None),
        (200, {"ok": False, "error": "not_in_channel"}, None, "not_in_channel"),
        (429, None, None, "ratelimited"),
        (503, None, None, "http_503"),
        (None, None, TimeoutError(), "connection_error:TimeoutError"),
    ],
)
def test_what_counts_as_a_slack_error(status, body, error, expected) -> None:
    response = None if status is None else HttpResponse(status_code=status, headers={}, body=body)
    assert slack_error(response, error) == expected


def test_the_method_is_the_last_part_of_the_url() -> None:
    request = HttpRequest(method="POST", url="https://slack.com/api/chat.postMessage", headers={})
    assert api_method(request.url) == "chat.postMessage"
    assert api_method("http://127.0.0.1:9/gov/api/views.publish?x=1") == "views.publish"
