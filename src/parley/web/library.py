"""`/app/library`: the coaching library, each playlist's items playable (faces.md §2, §3)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from parley.web.auth import PageCaller, PageRuntime, csrf_token, page_credential
from parley.web.library_model import library_page
from parley.web.templating import render_page

__all__ = ["router"]

router = APIRouter()


@router.get("/library", response_class=HTMLResponse)
async def library(
    request: Request,
    runtime: PageRuntime,
    caller: PageCaller,
    integrated_account_id: str | None = Query(None, max_length=200),
) -> Response:
    """The account's playlists, newest first, with the items the caller may see."""
    page = await library_page(runtime, caller, integrated_account_id)
    return render_page(
        request,
        "app/library.html",
        {"page": page},
        caller=caller,
        account_id=page.account_id,
        active="library",
        csrf=csrf_token(runtime, page_credential(request)),
    )
