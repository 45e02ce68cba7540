"""Who a tool call acts for: the key `parley mcp` started with, or the HTTP request's bearer.

Every tool asks its `CallerSource` first, so a call is authenticated (and a scoped token's
expiry or a revoked key honoured) at the moment it runs:
- over stdio, `KeyCaller` authenticates the key given at start (`--api-key` /
  `PARLEY_API_KEY`) on each call;
- over HTTP, `/mcp` authenticated the request's `Authorization: Bearer …` before the SDK
  saw it (401 otherwise, `parley.mcp.http`) and left the caller on the request's state;
  `RequestCaller` reads it there, through the SDK's request context.
"""

from __future__ import annotations

from typing import Any, Protocol

from mcp.server.mcpserver import Context

from parley.errors import AuthenticationError
from parley.insights.callers import Caller, CallerAuth

__all__ = ["CALLER_STATE", "CallerSource", "KeyCaller", "RequestCaller"]

#: Where `/mcp` leaves the authenticated caller: the ASGI scope's `state`.
CALLER_STATE = "parley_mcp_caller"


class CallerSource(Protocol):
    """The caller of one tool call."""

    async def __call__(self, ctx: Context[Any, Any]) -> Caller: ...


class KeyCaller:
    """Over stdio: the API key or scoped token the server was started with."""

    def __init__(self, access: CallerAuth, key: str, *, as_user: str | None = None) -> None:
        self._access = access
        self._key = key
        self._as_user = as_user

    async def __call__(self, ctx: Context[Any, Any]) -> Caller:
        """The key's caller now (401 once a token has expired or the key is revoked)."""
        return await self._access.authenticate(self._key, as_user=self._as_user)


class RequestCaller:
    """Over HTTP: the caller `/mcp` authenticated for this request."""

    async def __call__(self, ctx: Context[Any, Any]) -> Caller:
        """The caller `McpHttpEndpoint` authenticated before handing the request over."""
        request = ctx.request_context.request
        caller = None if request is None else getattr(request.state, CALLER_STATE, None)
        if not isinstance(caller, Caller):  # only a request that bypassed the endpoint
            raise AuthenticationError("No authenticated HTTP request.", code="missing_api_key")
        return caller
