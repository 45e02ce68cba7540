"""The Chorus edge: auth and injected faults in front of the Chorus API paths.

Order per request: latency, auth (401), a gateway's noise 429 (whatever the rate; such a
request never reaches the rate limit), hidden rate limit (429), injected 5xx, then the
route; a 200 body may be truncated on the way out. Admin and media paths skip all of it.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parley.sandbox.auth import token_from_header
from parley.sandbox.payloads import error_doc
from parley.sandbox.state import SandboxState

__all__ = ["CHORUS_PREFIXES", "USER_SCOPE_KEY", "ChorusEdgeMiddleware"]

CHORUS_PREFIXES = ("/api/", "/v3/")
USER_SCOPE_KEY = "parley.sandbox.user_id"
JSONAPI = b"application/vnd.api+json"

_PLAIN_ERRORS = {
    502: b"<html><body><h1>502 Bad Gateway</h1></body></html>",
    503: b"Service Temporarily Unavailable",
    504: b"<html><body><h1>504 Gateway Time-out</h1></body></html>",
}


def _is_chorus(path: str) -> bool:
    return path.startswith(CHORUS_PREFIXES) or path in {"/api", "/v3"}


async def _respond(
    send: Send, status: int, body: bytes, content_type: bytes, extra: list[tuple[bytes, bytes]]
) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + extra})
    await send({"type": "http.response.body", "body": body})


async def _error(
    send: Send, status: int, doc: dict[str, object], extra: list[tuple[bytes, bytes]]
) -> None:
    await _respond(send, status, json.dumps(doc).encode(), JSONAPI, extra)


class ChorusEdgeMiddleware:
    """ASGI middleware applying auth and faults to the Chorus paths only."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_chorus(scope["path"]):
            await self.app(scope, receive, send)
            return
        state = self.state
        faults = state.faults
        delay = faults.latency_s()
        if delay:
            await asyncio.sleep(delay)

        headers = dict(scope["headers"])
        raw = headers.get(b"authorization")
        token = token_from_header(raw.decode("latin-1") if raw is not None else None)
        user_id = state.tokens.user_for(token)
        if token is None or user_id is None:
            state.stats.request(None, scope["path"])
            state.stats.status(401)
            detail = "Missing API token." if raw is None else "Invalid or revoked API token."
            await _error(send, 401, error_doc(401, "Unauthorized", detail, code="ZI0001"), [])
            return
        state.stats.request(token, scope["path"])

        if faults.throttled():
            state.stats.rate_limited(token, throttled=True)
            state.stats.status(429)
            extra = [(b"retry-after", faults.throttle_retry_after().encode())]
            doc = error_doc(429, "Too Many Requests", "Rate limit exceeded.")
            await _error(send, 429, doc, extra)
            return

        if not faults.admit(token):
            state.stats.rate_limited(token)
            state.stats.status(429)
            extra = [(b"retry-after", b"1")] if faults.config.rate_limit_retry_after else []
            doc = error_doc(429, "Too Many Requests", "Rate limit exceeded.")
            await _error(send, 429, doc, extra)
            return

        injected = faults.error_status()
        if injected is not None:
            state.stats.error_injected(token)
            state.stats.status(injected)
            if injected in _PLAIN_ERRORS:
                content_type = b"text/html" if injected != 503 else b"text/plain"
                await _respond(send, injected, _PLAIN_ERRORS[injected], content_type, [])
            else:
                doc = error_doc(injected, "Internal Server Error", "An unexpected error occurred.")
                await _error(send, injected, doc, [])
            return

        scope = {**scope, USER_SCOPE_KEY: user_id}
        if faults.truncate():
            await self._truncated(scope, receive, send)
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                state.stats.status(message["status"])
            await send(message)

        await self.app(scope, receive, counting_send)

    async def _truncated(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the route, then cut a 200 body in half (Content-Length matches the cut)."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffering_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, buffering_send)
        assert start is not None
        body = b"".join(chunks)
        status = start["status"]
        self.state.stats.status(status)
        if status == 200 and body:
            body = body[: len(body) // 2]
            self.state.stats.truncated()
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
