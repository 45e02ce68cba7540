"""The app pages (`/app/…`): one router gathering each page's own (add yours here).

A page module has `router = APIRouter()` with paths relative to `/app`, and a route that
parses, calls one service (or a web-level presenter over services) and renders:

    @router.get("/dashboard", response_class=HTMLResponse)
    async def dashboard(request: Request, runtime: PageRuntime, caller: PageCaller, …):
        reading = await runtime.callers.read_scope(caller, integrated_account_id)
        …  # one service call with reading.visible / reading.scope
        return render_page(request, "app/dashboard.html", {...}, caller=caller,
                           account_id=reading.account_id, active="dashboard",
                           csrf=csrf_token(runtime, page_credential(request)))

`PageCaller` (web.auth) signs the request in (`?token=` -> cookie -> Bearer); any
ParleyError raised renders as the plain error page (`web.errors`) with its status; a
template extends `app/base.html` (nav, `app.css`, `app.js`); scripts live in web/static
(no inline script: the CSP allows `script-src 'self'` only); a form that writes carries
`<input type="hidden" name="csrf" value="{{ csrf }}">` and its route calls `check_csrf`.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from parley.config import Settings
from parley.web import insight_pages, library, playback, session
from parley.web.errors import PAGE_PREFIX, install_page_handlers
from parley.web.headers import PageHeadersMiddleware, frame_ancestors

__all__ = ["install_pages", "router"]

router = APIRouter()
# Each page module's router has paths relative to /app (`""` is /app itself).
for _page in (session, playback, insight_pages, library):
    router.include_router(_page.router, prefix=PAGE_PREFIX, include_in_schema=False)


def install_pages(app: FastAPI, settings: Settings) -> None:
    """Mount the pages on the app: their routes, headers and `?token=` hand-over."""
    frame_ancestors(settings.embed_origins)  # a bad PARLEY_EMBED_ORIGINS fails here, at start
    app.include_router(router)
    install_page_handlers(app)
    app.add_middleware(PageHeadersMiddleware, embed_origins=settings.embed_origins)
