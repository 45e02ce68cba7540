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
parameter of its own (search, the insight reads).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy import ColumnElement

from parley.api.budget_headers import note_account
from parley.errors import (
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from parley.insights.scoped_tokens import SCOPED_TOKEN_PREFIX, ScopedGrant
from parley.reads.live import LiveAccount
from parley.runtime import Runtime
from parley.storage.scope import MeetingScope, visible_meetings

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

AS_USER_HEADER = "Parley-As-User"
_READ_METHODS = frozenset({"GET", "HEAD"})
_MAX_APP_USER_ID = 200


async def get_runtime(request: Request) -> Runtime:
    """The process-wide runtime built at start-up.

    `async` on purpose: FastAPI runs a plain `def` dependency in its thread pool, a thread
    hop on every request (about a tenth of a proxied request's own time, measured).
    """
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


@dataclass(frozen=True)
class Caller:
    """Who is calling: the tenant, and the app user the call acts as (if any)."""

    tenant: Any
    #: A scoped token's grant (None: an API key).
    grant: ScopedGrant | None = None
    #: The `Parley-As-User` header sent with an API key.
    as_user: str | None = None

    @property
    def scoped(self) -> bool:
        """True when the call acts as an app user (scoped token or header)."""
        return self.grant is not None or self.as_user is not None


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
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise AuthenticationError(
            "Send your Parley API key as `Authorization: Bearer <key>`.", code="missing_api_key"
        )
    as_user = request.headers.get(AS_USER_HEADER)
    if key.startswith(SCOPED_TOKEN_PREFIX):
        grant = runtime.scoped_tokens.verify(key)
        try:
            tenant = await runtime.tenants.get(grant.tenant_id)
        except NotFoundError:
            raise AuthenticationError(
                "Invalid scoped token.", code="invalid_scoped_token"
            ) from None
        if not scoped_writes and request.method not in _READ_METHODS:
            raise PermissionDeniedError(
                "A scoped token only reads: this request needs the developer's API key."
            )
        if as_user is not None and as_user.strip() != grant.app_user_id:
            raise InvalidRequestError(
                f"A scoped token acts as its own app user: drop the {AS_USER_HEADER} header.",
                param=AS_USER_HEADER,
            )
        return Caller(tenant, grant=grant)
    tenant = await runtime.api_keys.authenticate(key)
    if as_user is None:
        return Caller(tenant)
    as_user = as_user.strip()
    if not as_user or len(as_user) > _MAX_APP_USER_ID:
        raise InvalidRequestError(
            f"{AS_USER_HEADER} must be an app user id of 1 to {_MAX_APP_USER_ID} characters.",
            param=AS_USER_HEADER,
        )
    return Caller(tenant, as_user=as_user)


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


def check_token_account(caller: Caller, account_id: str) -> None:
    """A scoped token reads its own account only: any other is not found (404)."""
    if caller.grant is not None and caller.grant.account_id != account_id:
        raise NotFoundError(
            f"No integrated account {account_id!r} for this key.",
            code="integrated_account_not_found",
        )


async def resolve_scope(runtime: Runtime, caller: Caller, account_id: str) -> MeetingScope | None:
    """The caller's scope over the account's stored meetings (None: not acting as a user)."""
    if caller.grant is not None:
        check_token_account(caller, account_id)
        grant = caller.grant
        return await runtime.scoping.scope(
            account_id, grant.app_user_id, mapping_id=grant.mapping_id
        )
    if caller.as_user is not None:
        return await runtime.scoping.scope(account_id, caller.as_user)
    return None


@dataclass(frozen=True)
class ReadScope:
    """What one stored read covers: an account (None: every account of the tenant) and the
    caller's scope over it (None: the developer's own, unscoped read)."""

    account_id: str | None
    scope: MeetingScope | None = None

    @property
    def visible(self) -> ColumnElement[bool] | None:
        """The scope as a condition over `meetings`, for the service's query (None: all)."""
        return None if self.scope is None else visible_meetings(self.scope)

    @property
    def app_user_id(self) -> str | None:
        """The app user acting (bind cursors to it), None when unscoped."""
        return None if self.scope is None else self.scope.app_user_id


async def read_scope(runtime: Runtime, caller: Caller, account_id: str | None) -> ReadScope:
    """The account a stored read covers and the caller's scope over it.

    Unscoped (the developer's key alone): `account_id` as given, None meaning every account
    of the tenant. A scoped token reads its own account (given or not; another id is a 404,
    `integrated_account_not_found`); `Parley-As-User` acts as a user of one account, so it
    needs `integrated_account_id` (400 otherwise).
    """
    if not caller.scoped:
        return ReadScope(account_id)
    if caller.grant is not None:
        account_id = account_id or caller.grant.account_id
    elif not account_id:
        raise InvalidRequestError(
            f"{AS_USER_HEADER} acts as a user of one account: add integrated_account_id.",
            param="integrated_account_id",
        )
    check_token_account(caller, account_id)
    account = await runtime.accounts.get(caller.tenant.id, account_id)
    return ReadScope(account.id, await resolve_scope(runtime, caller, account.id))


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
    check_token_account(caller, integrated_account_id)
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
