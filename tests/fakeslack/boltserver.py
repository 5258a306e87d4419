"""Serve a slack_bolt App on 127.0.0.1 over plain HTTP, for tests that post signed requests."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import App, BoltRequest


class _BoltHandler(BaseHTTPRequestHandler):
    """Turns each POST into App.dispatch(BoltRequest) and writes the BoltResponse back."""

    server: "_BoltServer"
    protocol_version = "HTTP/1.0"
    timeout = 10

    def do_POST(self) -> None:
        """Dispatch POST /slack/events to the app; anything else is 404."""
        if urlsplit(self.path).path != "/slack/events":
            self.send_error(404)
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        headers = {name.lower(): [value] for name, value in self.headers.items()}
        response = self.server.app.dispatch(BoltRequest(body=body, headers=headers))
        payload = (response.body or "").encode("utf-8")
        self.send_response(response.status)
        for name, values in response.headers.items():
            if name.lower() != "content-length":
                for value in values:
                    self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""


class _BoltServer(ThreadingHTTPServer):
    """A threading HTTP server that owns the app it serves."""

    daemon_threads = True

    def __init__(self, app: App) -> None:
        """Bind 127.0.0.1 on a free port."""
        self.app = app
        super().__init__(("127.0.0.1", 0), _BoltHandler)


@contextmanager
def serve_bolt(app: App) -> Iterator[str]:
    """Serve `app` while the block runs and yield its base URL (http://127.0.0.1:PORT)."""
    server = _BoltServer(app)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="bolt-app", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
