"""`/app/meetings/{id}`: the playback page (player, transcript, search, markers, comments)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from parley.web.auth import PageCaller, PageRuntime, check_csrf, csrf_token, page_credential
from parley.web.playback_model import add_playback_comment, playback_page
from parley.web.templating import render_page

__all__ = ["router"]

router = APIRouter()
_MEETING_ID = Path(..., min_length=1, max_length=200)


@router.get("/meetings/{meeting_id}", response_class=HTMLResponse)
async def playback(
    request: Request,
    runtime: PageRuntime,
    caller: PageCaller,
    meeting_id: str = _MEETING_ID,
    integrated_account_id: str | None = Query(None, max_length=200),
    t: float | None = Query(None, ge=0, le=86_400 * 2),
) -> Response:
    """The meeting's player and transcript, starting at `t` seconds (or `#t=`)."""
    page = await playback_page(runtime, caller, integrated_account_id, meeting_id, start_at=t)
    return render_page(
        request,
        "app/playback.html",
        {"page": page},
        caller=caller,
        account_id=page.account_id,
        csrf=csrf_token(runtime, page_credential(request)),
    )


@router.post("/meetings/{meeting_id}/comments")
async def add_comment(
    request: Request,
    runtime: PageRuntime,
    caller: PageCaller,
    meeting_id: str = _MEETING_ID,
    integrated_account_id: str | None = Query(None, max_length=200),
    csrf: str = Form(""),
    start_time: float = Form(..., ge=0),
    text: str = Form(""),
) -> Response:
    """Add a coaching comment at `start_time`, then show the page there (303)."""
    check_csrf(request, runtime, csrf)
    comment = await add_playback_comment(
        runtime, caller, integrated_account_id, meeting_id, start_time, text
    )
    query = urlencode(
        {"integrated_account_id": comment.integrated_account_id, "t": f"{comment.start_time:g}"}
    )
    return RedirectResponse(
        f"/app/meetings/{quote(comment.meeting_id, safe='')}?{query}#comments", status_code=303
    )
