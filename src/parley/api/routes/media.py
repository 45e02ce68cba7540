"""Signed media links: `GET /media/{signed}` (no API key; the signature is the credential)."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse

from parley.api.deps import RuntimeDep
from parley.api.params import reject_unknown
from parley.insights.search import seconds_param

__all__ = ["router"]

router = APIRouter(tags=["media"])


@router.get(
    "/media/{signed}",
    summary="Follow a signed media link",
    status_code=302,
    response_class=RedirectResponse,
)
async def follow_media_link(
    request: Request,
    runtime: RuntimeDep,
    signed: str = Path(..., max_length=2048, description="A meeting's signed media link."),
    t: float | None = Query(None, ge=0, description="Start playback at this second."),
) -> RedirectResponse:
    """302 to a freshly minted provider media URL; 403 `media_link_invalid` when the link
    was altered or has expired (a meeting read gives a fresh one)."""
    reject_unknown(request, ("t",))
    url = await runtime.media.location(signed)
    if t is not None:
        # A media fragment (`#t=75.4`): browsers and players seek there on load.
        url = f"{url.split('#', 1)[0]}#t={seconds_param(t)}"
    return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})
