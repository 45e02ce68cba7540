"""Errors on the pages (`/app/…`) render as a plain HTML page with their status; the API's
JSON envelope stays the API's. `api.errors` asks `is_page` first and hands pages here."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from parley.web.auth import COOKIE, TokenAccepted, clear_session, set_session
from parley.web.templating import render_page

__all__ = ["PAGE_PREFIX", "install_page_handlers", "is_page", "page_error"]

PAGE_PREFIX = "/app"
_TITLES = {
    400: "This page can't be opened like this",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    429: "Too many requests",
}
_NOT_FOUND = "There is nothing here, or it is not yours to see."


def is_page(request: Request) -> bool:
    """True for a request to the pages (their errors are HTML)."""
    path = request.url.path
    return path == PAGE_PREFIX or path.startswith(PAGE_PREFIX + "/")


def page_error(request: Request, status: int, message: str, code: str = "") -> HTMLResponse:
    """The plain error page: its status, a title and what to do."""
    if status == 404:
        # The same words for a meeting outside the scope and one that does not exist.
        message = _NOT_FOUND
    response = render_page(
        request,
        "app/error.html",
        {
            "status": status,
            "title": _TITLES.get(status, "Something went wrong"),
            "message": message,
            "code": code,
            "login": status == 401,
        },
        status_code=status,
    )
    response.headers["Cache-Control"] = "no-store"
    if status == 401 and COOKIE in request.cookies:
        # A stale or refused session: drop it, or every page would answer 401 again.
        clear_session(request, response, request.app.state.runtime)
    return response


def install_page_handlers(app: FastAPI) -> None:
    """The `?token=` hand-over: a 303 to the clean URL that sets the session cookie."""

    async def token_accepted(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TokenAccepted)
        response = RedirectResponse(exc.location, status_code=303)
        response.headers["Cache-Control"] = "no-store"
        set_session(request, response, exc.credential, request.app.state.runtime)
        return response

    app.add_exception_handler(TokenAccepted, token_accepted)
