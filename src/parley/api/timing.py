"""`Server-Timing` on unified and proxy responses: Parley's own time beside the provider's.

`provider;dur=…` is the wall time during which at least one provider HTTP send of this
request was in flight (every attempt, retries included: `parley.http.timing`); `parley;dur=…`
is the rest of the time until the response starts, Parley's own: routing, authentication,
the database, mapping, rendering, and its pacing and retry waits. Milliseconds, 2 decimals.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parley.http.timing import timing

__all__ = ["ServerTimingMiddleware", "server_timing"]

_TIMED = ("/unified/", "/proxy/")


def server_timing(total: float, provider: float) -> str:
    """The header value for a request that took `total` seconds, `provider` of them outside."""
    parley = max(0.0, total - provider)
    return f"provider;dur={provider * 1000:.2f}, parley;dur={parley * 1000:.2f}"


class ServerTimingMiddleware:
    """Adds `Server-Timing` to responses under /unified/ and /proxy/ (errors included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(_TIMED):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        with timing() as timer:

            async def send_timed(message: Message) -> None:
                if message["type"] == "http.response.start":
                    value = server_timing(time.perf_counter() - started, timer.seconds)
                    message["headers"] = [
                        *message.get("headers", []),
                        (b"server-timing", value.encode()),
                    ]
                await send(message)

            await self.app(scope, receive, send_timed)
