"""Who is calling, and what they may read: one service for every face (API, pages, MCP).

A credential is a developer's API key (`pk_…`; the developer, optionally acting as an app
user through `Parley-As-User`) or a scoped token (`pst_…`, `insights.scoped_tokens`), which
always acts as its app user of its account. `CallerAuth.authenticate` turns one into a
`Caller`; `read_scope` gives a stored read its account and the caller's `MeetingScope`.
The faces parse where the credential comes from (a header, a cookie) and nothing else: the
API (`api.deps`) and the pages (`web.auth`) share this logic, so neither can drift.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement

from parley.errors import (
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from parley.insights.scoped_tokens import SCOPED_TOKEN_PREFIX, ScopedGrant, ScopedTokens
from parley.insights.scoping import Scoping
from parley.storage.scope import MeetingScope, visible_meetings

__all__ = [
    "AS_USER_HEADER",
    "AccountsRead",
    "Caller",
    "CallerAuth",
    "ReadScope",
    "bearer_credential",
]

AS_USER_HEADER = "Parley-As-User"
_MAX_APP_USER_ID = 200

#: an API key -> its tenant (401 otherwise): `accounts.ApiKeyService.authenticate`
AuthenticateKey = Callable[[str], Awaitable[Any]]
#: a tenant id -> the tenant (404 otherwise): `accounts.TenantService.get`
GetTenant = Callable[[str], Awaitable[Any]]
#: (tenant id, account id) -> the integrated account (404 otherwise)
GetAccount = Callable[[str, str], Awaitable[Any]]
#: a tenant id -> the tenant's accounts, newest first: `IntegratedAccounts.list`
ListAccounts = Callable[[str], Awaitable[list[Any]]]


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

    @property
    def app_user_id(self) -> str | None:
        """The app user the call acts as (None: the developer themselves)."""
        return self.grant.app_user_id if self.grant is not None else self.as_user


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


@dataclass(frozen=True)
class AccountsRead:
    """A read over several accounts (search): their ids, and the scope when one account."""

    account_ids: tuple[str, ...]
    scope: MeetingScope | None = None


def bearer_credential(authorization: str | None) -> str:
    """The credential of an `Authorization: Bearer <key>` header (401 `missing_api_key`)."""
    scheme, _, key = (authorization or "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise AuthenticationError(
            "Send your Parley API key as `Authorization: Bearer <key>`.", code="missing_api_key"
        )
    return key


def _account_not_found(account_id: str) -> NotFoundError:
    return NotFoundError(
        f"No integrated account {account_id!r} for this key.",
        code="integrated_account_not_found",
    )


class CallerAuth:
    """Credentials to callers, callers to scopes."""

    def __init__(
        self,
        authenticate_key: AuthenticateKey,
        get_tenant: GetTenant,
        get_account: GetAccount,
        scoped_tokens: ScopedTokens,
        scoping: Scoping,
        *,
        list_accounts: ListAccounts,
    ) -> None:
        self._authenticate_key = authenticate_key
        self._get_tenant = get_tenant
        self._get_account = get_account
        self._list_accounts = list_accounts
        self._tokens = scoped_tokens
        self._scoping = scoping

    async def authenticate(
        self, credential: str, *, as_user: str | None = None, api_write: bool = False
    ) -> Caller:
        """The caller of an API key or scoped token (401 otherwise).

        `api_write`: a write through the API, where a scoped token answers 403 (it reads the
        API only; the pages' own forms, such as a comment, are theirs to allow). `as_user`
        is the `Parley-As-User` header (a scoped token acts as its own user only: 400).
        """
        if credential.startswith(SCOPED_TOKEN_PREFIX):
            grant = self._tokens.verify(credential)
            try:
                tenant = await self._get_tenant(grant.tenant_id)
            except NotFoundError:
                raise AuthenticationError(
                    "Invalid scoped token.", code="invalid_scoped_token"
                ) from None
            if api_write:
                raise PermissionDeniedError(
                    "A scoped token only reads: this request needs the developer's API key."
                )
            if as_user is not None and as_user.strip() != grant.app_user_id:
                raise InvalidRequestError(
                    f"A scoped token acts as its own app user: drop the {AS_USER_HEADER} header.",
                    param=AS_USER_HEADER,
                )
            return Caller(tenant, grant=grant)
        tenant = await self._authenticate_key(credential)
        if as_user is None:
            return Caller(tenant)
        as_user = as_user.strip()
        if not as_user or len(as_user) > _MAX_APP_USER_ID:
            raise InvalidRequestError(
                f"{AS_USER_HEADER} must be an app user id of 1 to {_MAX_APP_USER_ID} characters.",
                param=AS_USER_HEADER,
            )
        return Caller(tenant, as_user=as_user)

    @staticmethod
    def check_token_account(caller: Caller, account_id: str) -> None:
        """A scoped token reads its own account only: any other is not found (404)."""
        if caller.grant is not None and caller.grant.account_id != account_id:
            raise _account_not_found(account_id)

    async def resolve_scope(self, caller: Caller, account_id: str) -> MeetingScope | None:
        """The caller's scope over the account's stored meetings (None: not acting as a user)."""
        if caller.grant is not None:
            self.check_token_account(caller, account_id)
            grant = caller.grant
            return await self._scoping.scope(
                account_id, grant.app_user_id, mapping_id=grant.mapping_id
            )
        if caller.as_user is not None:
            return await self._scoping.scope(account_id, caller.as_user)
        return None

    async def read_scope(self, caller: Caller, account_id: str | None) -> ReadScope:
        """The account a stored read covers and the caller's scope over it.

        Unscoped (the developer's key alone): `account_id` as given, None meaning every
        account of the tenant. A scoped token reads its own account (given or not; another
        id is a 404, `integrated_account_not_found`); `Parley-As-User` acts as a user of one
        account, so it needs `integrated_account_id` (400 otherwise).
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
        self.check_token_account(caller, account_id)
        account = await self._get_account(caller.tenant.id, account_id)
        return ReadScope(account.id, await self.resolve_scope(caller, account.id))

    async def account_scope(self, caller: Caller, account_id: str) -> ReadScope:
        """`read_scope` for a read of exactly one account, checked for the caller's tenant
        even when unscoped (404 `integrated_account_not_found` otherwise)."""
        self.check_token_account(caller, account_id)
        account = await self._get_account(caller.tenant.id, account_id)
        return ReadScope(account.id, await self.resolve_scope(caller, account.id))

    async def accounts_read(self, caller: Caller, account_id: str | None) -> AccountsRead:
        """The accounts a read across accounts covers (search): the one given (404 when not
        the tenant's), a scoped caller's own, or every account of the tenant."""
        if account_id is None and not caller.scoped:
            return AccountsRead(tuple(a.id for a in await self._list_accounts(caller.tenant.id)))
        if caller.grant is not None:
            account_id = account_id or caller.grant.account_id
        elif not account_id:
            raise InvalidRequestError(
                f"{AS_USER_HEADER} acts as a user of one account: add integrated_account_id.",
                param="integrated_account_id",
            )
        reading = await self.account_scope(caller, account_id)
        return AccountsRead((str(reading.account_id),), reading.scope)

    async def accounts_of(self, caller: Caller) -> list[Any]:
        """The accounts the caller may read: a scoped token's own, else the tenant's."""
        if caller.grant is not None:
            return [await self._get_account(caller.tenant.id, caller.grant.account_id)]
        return await self._list_accounts(caller.tenant.id)
