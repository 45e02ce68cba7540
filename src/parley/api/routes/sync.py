"""Sync runs: start one for an account, list them, get one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from parley.api import render
from parley.api.deps import CurrentTenant, RuntimeDep
from parley.api.params import ListOptions, list_options, reject_unknown
from parley.errors import InvalidCursorError
from parley.reads.cursor import CursorState, filters_digest

__all__ = ["router"]

router = APIRouter(tags=["sync"])


class SyncRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full: bool = Field(
        False,
        description="List the account's whole history (and conclude deletions over all of "
        "it) instead of the window since the last sync minus the look-back.",
    )


def _position(created_at: datetime, run_id: str) -> str:
    return f"{created_at.isoformat()}|{run_id}"


def _after(state: CursorState) -> tuple[datetime, str]:
    created, _, run_id = (state.position or "").partition("|")
    try:
        return datetime.fromisoformat(created), run_id
    except ValueError:
        raise InvalidCursorError("Malformed cursor.", param="next_cursor") from None


@router.post(
    "/integrated-accounts/{account_id}/sync", status_code=202, summary="Start a sync of an account"
)
async def start_sync(
    tenant: CurrentTenant,
    runtime: RuntimeDep,
    account_id: str = Path(...),
    body: SyncRequest | None = None,
) -> dict[str, Any]:
    """Queue a sync run (or answer the account's run already queued or running)."""
    view = await runtime.sync.start(tenant.id, account_id, full=body.full if body else False)
    return view.model_dump(mode="json")


@router.get("/sync-runs", summary="List sync runs")
async def list_sync_runs(
    request: Request,
    tenant: CurrentTenant,
    runtime: RuntimeDep,
    integrated_account_id: str | None = Query(None, description="Only this account's runs."),
    paging: ListOptions = Depends(list_options),
) -> dict[str, Any]:
    """Sync runs, newest first."""
    reject_unknown(request, ("integrated_account_id", "limit", "next_cursor"), unified=False)
    digest = filters_digest(integrated_account_id or "", "sync_runs", {"tenant": tenant.id})
    after = None
    if paging.next_cursor:
        after = _after(runtime.cursors.decode(paging.next_cursor, digest))
    views, more = await runtime.sync.list(
        tenant.id, integrated_account_id, after=after, limit=paging.limit
    )
    cursor = None
    if more and views:
        last = views[-1]
        cursor = runtime.cursors.encode(CursorState(_position(last.created_at, last.id), 0), digest)
    result = [v.model_dump(mode="json") for v in views]
    return render.envelope(result, cursor)


@router.get("/sync-runs/{run_id}", summary="Get a sync run")
async def get_sync_run(
    request: Request, tenant: CurrentTenant, runtime: RuntimeDep, run_id: str = Path(...)
) -> dict[str, Any]:
    """One run: status, counts, errors, window, timings and checkpoint."""
    reject_unknown(request, (), unified=False)
    return (await runtime.sync.get(tenant.id, run_id)).model_dump(mode="json")
