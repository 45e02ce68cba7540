"""The link page: where an end customer pastes their provider API token."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from parley.errors import ParleyError
from parley.providers.registry import get_provider

__all__ = ["router", "static_files"]

_HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(_HERE / "templates"))
router = APIRouter(include_in_schema=False)
_UNUSABLE = {"link_token_invalid"}
REFUSED_ADDRESS = "This address can't be used."
GENERIC_FAILURE = (
    "The account could not be connected. Check the address and try again, "
    "or ask the application that sent you here for help."
)


def customer_message(error: ParleyError, integration_name: str) -> str:
    """What the end customer reads about a failed link: never a network detail.

    Only a token the provider refused and Parley's own checks of the form get a specific
    sentence; timeouts, refused connections and other hosts' statuses all read the same,
    so the page tells nobody what answers where (it is no port scanner).
    """
    if error.code == "egress_refused":
        return REFUSED_ADDRESS
    if error.code == "validation_error" and error.param == "api_token":
        return (
            f"{integration_name} did not accept this API token. Check that you pasted it "
            "whole and that your role allows API access."
        )
    if error.code == "invalid_request" and not error.remote:
        return error.message  # the form itself: an empty or malformed token or address
    return GENERIC_FAILURE


def static_files() -> StaticFiles:
    """The page assets, mounted at /static."""
    return StaticFiles(directory=str(_HERE / "static"))


def _runtime(request: Request) -> Any:
    return request.app.state.runtime


def _context(request: Request, token: str, link: Any, **extra: Any) -> dict[str, Any]:
    info = get_provider(link.integration).info
    return {
        "request": request,
        "static_url": "/static",
        "action": f"/link/{token}",
        "integration_name": info.name,
        "default_base_url": info.default_base_url,
        "expires_at": link.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
        **extra,
    }


def _unavailable(request: Request, error: ParleyError) -> HTMLResponse:
    # One page, one 404 for unknown, used and expired tokens alike: nothing to tell apart.
    return templates.TemplateResponse(
        request,
        "link_unavailable.html",
        {"static_url": "/static", "error": error.message},
        status_code=404,
    )


@router.get("/link/{token}", response_class=HTMLResponse)
async def link_page(request: Request, token: str) -> Response:
    """The form for pasting a provider API token."""
    try:
        link = await _runtime(request).link_tokens.peek(token)
    except ParleyError as exc:
        if exc.code in _UNUSABLE or exc.status == 404:
            return _unavailable(request, exc)
        raise
    return templates.TemplateResponse(request, "link.html", _context(request, token, link))


@router.post("/link/{token}", response_class=HTMLResponse)
async def link_submit(
    request: Request,
    token: str,
    api_token: str = Form(""),
    base_url: str = Form(""),
) -> Response:
    """Validate the pasted token live, store it encrypted, hand back to the redirect URI."""
    runtime = _runtime(request)
    try:
        link = await runtime.link_tokens.peek(token)
    except ParleyError as exc:
        if exc.code in _UNUSABLE or exc.status == 404:
            return _unavailable(request, exc)
        raise
    if not api_token.strip():
        ctx = _context(request, token, link, error="Paste an API token first.", base_url=base_url)
        return templates.TemplateResponse(request, "link.html", ctx, status_code=400)
    try:
        account = await runtime.link_tokens.complete(
            token, api_token.strip(), base_url.strip() or None
        )
    except ParleyError as exc:
        if exc.code in _UNUSABLE:
            return _unavailable(request, exc)
        message = customer_message(exc, get_provider(link.integration).info.name)
        ctx = _context(request, token, link, error=message, base_url=base_url)
        return templates.TemplateResponse(request, "link.html", ctx, status_code=400)
    if link.redirect_uri:
        return RedirectResponse(
            _with_query(link.redirect_uri, integrated_account_id=account.id), status_code=303
        )
    user = account.remote_user
    return templates.TemplateResponse(
        request,
        "linked.html",
        {
            "static_url": "/static",
            "integration_name": get_provider(account.integration).info.name,
            "account_id": account.id,
            "account_user": (user.name or user.email) if user else None,
        },
    )


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))
