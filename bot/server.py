"""The production HTTP front: Starlette on uvicorn, Bolt dispatched off the event loop, and a
settled rep's `/touch #42 …` answered in its ack ahead of Bolt."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import hmac
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import orjson
import uvicorn
from pydantic import BaseModel, ValidationError
from slack_bolt import App, BoltRequest
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.deps import Deps
from bot.executor import ListenerExecutor
from bot.flows import Refused, log_inbound_touch, receive_inbound_lead
from bot.health import RequestLogContext, health_routes
from bot.logs import log_context
from bot.metrics import Metrics
from bot.services.export import cell
from bot.services.inbound import IDEMPOTENCY_KEY, InboundLead, InboundTouch
from bot.slack.envelope import shape_of
from bot.slack.ids import Command
from bot.slack.kit import SlackMessage
from bot.slack.publisher import refresh_homes
from bot.slack.verify import may_reply_to, rejection
from bot.watch import Watch
from handlers.touch import TRIED_AT_ONCE, answer_at_once

logger = logging.getLogger(__name__)

ApiModel = TypeVar("ApiModel", bound=BaseModel)
Arg = TypeVar("Arg")
Result = TypeVar("Result")

MAX_BODY_BYTES = 1_000_000
# Threads answering `/touch #42 …` ahead of Bolt: each mostly waits for its shared transaction.
AT_ONCE_THREADS = 32


class ThreadPool:
    """Blocking calls from the event loop on a pool of their own, with the caller's context (its
    log fields). Cheaper per call than Starlette's `run_in_threadpool`, whose AnyIO machinery (a
    capacity limiter, a cancel scope, backend lookups) cost a tenth of a `/touch` answered in its ack.
    """

    def __init__(self, threads: int, *, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)

    async def run(self, call: Callable[[Arg], Result], arg: Arg) -> Result:
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, context.run, call, arg
        )


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


def touch_command(command: dict[str, str] | None, *, api_url: str) -> dict[str, str] | None:
    """A slash command's fields when it is a `/touch` that may be answered right here, ahead of
    Bolt (see `handlers.touch.answer_at_once`); None for anything else, which Bolt answers.

    A command whose response_url is not Slack's goes to Bolt too, which refuses it.
    """
    if command is None or command["command"] != Command.TOUCH:
        return None
    if not may_reply_to(command.get("response_url", ""), api_url=api_url):
        return None
    return command


def create_http_app(
    deps: Deps,
    bolt: App,
    metrics: Metrics | None = None,
    watch: Watch | None = None,
    *,
    serve_metrics: bool = True,
) -> ASGIApp:
    """Routes: `POST /slack/events`, `POST /api/leads`, and the health routes (`/metrics` unless
    `serve_metrics` is off because another port serves it)."""
    metrics = metrics or Metrics()
    signing_secret = deps.config.settings.slack_signing_secret
    # Listener work yields to requests still waiting for their ack (see bot/executor.py).
    executor = bolt.listener_runner.listener_executor
    acks = executor if isinstance(executor, ListenerExecutor) else None

    api_url = deps.config.settings.slack_api_url
    at_once_pool = ThreadPool(AT_ONCE_THREADS, name="at-once")

    def touch_at_once(command: dict[str, str]) -> SlackMessage | None:
        # The commonest request answered ahead of Bolt, its reply in the ack: same rules, same
        # words, none of Bolt's per-request machinery, no owed reply, no response_url post.
        with log_context(user=command["user_id"], command=Command.TOUCH):
            return answer_at_once(deps, command)

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
        shape = shape_of(text, content_type=request.headers.get("content-type", ""))
        if shape.problem is not None:
            logger.warning("refused a signed request Slack would not send: %s", shape.problem)
            metrics.requests.labels("400").inc()
            return JSONResponse({"error": "malformed request"}, status_code=400)
        command = touch_command(shape.command, api_url=api_url)
        message = await at_once_pool.run(touch_at_once, command) if command else None
        if message is not None:
            response = Response(orjson.dumps(message.in_ack()), media_type="application/json")
        else:
            response = await dispatch(request, text, tried_at_once=command is not None)
        metrics.requests.labels(str(response.status_code)).inc()
        metrics.request_seconds.observe(time.perf_counter() - started)
        return response

    async def dispatch(request: Request, text: str, *, tried_at_once: bool) -> Response:
        """Bolt's answer to a verified request, from its dispatch on a thread of the pool."""
        bolt_request = BoltRequest(
            body=text,
            query=request.url.query,
            headers={key: [value] for key, value in request.headers.items()},
            context={TRIED_AT_ONCE: True} if tried_at_once else None,
        )
        bolt_response = await run_in_threadpool(bolt.dispatch, bolt_request)
        headers = {key: values[0] for key, values in bolt_response.headers.items() if values}
        headers.pop("content-length", None)
        return Response(
            content=bolt_response.body, status_code=bolt_response.status, headers=headers
        )

    inbound_token = deps.config.settings.pipebot_inbound_token

    async def api_body(request: Request, model: type[ApiModel]) -> ApiModel | Response:
        """The request's JSON as `model`, or the answer refusing it (404, 401, 413 or 422)."""
        if inbound_token is None:
            return JSONResponse({"error": "the API is disabled"}, status_code=404)
        supplied = bearer_token(request) or ""
        if not hmac.compare_digest(supplied.encode(), inbound_token.get_secret_value().encode()):
            return JSONResponse(
                {"error": "invalid token; send Authorization: Bearer <token>"}, status_code=401
            )
        body = await read_body(request)
        if body is None:
            return JSONResponse({"error": "payload too large"}, status_code=413)
        try:
            return model.model_validate_json(body)
        except ValidationError as exc:
            return JSONResponse({"error": first_problem(exc)}, status_code=422)

    async def inbound_lead(request: Request) -> Response:
        inbound = await api_body(request, InboundLead)
        if isinstance(inbound, Response):
            return inbound
        status, payload = await run_in_threadpool(accept_inbound, deps, inbound)
        return JSONResponse(payload, status_code=status)

    async def inbound_touch(request: Request) -> Response:
        touch = await api_body(request, InboundTouch)
        if isinstance(touch, Response):
            return touch
        key = request.headers.get("idempotency-key")
        if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
            return JSONResponse(
                {"error": "Idempotency-Key: must be 1-200 visible ASCII characters"},
                status_code=422,
            )
        status, payload = await run_in_threadpool(accept_touch, deps, touch, key)
        return JSONResponse(payload, status_code=status)

    rest = Starlette(
        routes=[
            *health_routes(deps, metrics, watch or Watch(), serve_metrics=serve_metrics),
            Route("/api/leads", inbound_lead, methods=["POST"]),
            Route("/api/touches", inbound_touch, methods=["POST"]),
        ],
        middleware=[Middleware(RequestLogContext)],
    )
    return SlackFirst(slack_events, rest)


class SlackFirst:
    """ASGI: `POST /slack/events` straight to its handler, with the request's log id and a logged
    500 for anything it raises; every other request goes through Starlette's routing.

    Slack's requests are nearly all the traffic. Starlette's two exception middlewares, router and
    request/response wrappers serve many routes and handlers that raise HTTP errors; on the one
    route that does neither they cost about a seventh of a `/touch` answered in its ack.
    """

    def __init__(self, events: Callable[[Request], Awaitable[Response]], rest: ASGIApp) -> None:
        self._handle = events
        self._events = RequestLogContext(self._answer)
        self._rest = rest

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/slack/events":
            await self._events(scope, receive, send)
        else:
            await self._rest(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            response: Response = PlainTextResponse("Method Not Allowed", status_code=405)
            response.headers["allow"] = "POST"
        else:
            try:
                response = await self._handle(Request(scope, receive))
            except Exception:
                logger.exception("a request to /slack/events failed")
                response = PlainTextResponse("Internal Server Error", status_code=500)
        await response(scope, receive, send)


def first_problem(error: ValidationError) -> str:
    """The first thing wrong with a body, as `field: problem`."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{where}: {first['msg'].removeprefix('Value error, ')}"


def _database_down(exc: OperationalError, what: str) -> tuple[int, dict[str, object]]:
    # The database is down or unreachable: the caller may retry.
    logger.error("%s not stored: the database is unavailable (%s)", what, type(exc.orig).__name__)
    return 503, {"error": "the database is unavailable; try again shortly"}


def accept_inbound(deps: Deps, inbound: InboundLead) -> tuple[int, dict[str, object]]:
    """Store an inbound lead and tell its owner: 201 when new, 200 for a lead already there.

    A lead already there is the one this `external_id` reached before, or an open lead with the
    same email or company, which gets the inquiry as an `inbound` touch.
    """
    try:
        received = receive_inbound_lead(deps, inbound=inbound, now=deps.clock.now())
    except Refused as refused:
        return refused.status, {"error": refused.message}
    except LookupError as exc:
        return 409, {"error": str(exc)}
    except OperationalError as exc:
        return _database_down(exc, "inbound lead")
    lead = received.lead
    if received.homes and deps.slack is not None:
        refresh_homes(deps, deps.slack, *received.homes)
    how = "new" if received.created else f"known by {received.matched}"
    logger.info("inbound lead %s (%s)", lead.id, how)
    payload: dict[str, object] = {
        "id": lead.id,
        "owner": lead.owner_id,
        "duplicate": not received.created,
    }
    if received.matched:
        payload["matched"] = received.matched
    if received.touch is not None:
        payload["touch_id"] = received.touch.id
    return (201 if received.created else 200), payload


def accept_touch(
    deps: Deps, touch: InboundTouch, key: str | None = None
) -> tuple[int, dict[str, object]]:
    """Log a touch another tool saw: 201 with the touch (200 with the one its Idempotency-Key
    logged before), or the status and reason it was refused."""
    try:
        received = log_inbound_touch(deps, touch=touch, now=deps.clock.now(), key=key)
    except Refused as exc:
        return exc.status, {"error": exc.message}
    except OperationalError as exc:
        return _database_down(exc, "touch")
    logged = received.logged
    if deps.slack is not None:
        refresh_homes(deps, deps.slack, *logged.homes)
    if not received.duplicate:
        logger.info("touch %s logged on lead %s over the API", logged.touch.id, logged.lead.id)
    return 200 if received.duplicate else 201, {
        "id": logged.touch.id,
        "lead_id": logged.lead.id,
        "kind": logged.touch.kind,
        "occurred_at": cell(logged.touch.occurred_at),
        "author": logged.touch.author_id,
        "duplicate": received.duplicate,
    }


class _Server(uvicorn.Server):
    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        # Everything built so far (modules, the app, its listeners) lives as long as the process.
        # Frozen, the garbage collector stops rescanning it: a full collection of the ~100,000
        # start-up objects took 130-170 ms, long enough to show in the acks of a burst.
        gc.collect()
        gc.freeze()
        await super().startup(sockets)


def make_server(app: ASGIApp, *, host: str, port: int) -> uvicorn.Server:
    """A uvicorn server that logs through our handlers and shuts down cleanly on SIGTERM."""
    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, lifespan="off"
    )
    return _Server(config)
