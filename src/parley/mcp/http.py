"""`/mcp`: the tools over Streamable HTTP, behind Parley's bearer authentication.

The API app mounts `McpHttpEndpoint` and runs it in its lifespan (`running`), which builds
the server and runs the SDK's session manager for as long as the app serves. The transport
is stateless with JSON responses: every POST is a whole exchange, so any API process behind
a load balancer can answer it (no session lives in one process).

Each request is authenticated before the SDK sees it: `Authorization: Bearer <API key |
scoped token>` (and `Parley-As-User` with an API key). A missing or invalid credential is a
401 in the API's error envelope, so no tool runs; the caller is left on the request's state
for the tools (`auth.RequestCaller`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from parley.errors import ParleyError
from parley.insights.callers import AS_USER_HEADER, CallerAuth, bearer_credential
from parley.mcp.auth import CALLER_STATE, RequestCaller
from parley.mcp.server import build_server
from parley.runtime import Runtime

__all__ = ["MCP_PATH", "McpHttpEndpoint"]

MCP_PATH = "/mcp"
#: Parley authenticates every request with a bearer credential a browser never sends on its
#: own, which is what DNS-rebinding protection guards unauthenticated local servers with;
#: a Host allow-list would also refuse every deployment's own name.
_TRANSPORT = TransportSecuritySettings(enable_dns_rebinding_protection=False)


class McpHttpEndpoint:
    """The ASGI endpoint of `/mcp` (a 500 outside the app's lifespan)."""

    def __init__(self, refuse: Callable[[ParleyError], Response]) -> None:
        self._refuse = refuse
        self._serving: tuple[StreamableHTTPSessionManager, CallerAuth] | None = None

    @asynccontextmanager
    async def running(self, runtime: Runtime) -> AsyncIterator[None]:
        """Serve `/mcp` for the block: a fresh server and session manager each time."""
        server = build_server(runtime, RequestCaller())
        server.streamable_http_app(
            streamable_http_path=MCP_PATH,
            stateless_http=True,
            json_response=True,
            transport_security=_TRANSPORT,
        )
        manager = server.session_manager
        async with manager.run():
            self._serving = (manager, runtime.callers)
            try:
                yield
            finally:
                self._serving = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        serving = self._serving
        if serving is None:
            # Only an app served without its lifespan gets here.
            stopped = ParleyError("The MCP endpoint is not running.", code="mcp_not_running")
            await self._refuse(stopped)(scope, receive, send)
            return
        manager, access = serving
        headers = Headers(scope=scope)
        try:
            key = bearer_credential(headers.get("authorization"))
            caller = await access.authenticate(key, as_user=headers.get(AS_USER_HEADER))
        except ParleyError as exc:
            response = self._refuse(exc)
            if exc.status == 401:
                response.headers["WWW-Authenticate"] = 'Bearer realm="parley"'
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})[CALLER_STATE] = caller
        await manager.handle_request(scope, receive, send)
