"""Request ids: one per request, on every response and in every log line."""

from __future__ import annotations

import json
import logging
import secrets
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RequestIdMiddleware", "current_request_id"]

log = logging.getLogger("parley.api")

_request_id: ContextVar[str] = ContextVar("parley_request_id", default="")


def current_request_id() -> str:
    """The id of the request being served ("" outside a request)."""
    return _request_id.get()


class RequestIdMiddleware:
    """Pure ASGI middleware: sets the id before anything runs and adds `X-Request-Id`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = "req_" + secrets.token_hex(12)
        token = _request_id.set(rid)

        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # Unexpected errors still leave in the envelope; only the type is logged, since
            # messages of unexpected errors may carry data we must never log.
            log.error("unhandled %s in request %s", type(exc).__name__, rid)
            if started:
                raise
            await _send_internal_error(send_with_id, rid)
        finally:
            _request_id.reset(token)


async def _send_internal_error(send: Send, rid: str) -> None:
    body = json.dumps(
        {
            "error": {
                "status": 500,
                "code": "internal_error",
                "message": "Internal error; the request id identifies it in the logs.",
                "remote": False,
                "request_id": rid,
            }
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
