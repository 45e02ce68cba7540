"""The app pages' templates and the context every one of them gets (nav, assets, CSRF)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from parley.insights.callers import Caller
from parley.web.auth import caller_label

__all__ = ["STATIC_URL", "clock", "nav_links", "render_page", "templates"]

_HERE = Path(__file__).parent
STATIC_URL = "/static"
templates = Jinja2Templates(directory=str(_HERE / "templates"))


def clock(seconds: float | None) -> str:
    """`m:ss`, or `h:mm:ss` past an hour."""
    total = max(0, int(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


templates.env.globals["clock"] = clock
_NAV = (
    ("dashboard", "Dashboard", "/app/dashboard"),
    ("snippets", "Snippets", "/app/snippets"),
    ("library", "Library", "/app/library"),
)


def nav_links(account_id: str | None) -> list[dict[str, str]]:
    """The nav bar's links, each for the page's account when it has one."""
    query = f"?{urlencode({'integrated_account_id': account_id})}" if account_id else ""
    return [{"key": key, "label": label, "href": href + query} for key, label, href in _NAV]


def render_page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    caller: Caller | None = None,
    account_id: str | None = None,
    active: str | None = None,
    csrf: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    """An app page (`app/*.html`, extending `app/base.html`) with the shared context."""
    who = None if caller is None else caller_label(caller)
    base = {
        "static_url": STATIC_URL,
        "nav": nav_links(account_id),
        "active": active,
        "who": who,
        "csrf": csrf,
        "account_id": account_id,
    }
    return templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )
