"""Response helpers shared by the Chorus, media and admin routes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from parley.sandbox.payloads import error_doc

__all__ = ["JsonApiResponse", "api_error", "base_url"]

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
}


class JsonApiResponse(JSONResponse):
    """JSON:API documents (`/api/v1/*` answers and every error body)."""

    media_type = "application/vnd.api+json"


def api_error(status: int, detail: str, parameter: str | None = None) -> JsonApiResponse:
    """A JSON:API error response."""
    title = _TITLES.get(status, "Error")
    return JsonApiResponse(error_doc(status, title, detail, parameter=parameter), status)


def base_url(request: Request) -> str:
    """The sandbox's own base URL as the client addressed it."""
    return str(request.base_url).rstrip("/")
