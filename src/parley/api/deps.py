"""Route dependencies: the runtime, the caller (API key or scoped token), the account, the scope.

Two credentials authenticate a request (`Authorization: Bearer …`):
- a developer's API key (`pk_…`), optionally acting as one of their app users through the
  `Parley-As-User: <app_user_id>` header;
- a scoped token (`pst_…`, `POST /scoped-tokens`), which always acts as its app user of its
  account and reads only: any other method answers 403 `forbidden`. The one exception is
  `CoachingCaller`, the caller of the coaching library's routes only: there a scoped token
  writes too (its app user is the author of the comment, the owner of the playlist).

`CurrentTenant` and `CurrentAccount` are the developer's own routes: a scoped token answers
403 there, and `Parley-As-User` is a 400 `scope_not_supported` (a route that cannot apply a
scope must not pretend to). `ScopedAccount` with `CurrentScope` are for stored reads that
apply a scope (`storage.scope`): the scope is resolved afresh on every request.
`read_scope` is the same for a route whose `integrated_account_id` is a plain (or optional)
parameter of its own (search, the insight reads). The logic of all of it is
`insights.callers.CallerAuth` (`runtime.callers`), which the pages (`web.auth`) share.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from parley.api.budget_headers import note_account
from parley.errors import InvalidRequestError, PermissionDeniedError
from parley.insights.callers import (
    AS_USER_HEADER,
    Caller,
    CallerAuth,
    ReadScope,
    bearer_credential,
)
from parley.reads.live import LiveAccount
from parley.runtime import Runtime
from parley.storage.scope import MeetingScope

__all__ = [
    "AS_USER_HEADER",
    "Caller",
    "CoachingCaller",
    "CurrentAccount",
    "CurrentCaller",
    "CurrentScope",
    "CurrentTenant",
    "ReadScope",
    "RuntimeDep",
    "ScopedAccount",
    "read_scope",
    "resolve_scope",
]

_READ_METHODS = frozenset({"GET", "HEAD"})


async def get_runtime(request: Request) -> Runtime:
    """The process-wide runtime built at start-up.

    `async` on purpose: FastAPI runs a plain `def` dependency in its thread pool, a thread
    hop on every request (about a tenth of a proxied request's own time, measured).
    """
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_caller(request: Request, runtime: RuntimeDep) -> Caller:
    """The caller of `Authorization: Bearer <api key | scoped token>` (401 otherwise)."""
    return await _authenticate(request, runtime, scoped_writes=False)


async def get_coaching_caller(request: Request, runtime: RuntimeDep) -> Caller:
    """`get_caller` for the coaching library's routes, where a scoped token also writes.

    The one place a scoped token's POST, PATCH or DELETE is let in: a comment or playlist is
    its app user's own content, on meetings that user may see (the route applies the scope).
    Every other route depends on `get_caller`, which refuses those writes.
    """
    return await _authenticate(request, runtime, scoped_writes=True)


async def _authenticate(request: Request, runtime: Runtime, *, scoped_writes: bool) -> Caller:
    key = bearer_credential(request.headers.get("authorization"))
    return await runtime.callers.authenticate(
        key,
        as_user=request.headers.get(AS_USER_HEADER),
        # A scoped token's write is refused unless the route is the coaching library's.
        api_write=not scoped_writes and request.method not in _READ_METHODS,
    )


CurrentCaller = Annotated[Caller, Depends(get_caller)]
#: The caller of a coaching library route: a scoped token may write there (and only there).
CoachingCaller = Annotated[Caller, Depends(get_coaching_caller)]


async def get_tenant(caller: CurrentCaller) -> Any:
    """The tenant of an API key, on a route that does not act as an app user."""
    if caller.grant is not None:
        raise PermissionDeniedError(
            "A scoped token reads meetings, transcripts, recordings, search, snippets, "
            "deals, analytics and CRM activities only: this route needs the developer's "
            "API key."
        )
    if caller.as_user is not None:
        raise InvalidRequestError(
            f"This route does not act as an app user: drop the {AS_USER_HEADER} header.",
            code="scope_not_supported",
            param=AS_USER_HEADER,
        )
    return caller.tenant


CurrentTenant = Annotated[Any, Depends(get_tenant)]


async def resolve_scope(runtime: Runtime, caller: Caller, account_id: str) -> MeetingScope | None:
    """The caller's scope over the account's stored meetings (None: not acting as a user)."""
    return await runtime.callers.resolve_scope(caller, account_id)


async def read_scope(runtime: Runtime, caller: Caller, account_id: str | None) -> ReadScope:
    """The account a stored read covers and the caller's scope over it
    (`insights.callers.CallerAuth.read_scope`)."""
    return await runtime.callers.read_scope(caller, account_id)


def _account_query() -> Any:
    return Query(..., description="The integrated account (linked Chorus account) to read from.")


async def get_account(
    tenant: CurrentTenant, runtime: RuntimeDep, integrated_account_id: str = _account_query()
) -> AsyncIterator[LiveAccount]:
    """The caller's integrated account (404 otherwise) with its provider; 401s mark it
    `needs_reauth`. The one declaration of `integrated_account_id` on the routes using it."""
    async with runtime.live.account(tenant.id, integrated_account_id) as account:
        note_account(account.id)
        yield account


CurrentAccount = Annotated[LiveAccount, Depends(get_account)]


async def get_scoped_account(
    caller: CurrentCaller, runtime: RuntimeDep, integrated_account_id: str = _account_query()
) -> AsyncIterator[LiveAccount]:
    """`get_account` for routes that apply a scope: a scoped token is let in (its account
    only: another id is a 404), and so is `Parley-As-User`."""
    CallerAuth.check_token_account(caller, integrated_account_id)
    async with runtime.live.account(caller.tenant.id, integrated_account_id) as account:
        note_account(account.id)
        yield account


ScopedAccount = Annotated[LiveAccount, Depends(get_scoped_account)]


async def get_scope(
    caller: CurrentCaller, runtime: RuntimeDep, account: ScopedAccount
) -> MeetingScope | None:
    """The scope of this request over `account` (None: the developer's own, unscoped read)."""
    return await resolve_scope(runtime, caller, account.id)


CurrentScope = Annotated[MeetingScope | None, Depends(get_scope)]
