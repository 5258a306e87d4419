"""The health and metrics routes, served beside Slack's route in HTTP mode and alone in Socket
Mode (or on `METRICS_PORT`), and the request id every line logged for a request carries."""

from __future__ import annotations

import re

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.db import ping
from bot.deps import Deps
from bot.logs import bind, new_request_id, unbind
from bot.metrics import Metrics
from bot.watch import Watch, readiness


def health_routes(
    deps: Deps, metrics: Metrics, watch: Watch, *, serve_metrics: bool = True
) -> list[Route]:
    """`GET /livez` (the process answers), `/readyz` (it should get work, and why not),
    `/healthz` (readiness, in its original short shape) and `/metrics` (Prometheus)."""

    async def livez(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        ready = readiness(watch, database_answers=await run_in_threadpool(ping, deps.engine))
        return JSONResponse(
            {"status": ready.status, "checks": ready.checks},
            status_code=200 if ready.ready else 503,
        )

    async def healthz(_request: Request) -> Response:
        ready = readiness(watch, database_answers=await run_in_threadpool(ping, deps.engine))
        return JSONResponse({"status": ready.status}, status_code=200 if ready.ready else 503)

    async def prometheus(_request: Request) -> Response:
        # The outbox gauges query the database, so the scrape runs off the event loop.
        body = await run_in_threadpool(generate_latest, metrics.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    routes = [
        Route("/livez", livez, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    if serve_metrics:
        routes.append(Route("/metrics", prometheus, methods=["GET"]))
    return routes


def create_ops_app(deps: Deps, metrics: Metrics, watch: Watch) -> Starlette:
    """The health and metrics routes alone: Socket Mode's port, or `METRICS_PORT`."""
    return Starlette(
        routes=health_routes(deps, metrics, watch), middleware=[Middleware(RequestLogContext)]
    )


_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestLogContext:
    """ASGI middleware: every line logged for a request carries its id (the caller's `X-Request-Id`
    when it is a plain token, else a new one), which the response echoes back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = dict(scope.get("headers") or ()).get(b"x-request-id", b"").decode("latin-1")
        request_id = supplied if _REQUEST_ID.fullmatch(supplied) else new_request_id()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or ())
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        token = bind(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            unbind(token)
