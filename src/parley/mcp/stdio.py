"""`parley mcp`: the tools over stdio, for an agent that starts Parley as its subprocess."""

from __future__ import annotations

from parley.config import Settings
from parley.mcp.auth import KeyCaller
from parley.mcp.server import build_server
from parley.runtime import Runtime

__all__ = ["serve_stdio"]


async def serve_stdio(settings: Settings, key: str, *, as_user: str | None = None) -> None:
    """Serve the tools on stdin/stdout as `key`'s caller until the client closes stdin.

    The key (an API key or a scoped token) is verified before anything is served: a bad
    one raises the 401 `AuthenticationError` and the process ends without a session.
    """
    runtime = await Runtime.start(settings)
    try:
        await runtime.callers.authenticate(key, as_user=as_user)
        server = build_server(runtime, KeyCaller(runtime.callers, key, as_user=as_user))
        await server.run_stdio_async()
    finally:
        await runtime.close()
