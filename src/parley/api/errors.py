"""Every error leaves the API in one envelope, including the framework's own 404/405/422.

The pages (`/app/…`) are the exception: their errors are a plain HTML page (`web.errors`).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from parley.api.request_id import current_request_id
from parley.errors import ParleyError, RateLimitedError
from parley.web.errors import is_page, page_error

__all__ = ["envelope", "error_response", "install_error_handlers"]

log = logging.getLogger("parley.api")

_STATUS_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
}


def envelope(body: dict[str, Any]) -> dict[str, Any]:
    """Wrap an error body with the current request id."""
    return {"error": {**body, "request_id": current_request_id()}}


def error_response(exc: ParleyError) -> JSONResponse:
    """The JSON response for a Parley error (Retry-After on 429s)."""
    headers: dict[str, str] = {}
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(exc, RateLimitedError) or exc.status == 429:
        headers["Retry-After"] = str(max(1, round(retry_after or 1)))
    return JSONResponse(envelope(exc.to_dict()), status_code=exc.status, headers=headers)


def _plain(
    status: int, message: str, *, code: str | None = None, param: str | None = None
) -> JSONResponse:
    body: dict[str, Any] = {
        "status": status,
        "code": code or _STATUS_CODES.get(status, "error"),
        "message": message,
        "remote": False,
    }
    if param is not None:
        body["param"] = param
    return JSONResponse(envelope(body), status_code=status)


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    errors = exc.errors()
    if not errors:
        return "Invalid request.", None
    first = errors[0]
    loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body", "header")]
    param = ".".join(loc) or None
    what = first.get("msg", "is invalid")
    return (f"Parameter {param!r}: {what}." if param else f"Invalid request: {what}."), param


def install_error_handlers(app: FastAPI) -> None:
    """Register handlers so no error escapes the envelope."""

    async def parley_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ParleyError)
        if exc.status >= 500 and not exc.remote:
            log.error("internal error: %s", exc.code)
        if is_page(request):
            return page_error(request, exc.status, exc.message, exc.code)
        return error_response(exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 404 and message == "Not Found":
            message = "No such route."
        if exc.status_code == 405:
            message = "Method not allowed on this route."
        response: Response
        if is_page(request):
            response = page_error(request, exc.status_code, message)
        else:
            response = _plain(exc.status_code, message)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        message, param = _validation_message(exc)
        if is_page(request):
            return page_error(request, 400, message, "invalid_request")
        return _plain(400, message, param=param)

    app.add_exception_handler(ParleyError, parley_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
