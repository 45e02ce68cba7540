"""The CRM call log: contacts and companies per account, their activities, unmatched guests.

Records are the developer's own CRM: their CRUD and the unmatched-attendees list take the
developer's API key only. A record's activities are a stored read: acting as an app user,
only the meetings that user may see (insights.md §4).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request, Response

from parley.api import render
from parley.api.deps import CurrentCaller, CurrentTenant, RuntimeDep, read_scope
from parley.api.params import reject_unknown

__all__ = ["router"]

router = APIRouter(tags=["crm"])

_ACCOUNT = Query(..., description="The integrated account whose CRM records these are.")
_LIMIT = Query(50, ge=1, le=500, description="Records per page, 1..500.")
_CURSOR = Query(None, description="Opaque cursor from the previous page.")
_EXTERNAL_ID = Path(..., description="Your CRM's id of the record (1-200 characters).")
_BODY = Body(...)
_PAGE = frozenset({"integrated_account_id", "limit", "next_cursor"})
_ONE = frozenset({"integrated_account_id"})
Kind = Literal["contact", "company"]
_PATHS: dict[Kind, str] = {"contact": "contacts", "company": "companies"}


def _routes(kind: Kind, key: Literal["email", "domain"]) -> None:
    path = f"/crm/{_PATHS[kind]}"

    @router.put(f"{path}/{{external_id}}", summary=f"Create or replace a {kind}")
    async def upsert(
        request: Request,
        response: Response,
        tenant: CurrentTenant,
        runtime: RuntimeDep,
        body: Any = _BODY,
        external_id: str = _EXTERNAL_ID,
        integrated_account_id: str = _ACCOUNT,
    ) -> dict[str, Any]:
        """201 when created, 200 when replaced; its meetings are matched at once."""
        reject_unknown(request, _ONE, unified=False)
        view, created = await runtime.crm.upsert(
            kind, tenant.id, integrated_account_id, external_id, body
        )
        response.status_code = 201 if created else 200
        return view.model_dump(mode="json")

    @router.post(f"{path}/batch", summary=f"Create or replace up to 1,000 {_PATHS[kind]}")
    async def batch(
        request: Request,
        tenant: CurrentTenant,
        runtime: RuntimeDep,
        body: Any = _BODY,
        integrated_account_id: str = _ACCOUNT,
    ) -> dict[str, Any]:
        """`{created, updated, errors: [{index, error}]}`: good rows are stored regardless."""
        reject_unknown(request, _ONE, unified=False)
        result = await runtime.crm.batch(kind, tenant.id, integrated_account_id, body)
        return result.model_dump(mode="json")

    @router.get(path, summary=f"List {_PATHS[kind]}")
    async def list_records(
        request: Request,
        tenant: CurrentTenant,
        runtime: RuntimeDep,
        integrated_account_id: str = _ACCOUNT,
        value: str | None = Query(
            None, alias=key, description=f"Only records with this {key} (normalised)."
        ),
        limit: int = _LIMIT,
        next_cursor: str | None = _CURSOR,
    ) -> dict[str, Any]:
        """Records in external id order."""
        reject_unknown(request, _PAGE | {key}, unified=False)
        found = await runtime.crm.list_records(
            kind, tenant.id, integrated_account_id, key=value, limit=limit, cursor=next_cursor
        )
        return render.envelope([v.model_dump(mode="json") for v in found.items], found.next_cursor)

    @router.get(f"{path}/{{external_id}}", summary=f"Get a {kind}")
    async def get(
        request: Request,
        tenant: CurrentTenant,
        runtime: RuntimeDep,
        external_id: str = _EXTERNAL_ID,
        integrated_account_id: str = _ACCOUNT,
    ) -> dict[str, Any]:
        """One record (404 when the account has none with this id)."""
        reject_unknown(request, _ONE, unified=False)
        view = await runtime.crm.get(kind, tenant.id, integrated_account_id, external_id)
        return view.model_dump(mode="json")

    @router.delete(f"{path}/{{external_id}}", summary=f"Delete a {kind}")
    async def delete(
        request: Request,
        tenant: CurrentTenant,
        runtime: RuntimeDep,
        external_id: str = _EXTERNAL_ID,
        integrated_account_id: str = _ACCOUNT,
    ) -> dict[str, Any]:
        """Forget the record and its matches."""
        reject_unknown(request, _ONE, unified=False)
        await runtime.crm.delete(kind, tenant.id, integrated_account_id, external_id)
        return {
            "external_id": external_id,
            "integrated_account_id": integrated_account_id,
            "deleted": True,
        }

    @router.get(f"{path}/{{external_id}}/activities", summary=f"A {kind}'s call log")
    async def activities(
        request: Request,
        caller: CurrentCaller,
        runtime: RuntimeDep,
        external_id: str = _EXTERNAL_ID,
        integrated_account_id: str = _ACCOUNT,
        limit: int = _LIMIT,
        next_cursor: str | None = _CURSOR,
    ) -> dict[str, Any]:
        """The stored meetings matched to the record, newest first (acting as an app user:
        those it may see)."""
        reject_unknown(request, _PAGE, unified=False)
        reading = await read_scope(runtime, caller, integrated_account_id)
        found = await runtime.crm.activities(
            kind,
            caller.tenant.id,
            integrated_account_id,
            external_id,
            limit=limit,
            cursor=next_cursor,
            visible=reading.visible,
            app_user_id=reading.app_user_id,
        )
        return render.envelope([a.model_dump(mode="json") for a in found.items], found.next_cursor)


_routes("contact", "email")
_routes("company", "domain")


@router.get("/crm/unmatched-attendees", summary="External attendees matching no record")
async def unmatched_attendees(
    request: Request,
    tenant: CurrentTenant,
    runtime: RuntimeDep,
    integrated_account_id: str = _ACCOUNT,
    limit: int = _LIMIT,
    next_cursor: str | None = _CURSOR,
) -> dict[str, Any]:
    """One row per normalised email, most meetings first, then by email."""
    reject_unknown(request, _PAGE, unified=False)
    found = await runtime.crm.unmatched(
        tenant.id, integrated_account_id, limit=limit, cursor=next_cursor
    )
    return render.envelope([u.model_dump(mode="json") for u in found.items], found.next_cursor)
