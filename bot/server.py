"""The production HTTP front: Starlette on uvicorn, Bolt dispatched off the event loop."""

from __future__ import annotations

import gc
import hmac
import logging
import socket
import time

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError
from slack_bolt import App, BoltRequest
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.db import ping
from bot.deps import Deps
from bot.executor import ListenerExecutor
from bot.flows import receive_inbound_lead
from bot.metrics import Metrics
from bot.services.inbound import InboundLead
from bot.slack.envelope import shape_problem
from bot.slack.publisher import refresh_homes
from bot.slack.verify import rejection

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000


async def read_body(request: Request, *, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The request body, or None as soon as it passes `limit` bytes: a huge body is never held in memory."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None for any other scheme or none."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def create_http_app(deps: Deps, bolt: App, metrics: Metrics | None = None) -> Starlette:
    """Routes: `POST /slack/events`, `GET /healthz`, `GET /metrics`."""
    metrics = metrics or Metrics()
    signing_secret = deps.config.settings.slack_signing_secret
    # Listener work yields to requests still waiting for their ack (see bot/executor.py).
    executor = bolt.listener_runner.listener_executor
    acks = executor if isinstance(executor, ListenerExecutor) else None

    async def slack_events(request: Request) -> Response:
        if acks is None:
            return await answer_slack(request)
        acks.arrived()
        try:
            return await answer_slack(request)
        finally:
            acks.answered()

    async def answer_slack(request: Request) -> Response:
        started = time.perf_counter()
        body = await read_body(request)
        if body is None:
            return JSONResponse({"error": "payload too large"}, status_code=413)
        # Verified here, before Bolt parses anything: an unverified body never reaches a listener
        # or the error path, both of which act with the bot token.
        reason = (
            rejection(
                body,
                request.headers,
                secret=signing_secret.get_secret_value(),
                now=time.time(),  # Slack's clock, not the (possibly simulated) business clock
            )
            if signing_secret is not None
            else "no signing secret configured"
        )
        if reason is not None:
            logger.warning("refused a request to /slack/events: %s (%d bytes)", reason, len(body))
            metrics.requests.labels("401").inc()
            return JSONResponse({"error": "invalid request"}, status_code=401)
        text = body.decode("utf-8")  # verified, so UTF-8
        problem = shape_problem(text, content_type=request.headers.get("content-type", ""))
        if problem is not None:
            logger.warning("refused a signed request Slack would not send: %s", problem)
            metrics.requests.labels("400").inc()
            return JSONResponse({"error": "malformed request"}, status_code=400)
        bolt_request = BoltRequest(
            body=text,
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

    inbound_token = deps.config.settings.pipebot_inbound_token

    async def inbound_lead(request: Request) -> Response:
        if inbound_token is None:
            return JSONResponse({"error": "inbound leads are disabled"}, status_code=404)
        supplied = bearer_token(request) or ""
        if not hmac.compare_digest(supplied.encode(), inbound_token.get_secret_value().encode()):
            return JSONResponse(
                {"error": "invalid token; send Authorization: Bearer <token>"}, status_code=401
            )
        body = await read_body(request)
        if body is None:
            return JSONResponse({"error": "payload too large"}, status_code=413)
        try:
            inbound = InboundLead.model_validate_json(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "body"
            return JSONResponse({"error": f"{where}: {first['msg']}"}, status_code=422)
        status, payload = await run_in_threadpool(accept_inbound, deps, inbound)
        return JSONResponse(payload, status_code=status)

    async def prometheus(_request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", prometheus, methods=["GET"]),
            Route("/api/leads", inbound_lead, methods=["POST"]),
        ]
    )


def accept_inbound(deps: Deps, inbound: InboundLead) -> tuple[int, dict[str, object]]:
    """Store an inbound lead and tell its owner; 201 when new, 200 for an open duplicate."""
    try:
        created = receive_inbound_lead(deps, inbound=inbound, now=deps.clock.now())
    except LookupError as exc:
        return 409, {"error": str(exc)}
    except OperationalError as exc:  # the database is down or unreachable: the form may retry
        logger.error(
            "inbound lead not stored: the database is unavailable (%s)", type(exc.orig).__name__
        )
        return 503, {"error": "the database is unavailable; try again shortly"}
    lead = created.lead
    assert lead is not None
    if created.created and deps.slack is not None:
        refresh_homes(deps, deps.slack, *created.homes)
    logger.info("inbound lead %s (%s)", lead.id, "new" if created.created else "duplicate")
    return (201 if created.created else 200), {
        "id": lead.id,
        "owner": lead.owner_id,
        "duplicate": not created.created,
    }


class _Server(uvicorn.Server):
    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        # Everything built so far (modules, the app, its listeners) lives as long as the process.
        # Frozen, the garbage collector stops rescanning it: a full collection of the ~100,000
        # start-up objects took 130-170 ms, long enough to show in the acks of a burst.
        gc.collect()
        gc.freeze()
        await super().startup(sockets)


def make_server(app: Starlette, *, host: str, port: int) -> uvicorn.Server:
    """A uvicorn server that logs through our handlers and shuts down cleanly on SIGTERM."""
    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, lifespan="off"
    )
    return _Server(config)
