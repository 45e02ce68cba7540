"""Who opens a page: a scoped token handed over once in the URL, then a cookie; or the
developer's own API key (a Bearer header, or `/app/login`, never the URL).

* `?token=pst_…` on any `/app/…` URL: the token is verified (a bad one is the 401 page), kept
  in the session cookie, and the browser is sent (303) to the same URL without it, so the
  token leaves the address bar, the history and any `Referer`.
* The session cookie `parley_session` (HttpOnly, Path=/app, SameSite=`PARLEY_PAGE_COOKIE_SAMESITE`,
  Secure except on http://localhost and http://127.0.0.1; always Secure with SameSite=None)
  holds the scoped token or, after `/app/login`, the developer's API key.
* `Authorization: Bearer <API key | scoped token>` works too (a script, a test).

Every credential goes through `insights.callers.CallerAuth`, as the API's do. The pages' own
forms carry a CSRF token bound to the session's credential (`csrf_token`, `check_csrf`).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request, Response

from parley.errors import AuthenticationError, PermissionDeniedError
from parley.insights.callers import Caller
from parley.insights.scoped_tokens import SCOPED_TOKEN_PREFIX
from parley.runtime import Runtime
from parley.security.signing import Signer
from parley.security.vault import Vault

__all__ = [
    "COOKIE",
    "CSRF_FIELD",
    "PageCaller",
    "PageRuntime",
    "TokenAccepted",
    "caller_label",
    "check_csrf",
    "clear_session",
    "csrf_token",
    "page_caller",
    "page_credential",
    "set_session",
]

COOKIE = "parley_session"
COOKIE_PATH = "/app"
CSRF_FIELD = "csrf"
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


async def get_page_runtime(request: Request) -> Runtime:
    """The process-wide runtime (as `api.deps.get_runtime`; web sits below api)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


PageRuntime = Annotated[Runtime, Depends(get_page_runtime)]


class TokenAccepted(Exception):  # noqa: N818 (a control-flow signal, not an error)
    """A valid `?token=`: answer a 303 to `location` that sets the session cookie."""

    def __init__(self, location: str, credential: str) -> None:
        super().__init__("token accepted")
        self.location = location
        self.credential = credential


def _login_required() -> AuthenticationError:
    return AuthenticationError(
        "This page needs a sign-in: open it from the application that sent you here "
        "(its link carries a fresh token), or sign in with your API key at /app/login.",
        code="page_login_required",
    )


def page_credential(request: Request) -> str | None:
    """The credential a page request carries: a Bearer header, else the session cookie."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and key.strip():
        return key.strip()
    return request.cookies.get(COOKIE) or None


def _without_token(request: Request) -> str:
    """The same URL, relative, with every query parameter but `token`."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
    return request.url.path + (f"?{urlencode(kept)}" if kept else "")


async def page_caller(request: Request, runtime: PageRuntime) -> Caller:
    """The caller of a page: `?token=` (then a redirect), a Bearer header or the cookie."""
    token = request.query_params.get("token")
    if token is not None:
        token = token.strip()
        # Only a scoped token may travel in a URL: an API key there would be in every log.
        if not token.startswith(SCOPED_TOKEN_PREFIX):
            raise AuthenticationError(
                "Only a scoped token (pst_…) may be passed as ?token=.",
                code="invalid_scoped_token",
            )
        await runtime.callers.authenticate(token)
        raise TokenAccepted(_without_token(request), token)
    credential = page_credential(request)
    if credential is None:
        raise _login_required()
    return await runtime.callers.authenticate(credential)


PageCaller = Annotated[Caller, Depends(page_caller)]


def _secure(request: Request, samesite: str) -> bool:
    # A browser drops a Secure cookie set over plain http, except on localhost; SameSite=None
    # needs Secure (browsers refuse it otherwise), and localhost counts as a secure context.
    if samesite == "none":
        return True
    return not (request.url.scheme == "http" and request.url.hostname in _LOCAL_HOSTS)


def set_session(request: Request, response: Response, credential: str, runtime: Runtime) -> None:
    """Keep `credential` in the session cookie of `response`."""
    samesite = runtime.settings.page_cookie_samesite
    response.set_cookie(
        COOKIE,
        credential,
        path=COOKIE_PATH,
        httponly=True,
        secure=_secure(request, samesite),
        samesite=samesite,
    )


def clear_session(request: Request, response: Response, runtime: Runtime) -> None:
    """Drop the session cookie (a stale or refused credential, or a sign-out)."""
    samesite = runtime.settings.page_cookie_samesite
    response.delete_cookie(
        COOKIE,
        path=COOKIE_PATH,
        httponly=True,
        secure=_secure(request, samesite),
        samesite=samesite,
    )


@lru_cache(maxsize=8)
def _csrf_signer(vault: Vault) -> Signer:
    return vault.signer(b"page-csrf")


def csrf_token(runtime: Runtime, credential: str | None) -> str:
    """The CSRF token of a session's forms: a MAC of its credential (no server state)."""
    if not credential:
        return ""
    digest = hashlib.sha256(credential.encode()).hexdigest()[:32]
    return _csrf_signer(runtime.vault).sign({"c": digest})


def check_csrf(request: Request, runtime: Runtime, submitted: str) -> None:
    """403 unless `submitted` is the CSRF token of the request's own credential."""
    expected = csrf_token(runtime, page_credential(request))
    if not expected or not hmac.compare_digest(expected.encode(), submitted.encode()):
        raise PermissionDeniedError(
            "This form has expired or came from another site: reload the page and try again.",
            code="csrf_failed",
        )


def caller_label(caller: Caller) -> str:
    """How the page names who is signed in."""
    return caller.app_user_id or "developer (API key)"
