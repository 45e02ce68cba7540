"""The dashboard (`/app/dashboard`) and the snippets feed (`/app/snippets`) pages.

Each route parses its query, calls one service method (`insights.dashboard.Dashboard.page`,
`insights.snippet_page.SnippetPages.page`: the same services and scope as
`/insights/analytics`, `/insights/deals` and `/insights/snippets`) and renders. The
dashboard's date range is whole UTC days: `from` is its first day from 00:00, `to` its last
day to 23:59:59.999999, as `start_time_after` and `start_time_before` on the API.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from parley.errors import InvalidRequestError
from parley.insights.dashboard import DashboardFilters
from parley.web.auth import PageCaller, PageRuntime, csrf_token, page_credential
from parley.web.formatting import install
from parley.web.templating import render_page, templates

__all__ = ["router"]

router = APIRouter()
install(templates.env)


def _day(value: str | None, param: str) -> date | None:
    if not value or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidRequestError(
            f"`{param}` must be a date such as 2024-05-31.", param=param
        ) from None


def dashboard_filters(team_id: str | None, start: str | None, end: str | None) -> DashboardFilters:
    """The page's query as the analytics filters (400 on a malformed or reversed range)."""
    first, last = _day(start, "from"), _day(end, "to")
    if first is not None and last is not None and last < first:
        raise InvalidRequestError("`to` is before `from`.", param="to")
    teams = tuple(dict.fromkeys(t.strip() for t in (team_id or "").split(",") if t.strip()))
    return DashboardFilters(
        team_ids=teams,
        start_time_after=None if first is None else datetime.combine(first, time.min, UTC),
        start_time_before=None if last is None else datetime.combine(last, time.max, UTC),
    )


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard_page(
    request: Request,
    runtime: PageRuntime,
    caller: PageCaller,
    integrated_account_id: str = Query(...),
    team_id: str | None = Query(None),
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
) -> HTMLResponse:
    """Team analytics and deals at risk of the meetings the caller may see."""
    filters = dashboard_filters(team_id, start, end)
    page = await runtime.dashboard.page(caller, integrated_account_id, filters)
    return render_page(
        request,
        "app/dashboard.html",
        {"page": page},
        caller=caller,
        account_id=page.account_id,
        active="dashboard",
        csrf=csrf_token(runtime, page_credential(request)),
    )


@router.get("/snippets", response_class=HTMLResponse)
async def snippets_page(
    request: Request,
    runtime: PageRuntime,
    caller: PageCaller,
    integrated_account_id: str | None = Query(None),
    rule_id: str | None = Query(None),
    next_cursor: str | None = Query(None),
) -> HTMLResponse:
    """The voice-of-customer feed: snippets of the caller's meetings, newest first."""
    page = await runtime.snippet_pages.page(
        caller, integrated_account_id or None, rule_id or None, cursor=next_cursor or None
    )
    next_href = None
    if page.next_cursor is not None:
        kept = {"integrated_account_id": page.account_id, "rule_id": page.rule_id}
        query = {k: v for k, v in kept.items() if v} | {"next_cursor": page.next_cursor}
        next_href = f"/app/snippets?{urlencode(query)}"
    return render_page(
        request,
        "app/snippets.html",
        {"page": page, "next_href": next_href},
        caller=caller,
        account_id=page.account_id,
        active="snippets",
        csrf=csrf_token(runtime, page_credential(request)),
    )
