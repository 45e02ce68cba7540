"""Recording media: the Chorus media operation and the signed download it points to.

The download is a real, playable recording (`sandbox.audio`): a PCM WAV as long as the call,
each speaker turn in its own tone, with byte ranges (206/416) and HEAD, so a player can seek.
A video recording is the same WAV: Chromium plays it in `<video>` as in `<audio>`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from html import escape
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import BaseRoute, Route

from parley.sandbox.audio import RangeError, Turn, WavTrack, parse_range
from parley.sandbox.meetings import Meeting
from parley.sandbox.params import ParamError, parse_bool
from parley.sandbox.payloads import iso
from parley.sandbox.responses import api_error, base_url
from parley.sandbox.state import SandboxState

__all__ = ["MEDIA_TYPES", "media_routes"]

# Both kinds are the same WAV (its audio track is all a player needs of the call).
MEDIA_TYPES = {"video": "audio/wav", "audio": "audio/wav"}
_DENIED = (
    "<Error><Code>AccessDenied</Code><Message>Request has expired or the "
    "signature does not match</Message></Error>"
)


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
        """The signed file itself: the call's WAV, whole or a byte range; 403 if expired."""
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
            return Response(_DENIED, status_code=403, media_type="application/xml")
        meeting = self.state.store.get(meeting_id)
        if meeting is None or not meeting.has_media:
            return Response(status_code=404)
        return self._serve(request, self.track(meeting), MEDIA_TYPES[kind])

    def track(self, meeting: Meeting) -> WavTrack:
        """The recording of `meeting`: each speaker's turns in that speaker's tone.

        Speakers are numbered in the order they first speak, which the transcript shows.
        """
        slots: dict[int, int] = {}
        turns = []
        for utterance in self.state.store.transcript(meeting).utterances:
            slot = slots.setdefault(utterance.speaker.cluster_id, len(slots))
            turns.append(Turn(utterance.start, utterance.start + utterance.length, slot))
        return WavTrack(meeting.duration, turns)

    @staticmethod
    def _serve(request: Request, track: WavTrack, media_type: str) -> Response:
        headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=300"}
        header = request.headers.get("range")
        start, end, status = 0, track.size - 1, 200
        if header is not None:
            try:
                wanted = parse_range(header, track.size)
            except RangeError:
                return Response(
                    "<Error><Code>InvalidRange</Code><Message>The requested range is not "
                    "satisfiable</Message></Error>",
                    status_code=416,
                    media_type="application/xml",
                    headers={**headers, "Content-Range": f"bytes */{track.size}"},
                )
            start, end, status = wanted.start, wanted.end, 206
            headers["Content-Range"] = wanted.content_range
        headers["Content-Length"] = str(end - start + 1)
        if request.method == "HEAD":
            return Response(status_code=status, media_type=media_type, headers=headers)
        return StreamingResponse(
            _stream(track, start, end), status_code=status, media_type=media_type, headers=headers
        )

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


async def _stream(track: WavTrack, start: int, end: int) -> AsyncIterator[bytes]:
    # Each piece is a few slices of repeated cycles: cheap enough to build on the loop.
    for piece in track.chunks(start, end):
        yield piece


def media_routes(state: SandboxState) -> list[BaseRoute]:
    """Routes for media and the meeting page."""
    media = MediaRoutes(state)
    return [
        Route("/api/v1/conversations/{id}/media", media.conversation_media, methods=["GET"]),
        Route("/_media/{id}", media.download, methods=["GET", "HEAD"]),
        Route("/meeting/{id}", media.meeting_page, methods=["GET"]),
    ]
