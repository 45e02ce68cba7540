"""App user mappings: `/user-mappings` (insights.md §4; the rules are `insights.scoping`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from parley.api import render
from parley.api.deps import CurrentTenant, RuntimeDep
from parley.api.params import ListOptions, list_options, reject_unknown
from parley.errors import InvalidRequestError
from parley.insights.scoping import BatchRow, Role
from parley.reads.cursor import CursorState, filters_digest

__all__ = ["router"]

router = APIRouter(tags=["user mappings"])
MAX_BATCH = 1000
_ID = Path(..., min_length=1, max_length=200, description="Your own user's id.")


def _account(
    integrated_account_id: str = Query(..., description="The integrated account of the user."),
) -> str:
    return integrated_account_id


class PutMappingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider_user_id: str | None = Field(
        None, min_length=1, max_length=200, description="The provider user's id."
    )
    email: str | None = Field(
        None,
        min_length=3,
        max_length=320,
        pattern=r"^[^@\s]+@[^@\s]+$",
        description="The provider user's email (matched case-insensitively).",
    )
    role: Role = Field(..., description="`member`, `manager` or `admin`.")

    @model_validator(mode="after")
    def _one_user(self) -> PutMappingRequest:
        if (self.provider_user_id is None) == (self.email is None):
            raise ValueError("give exactly one of provider_user_id and email")
        return self


class BatchRowRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    app_user_id: str = Field(..., min_length=1, max_length=200)
    email: str = Field(..., min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    role: Role


async def _checked(runtime: Any, tenant: Any, account_id: str) -> str:
    """The tenant's account id (404 `integrated_account_not_found` otherwise)."""
    view = await runtime.accounts.get(tenant.id, account_id)
    return str(view.id)


@router.put("/user-mappings/{app_user_id}", summary="Map an app user to a provider user")
async def put_mapping(
    request: Request,
    response: Response,
    body: PutMappingRequest,
    tenant: CurrentTenant,
    runtime: RuntimeDep,
    app_user_id: str = _ID,
    integrated_account_id: str = Depends(_account),
) -> dict[str, Any]:
    """201 created or 200 replaced: the mapping and whether its user is in the synced copy."""
    reject_unknown(request, ("integrated_account_id",), unified=False)
    account_id = await _checked(runtime, tenant, integrated_account_id)
    view, created = await runtime.scoping.put(
        account_id,
        app_user_id,
        provider_user_id=body.provider_user_id,
        email=body.email,
        role=body.role,
    )
    response.status_code = 201 if created else 200
    return view.model_dump(mode="json")


def _row_error(exc: ValidationError) -> dict[str, Any]:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or None
    return {"code": "invalid_request", "message": first["msg"], "param": where}


@router.post("/user-mappings/batch", summary="Map many app users by email")
async def batch_mappings(
    request: Request,
    tenant: CurrentTenant,
    runtime: RuntimeDep,
    rows: list[Any] = Body(..., max_length=MAX_BATCH, description="`[{app_user_id, email, role}]`"),
    integrated_account_id: str = Depends(_account),
) -> dict[str, Any]:
    """Each row stands alone: good rows are stored even when others are bad."""
    reject_unknown(request, ("integrated_account_id",), unified=False)
    account_id = await _checked(runtime, tenant, integrated_account_id)
    good: list[tuple[int, BatchRow]] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(rows):
        try:
            row = BatchRowRequest.model_validate(raw)
        except ValidationError as exc:
            errors.append({"index": index, "error": _row_error(exc)})
            continue
        if row.app_user_id in seen:
            message = f"app_user_id {row.app_user_id!r} is already in this batch."
            error = {"code": "invalid_request", "message": message, "param": "app_user_id"}
            errors.append({"index": index, "error": error})
            continue
        seen.add(row.app_user_id)
        good.append((index, BatchRow(row.app_user_id, row.email, row.role)))
    stored = await runtime.scoping.put_batch(account_id, [row for _, row in good])
    result = [
        {"index": index, **view.model_dump(mode="json")}
        for (index, _), (view, _) in zip(good, stored, strict=True)
    ]
    return {
        "created": sum(1 for _, created in stored if created),
        "updated": sum(1 for _, created in stored if not created),
        "unresolved": sum(1 for view, _ in stored if not view.resolved),
        "result": result,
        "errors": errors,
    }


@router.get("/user-mappings", summary="List user mappings")
async def list_mappings(
    request: Request,
    tenant: CurrentTenant,
    runtime: RuntimeDep,
    integrated_account_id: str = Depends(_account),
    paging: ListOptions = Depends(list_options),
) -> dict[str, Any]:
    """The account's mappings in app user id order, each with `resolved` as of now."""
    reject_unknown(request, ("integrated_account_id", "limit", "next_cursor"), unified=False)
    account_id = await _checked(runtime, tenant, integrated_account_id)
    digest = filters_digest(account_id, "user_mappings", {})
    after = None
    if paging.next_cursor:
        after = runtime.cursors.decode(paging.next_cursor, digest).position
        if not after:
            raise InvalidRequestError(
                "Malformed cursor.", code="invalid_cursor", param="next_cursor"
            )
    views, more = await runtime.scoping.page(account_id, after, paging.limit)
    cursor = None
    if more and views:
        cursor = runtime.cursors.encode(CursorState(views[-1].app_user_id, 0), digest)
    return render.envelope([v.model_dump(mode="json") for v in views], cursor)


@router.get("/user-mappings/{app_user_id}", summary="Get a user mapping")
async def get_mapping(
    request: Request,
    tenant: CurrentTenant,
    runtime: RuntimeDep,
    app_user_id: str = _ID,
    integrated_account_id: str = Depends(_account),
) -> dict[str, Any]:
    """One mapping (404 `user_mapping_not_found`)."""
    reject_unknown(request, ("integrated_account_id",), unified=False)
    account_id = await _checked(runtime, tenant, integrated_account_id)
    return (await runtime.scoping.get(account_id, app_user_id)).model_dump(mode="json")


@router.delete("/user-mappings/{app_user_id}", status_code=204, summary="Delete a user mapping")
async def delete_mapping(
    request: Request,
    tenant: CurrentTenant,
    runtime: RuntimeDep,
    app_user_id: str = _ID,
    integrated_account_id: str = Depends(_account),
) -> Response:
    """The app user is unmapped: it sees nothing, and so do its scoped tokens."""
    reject_unknown(request, ("integrated_account_id",), unified=False)
    account_id = await _checked(runtime, tenant, integrated_account_id)
    await runtime.scoping.delete(account_id, app_user_id)
    return Response(status_code=204)
