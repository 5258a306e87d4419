"""The production HTTP front: Starlette on uvicorn, Bolt dispatched off the event loop."""

from __future__ import annotations

import logging
import time

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt import App, BoltRequest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.db import ping
from bot.deps import Deps
from bot.metrics import Metrics

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000


def create_http_app(deps: Deps, bolt: App, metrics: Metrics | None = None) -> Starlette:
    """Routes: `POST /slack/events`, `GET /healthz`, `GET /metrics`."""
    metrics = metrics or Metrics()

    async def slack_events(request: Request) -> Response:
        started = time.perf_counter()
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": "payload too large"}, status_code=413)
        bolt_request = BoltRequest(
            body=body.decode("utf-8", errors="replace"),
            query=request.url.query,
            headers={key: [value] for key, value in request.headers.items()},
        )
        bolt_response = await run_in_threadpool(bolt.dispatch, bolt_request)
        metrics.requests.labels(str(bolt_response.status)).inc()
        metrics.request_seconds.observe(time.perf_counter() - started)
        headers = {key: values[0] for key, values in bolt_response.headers.items() if values}
        headers.pop("content-length", None)
        return Response(
            content=bolt_response.body, status_code=bolt_response.status, headers=headers
        )

    async def healthz(_request: Request) -> Response:
        healthy = await run_in_threadpool(ping, deps.engine)
        return JSONResponse(
            {"status": "ok" if healthy else "database unavailable"},
            status_code=200 if healthy else 503,
        )

    async def prometheus(_request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", prometheus, methods=["GET"]),
        ]
    )


def make_server(app: Starlette, *, host: str, port: int) -> uvicorn.Server:
    """A uvicorn server that logs through our handlers and shuts down cleanly on SIGTERM."""
    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, lifespan="off"
    )
    return uvicorn.Server(config)
