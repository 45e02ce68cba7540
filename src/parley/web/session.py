"""The pages' session: `/app` (home), `/app/login` and `/app/logout`.

The developer signs in with their API key, sent in a form's body (never a URL) and kept in
the HttpOnly session cookie; their users arrive with `?token=` (`web.auth`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from parley.errors import AuthenticationError
from parley.insights.scoped_tokens import SCOPED_TOKEN_PREFIX
from parley.web.auth import PageCaller, PageRuntime, check_csrf, clear_session, set_session
from parley.web.templating import render_page

__all__ = ["router", "safe_next"]

router = APIRouter()
_HOME = "/app/dashboard"


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a page of this app only (no open redirect)."""
    if not value or not value.startswith("/app/") or value.startswith("//") or "\\" in value:
        return _HOME
    return value


@router.get("", response_class=HTMLResponse)
async def home(request: Request, caller: PageCaller) -> Response:
    """The pages' entry (where a `?token=` link may point): on to the dashboard."""
    account = request.query_params.get("integrated_account_id")
    if account is None and caller.grant is not None:
        account = caller.grant.account_id
    query = f"?{urlencode({'integrated_account_id': account})}" if account else ""
    return RedirectResponse(_HOME + query, status_code=303)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    return render_page(request, "app/login.html", {"next": safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    runtime: PageRuntime,
    api_key: str = Form(""),
    next: str = Form(""),
) -> Response:
    """Check the key (as the API does), keep it in the session cookie, go on to `next`."""
    key = api_key.strip()
    try:
        if not key or key.startswith(SCOPED_TOKEN_PREFIX):
            raise AuthenticationError("Paste a Parley API key (pk_…).", code="invalid_api_key")
        await runtime.callers.authenticate(key)
    except AuthenticationError:
        context = {"next": safe_next(next), "error": "That API key was not accepted."}
        return render_page(request, "app/login.html", context, status_code=401)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session(request, response, key, runtime)
    return response


@router.post("/logout")
async def logout(request: Request, runtime: PageRuntime, csrf: str = Form("")) -> Response:
    """Forget the session cookie."""
    check_csrf(request, runtime, csrf)
    response = RedirectResponse("/app/login", status_code=303)
    clear_session(request, response, runtime)
    return response
