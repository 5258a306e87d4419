"""What pipebot's acks are measured against, served on the same Starlette and uvicorn set-up.

`python -m bench.baselines bare --port N`: a Bolt app whose `/touch` listener only acks, with
`App.dispatch` run through Starlette's `run_in_threadpool` (as pipebot's server does).
`python -m bench.baselines floor --port N`: a Starlette endpoint that only checks the signature;
nothing answers a signed request faster on this stack.
"""

from __future__ import annotations

import argparse
import logging
import time

from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.server import make_server
from bot.slack.verify import rejection
from tests.support import BOT_TOKEN, SIGNING_SECRET


async def healthz(_request: Request) -> Response:
    return Response("ok")


def bare_app(slack_api_url: str) -> Starlette:
    """Bolt with its defaults and a listener that only acks; it checks its token once, at start."""
    bolt = App(
        client=WebClient(token=BOT_TOKEN, base_url=slack_api_url),
        signing_secret=SIGNING_SECRET,
    )

    @bolt.command("/touch")
    def only_ack(ack: Ack) -> None:
        ack()

    async def events(request: Request) -> Response:
        body = (await request.body()).decode()
        bolt_request = BoltRequest(
            body=body,
            query=request.url.query,
            headers={key: [value] for key, value in request.headers.items()},
        )
        response = await run_in_threadpool(bolt.dispatch, bolt_request)
        return Response(content=response.body, status_code=response.status)

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def floor_app() -> Starlette:
    """The signature check and an empty 200: the least a Slack endpoint can do."""

    async def events(request: Request) -> Response:
        body = await request.body()
        reason = rejection(body, request.headers, secret=SIGNING_SECRET, now=time.time())
        return Response(status_code=401 if reason else 200)

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=("bare", "floor"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slack-api-url", default="https://slack.com/api/")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    app = bare_app(args.slack_api_url) if args.kind == "bare" else floor_app()
    make_server(app, host="127.0.0.1", port=args.port).run()


if __name__ == "__main__":
    main()
