"""A webhook receiver on loopback that checks every signature, and pipeline files that point at it."""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

from bot.deps import Deps
from tests import support

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(bytes(range(100, 132))).decode()


class Receiver:
    """An endpoint as a CRM or n8n runs one: verifies the signature, dedupes by `webhook-id`.

    `events` holds each event once, in arrival order; `attempts` every verified request's id
    (repeats included); `rejected` counts requests whose signature did not verify. `status` is
    the answer it gives, `delay` how long it takes to give it (after storing the event).
    """

    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self.events: dict[str, dict[str, Any]] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.attempts: list[str] = []
        self.rejected = 0
        self.status = 200
        self.delay = 0.0
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/pipebot"

    def types(self) -> list[str]:
        with self._lock:
            return [event["type"] for event in self.events.values()]

    def start(self) -> Receiver:
        """Listen (again, on the same port after `stop`)."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {key.lower(): value for key, value in self.headers.items()}
                try:
                    event = Webhook(receiver.secret).verify(body, headers)
                except WebhookVerificationError:
                    with receiver._lock:
                        receiver.rejected += 1
                    self._answer(401)
                    return
                with receiver._lock:
                    receiver.attempts.append(headers["webhook-id"])
                    if headers["webhook-id"] not in receiver.events:
                        receiver.events[headers["webhook-id"]] = event
                        receiver.headers[headers["webhook-id"]] = headers
                    status, delay = receiver.status, receiver.delay
                if delay:
                    time.sleep(delay)
                self._answer(status)

            def _answer(self, status: int) -> None:
                try:
                    self.send_response(status)
                    self.send_header("content-length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:  # the sender gave up waiting
                    pass

            def log_message(self, *_args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Go down: connections are refused until `start`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def pipeline_text(hooks: list[dict[str, Any]]) -> str:
    """A pipeline file with the default stages and these `[[webhooks]]` tables."""
    lines = []
    for hook in hooks:
        lines.append("[[webhooks]]")
        lines.extend(f"{key} = {json.dumps(value)}" for key, value in hook.items())
        lines.append("")
    return "\n".join(lines)


def with_webhooks(deps: Deps, directory: Path, hooks: list[dict[str, Any]]) -> Deps:
    """The same deps, configured with these webhooks."""
    path = directory / "pipeline-webhooks.toml"
    path.write_text(pipeline_text(hooks), encoding="utf-8")
    settings = deps.config.settings
    overrides = {"PIPEBOT_CONFIG": str(path)}
    if deps.slack is not None:
        overrides["SLACK_API_URL"] = deps.slack.base_url
    config = support.make_config(settings.database_url, **overrides)
    return replace(deps, config=config)
