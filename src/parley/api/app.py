"""The FastAPI application: routes, the error envelope, request ids, limits and timing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.routing import Route

from parley import __version__
from parley.api.budget_headers import BudgetHeadersMiddleware
from parley.api.errors import error_response, install_error_handlers
from parley.api.limits import ApiRateLimitMiddleware, BodyLimitMiddleware
from parley.api.request_id import RequestIdMiddleware
from parley.api.routes import (
    accounts,
    coaching,
    crm,
    health,
    insights_deals,
    insights_rules,
    media,
    proxy,
    scoped_tokens,
    search,
    sync,
    unified,
    user_mappings,
    webhooks,
)
from parley.api.routes import insights_analytics as analytics
from parley.api.timing import ServerTimingMiddleware
from parley.config import Settings
from parley.mcp.http import MCP_PATH, McpHttpEndpoint
from parley.runtime import Runtime
from parley.web import routes as web
from parley.web.pages import install_pages

__all__ = ["create_app"]

DESCRIPTION = """Unified Conversational Intelligence API (Chorus first).

Authenticate with `Authorization: Bearer <api key>`. Every error has one envelope:
`{"error": {"status", "code", "message", "request_id", "remote", …}}`.
Lists answer `{"result": [...], "next_cursor": "…"|null, "result_count": n}`.
AI agents connect to the MCP tools at `/mcp` (Streamable HTTP, same bearer credentials).
"""


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    """Build the app; the runtime (database, vault, services) starts with the app's lifespan."""
    settings = settings or Settings()
    # The MCP tools' Streamable HTTP endpoint; its session manager runs in the lifespan.
    mcp = McpHttpEndpoint(refuse=error_response)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if runtime is not None:
            app.state.runtime = runtime
            async with runtime.background(), mcp.running(runtime):
                yield
            return
        started = await Runtime.start(settings)
        app.state.runtime = started
        try:
            async with started.background(), mcp.running(started):
                yield
        finally:
            await started.close()

    app = FastAPI(
        title="Parley",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    if runtime is not None:
        app.state.runtime = runtime
    install_error_handlers(app)
    # The last added runs first: request id, timing, the key's budget, the body cap, budgets.
    app.add_middleware(BudgetHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(ApiRateLimitMiddleware)
    app.add_middleware(ServerTimingMiddleware)
    app.add_middleware(RequestIdMiddleware)
    app.include_router(health.router)
    app.include_router(accounts.router)
    app.include_router(unified.router)
    app.include_router(media.router)
    app.include_router(proxy.router)
    app.include_router(sync.router)
    app.include_router(search.router)
    app.include_router(crm.router)
    app.include_router(webhooks.router)
    app.include_router(analytics.router)
    app.include_router(user_mappings.router)
    app.include_router(scoped_tokens.router)
    app.include_router(insights_rules.router)
    app.include_router(insights_deals.router)
    app.include_router(coaching.router)
    app.include_router(web.router)
    # An ASGI endpoint (not a request handler): the SDK's transport answers the request.
    app.router.routes.append(Route(MCP_PATH, mcp, include_in_schema=False))
    # The pages (`/app/…`): HTML errors, the `?token=` hand-over, their CSP.
    install_pages(app, settings)
    app.mount("/static", web.static_files(), name="static")
    return app
