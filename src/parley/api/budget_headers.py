"""`RateLimit-*` headers on every unified/proxy response, errors included."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BudgetHeadersMiddleware", "note_account"]

# A mutable holder set per request by the middleware; routes fill it, so the value is seen
# even where the framework copies the context for a dependency.
_holder: ContextVar[dict[str, str] | None] = ContextVar("parley_budget_account", default=None)


def note_account(account_id: str) -> None:
    """Mark the integrated account whose provider budget this response describes."""
    holder = _holder.get()
    if holder is not None:
        holder["account"] = account_id


class BudgetHeadersMiddleware:
    """Adds the account's budget headers once a route named its account."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        holder: dict[str, str] = {}
        token = _holder.set(holder)

        async def send_with_budget(message: Message) -> None:
            if message["type"] == "http.response.start" and "account" in holder:
                headers = list(message.get("headers", []))
                headers.extend(_budget(scope, holder["account"]))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_budget)
        finally:
            _holder.reset(token)


def _budget(scope: Scope, account_id: str) -> list[tuple[bytes, bytes]]:
    runtime: Any = scope["app"].state.runtime
    state = runtime.http.limiter.state(account_id)
    return [
        (b"ratelimit-limit", str(state.limit).encode()),
        (b"ratelimit-remaining", str(state.remaining).encode()),
        (b"ratelimit-reset", str(max(0, round(state.reset))).encode()),
    ]
