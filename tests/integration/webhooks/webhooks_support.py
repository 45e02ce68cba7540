"""Webhook test support: a real receiver on a local socket, and the fixtures' callable types.

The receiver binds its port at once but listens only after `up()`: until then every
connection is refused, as with an endpoint that is down.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook

from parley.storage import Event

#: `record_event(type, data, tenant=None)`: writes one committed outbox event.
RecordEvent = Callable[..., Awaitable[Event]]
#: `drain(done)`: dispatcher passes until `done()` holds.
Drain = Callable[[Callable[[], bool]], Awaitable[None]]


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it."""

    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def payload(self) -> Any:
        return json.loads(self.body)

    def verify(self, secret: str) -> Any:
        """The payload, once the independent Standard Webhooks implementation accepts it."""
        return Webhook(secret).verify(self.body, self.headers)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        receiver = self.server.receiver
        if receiver.delay:
            time.sleep(receiver.delay)
        status = receiver.status
        headers = {key.lower(): value for key, value in self.headers.items()}
        with receiver.lock:
            receiver.requests.append(Received(headers, body, status))
        self.send_response(status)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver


class Receiver:
    """`status` (and `delay` seconds) decide each answer; `requests` is what came in."""

    def __init__(self) -> None:
        self.status = 200
        self.delay = 0.0
        self.lock = threading.Lock()
        self.requests: list[Received] = []
        self._server = _Server(("127.0.0.1", 0), _Handler, bind_and_activate=False)
        self._server.receiver = self
        self._server.server_bind()
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}/hooks/parley"
        self._thread: threading.Thread | None = None

    def up(self) -> Receiver:
        """Start listening and answering."""
        self._server.server_activate()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()

    def received(self) -> list[Received]:
        """A snapshot of the requests so far."""
        with self.lock:
            return list(self.requests)

    def delivered(self) -> list[Received]:
        """The requests it answered with a 2xx."""
        return [request for request in self.received() if 200 <= request.answered < 300]
