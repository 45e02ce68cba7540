"""Recording media: the Chorus media operation and the signed download it points to."""

from __future__ import annotations

import time
from html import escape
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from parley.sandbox.meetings import Meeting
from parley.sandbox.params import ParamError, parse_bool
from parley.sandbox.payloads import iso
from parley.sandbox.responses import api_error, base_url
from parley.sandbox.state import SandboxState

__all__ = ["MEDIA_TYPES", "media_routes"]

MEDIA_TYPES = {"video": "video/mp4", "audio": "audio/mpeg"}
# A few bytes that start like the real formats (an MP4 `ftyp` box, an ID3 tag + MP3 frame).
_MEDIA_BYTES = {
    "video": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 40,
    "audio": b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 40,
}


def media_kind(meeting: Meeting) -> str:
    """Video when the call has video, else audio (as Chorus picks by default)."""
    return "audio" if meeting.audio_only else "video"


class MediaRoutes:
    """`GET /api/v1/conversations/{id}/media`, `/_media/{id}` and the `/meeting/{id}` page."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def conversation_media(self, request: Request) -> Response:
        """302 to a short-lived signed URL, or with `info=true` its JSON description."""
        meeting = self.state.store.get(request.path_params["id"])
        if meeting is None:
            return api_error(404, f"Conversation {request.path_params['id']} was not found.")
        try:
            info = parse_bool("info", request.query_params.get("info"))
        except ParamError as exc:
            return api_error(400, exc.detail, exc.parameter)
        if not meeting.has_media:
            return api_error(404, f"Conversation {meeting.id} has no media.")
        kind = media_kind(meeting)
        expires = int(time.time()) + self.state.signer.ttl_s
        query = urlencode(
            {
                "kind": kind,
                "expires": expires,
                "sig": self.state.signer.signature(meeting.id, kind, expires),
            }
        )
        url = f"{base_url(request)}/_media/{meeting.id}?{query}"
        if not info:
            return RedirectResponse(url, status_code=302)
        return JSONResponse(
            {
                "url": url,
                "media_type": MEDIA_TYPES[kind],
                "kind": kind,
                "expires_at": iso(expires),
                "duration": float(meeting.duration),
            }
        )

    async def download(self, request: Request) -> Response:
        """The signed file itself: a few bytes with the right content type; 403 if expired."""
        params = request.query_params
        kind = params.get("kind", "")
        signature = params.get("sig", "")
        try:
            expires = int(params.get("expires", ""))
        except ValueError:
            expires = 0
        meeting_id = request.path_params["id"]
        if (
            kind not in MEDIA_TYPES
            or expires < time.time()
            or not self.state.signer.valid(meeting_id, kind, expires, signature)
        ):
            return Response(
                "<Error><Code>AccessDenied</Code><Message>Request has expired or the "
                "signature does not match</Message></Error>",
                status_code=403,
                media_type="application/xml",
            )
        return Response(_MEDIA_BYTES[kind], media_type=MEDIA_TYPES[kind])

    async def meeting_page(self, request: Request) -> Response:
        """The web link (`url` of an engagement): a minimal page naming the call."""
        meeting = self.state.store.get(request.path_params["id"])
        if meeting is None:
            return HTMLResponse("<h1>Meeting not found</h1>", status_code=404)
        when = escape(iso(meeting.start))
        return HTMLResponse(
            f"<!doctype html><title>{escape(meeting.subject)}</title>"
            f"<h1>{escape(meeting.subject)}</h1><p>{when} with {escape(meeting.owner.name)}</p>"
        )


def media_routes(state: SandboxState) -> list[BaseRoute]:
    """Routes for media and the meeting page."""
    media = MediaRoutes(state)
    return [
        Route("/api/v1/conversations/{id}/media", media.conversation_media, methods=["GET"]),
        Route("/_media/{id}", media.download, methods=["GET"]),
        Route("/meeting/{id}", media.meeting_page, methods=["GET"]),
    ]
