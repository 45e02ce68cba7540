"""Route dependencies: the runtime, the caller's tenant, and the account's provider."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from parley.api.budget_headers import note_account
from parley.errors import AuthenticationError
from parley.reads.live import LiveAccount
from parley.runtime import Runtime

__all__ = ["CurrentAccount", "CurrentTenant", "RuntimeDep"]


async def get_runtime(request: Request) -> Runtime:
    """The process-wide runtime built at start-up.

    `async` on purpose: FastAPI runs a plain `def` dependency in its thread pool, a thread
    hop on every request (about a tenth of a proxied request's own time, measured).
    """
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_tenant(request: Request, runtime: RuntimeDep) -> Any:
    """The tenant of the `Authorization: Bearer <api key>` header (401 otherwise)."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise AuthenticationError(
            "Send your Parley API key as `Authorization: Bearer <key>`.", code="missing_api_key"
        )
    return await runtime.api_keys.authenticate(key.strip())


CurrentTenant = Annotated[Any, Depends(get_tenant)]


async def get_account(
    tenant: CurrentTenant,
    runtime: RuntimeDep,
    integrated_account_id: str = Query(
        ..., description="The integrated account (linked Chorus account) to read from."
    ),
) -> AsyncIterator[LiveAccount]:
    """The caller's integrated account (404 otherwise) with its provider; 401s mark it
    `needs_reauth`. The one declaration of `integrated_account_id` on the routes using it."""
    async with runtime.live.account(tenant.id, integrated_account_id) as account:
        note_account(account.id)
        yield account


CurrentAccount = Annotated[LiveAccount, Depends(get_account)]
