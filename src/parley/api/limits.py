"""Parley's own API under abuse: a request budget per API key, and a cap on body size.

Both are pure ASGI middlewares, so they answer before routing, authentication or any body
parsing, in the one error envelope:

* `ApiRateLimitMiddleware`: each bearer credential presented (valid or not) has its own
  token bucket, known by the credential's SHA-256 only. A wrong key therefore spends only
  its own budget, never a real key's. Requests without a credential carry no budget (they
  end in 401 before any lookup, or are the link page); `/health` and `/static` are exempt.
  Past the budget: 429 `rate_limited` with `Retry-After` and `retry_after` (seconds).
  A page (`/app/…`) signed in by its session cookie spends the budget of the credential the
  cookie holds, as the same credential would over Bearer; its 429 is the HTML error page.
* `BodyLimitMiddleware`: a `Content-Length` over `max_body_bytes` is refused before a byte
  is read; a body without one (chunked) is counted as it streams and refused once it passes
  the limit, whatever the route was doing with it. 413 `payload_too_large`. (Starlette's
  own `RequestBodyLimitMiddleware` answers in plain text, and only once a route reads.)
"""

from __future__ import annotations

import math
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parley.api.errors import error_response
from parley.errors import PayloadTooLargeError, RateLimitedError
from parley.security import hash_secret
from parley.web.auth import COOKIE
from parley.web.errors import PAGE_PREFIX, page_error

__all__ = ["ApiRateLimitMiddleware", "BodyLimitMiddleware"]

_EXEMPT = ("/health", "/static/")


def _bearer(scope: Scope) -> str | None:
    """The bearer credential of the request, if it presents one."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            header: str = value.decode("latin-1")
            scheme, _, credential = header.partition(" ")
            credential = credential.strip()
            if scheme.lower() == "bearer" and credential:
                return credential
            return None
    return None


class ApiRateLimitMiddleware:
    """Answers 429 once the presented API key has spent its budget (`Runtime.api_rate_limiter`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_EXEMPT):
            await self.app(scope, receive, send)
            return
        runtime: Any = scope["app"].state.runtime
        limiter = runtime.api_rate_limiter
        page = scope["path"] == PAGE_PREFIX or scope["path"].startswith(PAGE_PREFIX + "/")
        credential = _credential(scope, page=page) if limiter is not None else None
        if credential is None:
            await self.app(scope, receive, send)
            return
        wait = await limiter.admit(hash_secret(credential))
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        retry_after = max(1, math.ceil(wait))
        settings = runtime.settings
        error = RateLimitedError(
            f"Too many requests for this API key: at most {settings.api_rate_limit:g} per "
            f"second (bursts of {settings.api_rate_burst}). Retry in {retry_after} s.",
            retry_after=retry_after,
        )
        if page:
            response = page_error(Request(scope), 429, error.message, error.code)
            response.headers["Retry-After"] = str(retry_after)
            await response(scope, receive, send)
            return
        await error_response(error)(scope, receive, send)


def _credential(scope: Scope, *, page: bool) -> str | None:
    """The Bearer credential, or on a page the credential its session cookie holds."""
    bearer = _bearer(scope)
    if bearer is not None or not page:
        return bearer
    return Request(scope).cookies.get(COOKIE) or None


class _BodyTooLargeError(Exception):
    """Raised into the app when a streamed body passes the limit."""


class BodyLimitMiddleware:
    """Answers 413 for bodies over `Settings.max_body_bytes`, before they are read whole."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit: int = scope["app"].state.runtime.settings.max_body_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(limit, scope, receive, send)
            return
        received = 0
        refused = started = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    raise _BodyTooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused and not started:
                return  # the route's own answer to a cut body: ours replaces it
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            # Whatever the route made of the cut body (our signal, or a parse error built
            # on it) becomes the 413 below; any other failure is not ours to hide.
            if not refused or started:
                raise
        if refused and not started:
            await _refuse(limit, scope, receive, send)


async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    error = PayloadTooLargeError(
        f"The request body is larger than {limit} bytes (PARLEY_MAX_BODY_BYTES)."
    )
    response = error_response(error)
    # The rest of the body is never read: this connection cannot carry another request.
    response.headers["Connection"] = "close"
    await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length before we run
    return None
