"""Deal risk: `GET /insights/deals[/{id}]` and `GET|PUT /insights/risk-settings`.

The deals are stored reads: acting as an app user, a deal is listed when any of its meetings
is visible, and its evidence (and meeting facts) come from those meetings only (insights.md
§4). The risk settings are tenant configuration: the developer's API key only.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Path, Query, Request

from parley.api import render
from parley.api.deps import CurrentCaller, CurrentTenant, RuntimeDep, read_scope
from parley.api.params import reject_unknown
from parley.insights.deals import DealQuery
from parley.insights.risk_settings import RiskSettings

__all__ = ["router"]

router = APIRouter(tags=["insights"])
_LIST = ("integrated_account_id", "level", "min_score", "sort", "limit", "next_cursor")


@router.get("/insights/deals", summary="List deals with their risk")
async def list_deals(
    request: Request,
    runtime: RuntimeDep,
    caller: CurrentCaller,
    integrated_account_id: str | None = Query(
        None, description="One account; every account of the key's tenant when omitted."
    ),
    level: Literal["low", "medium", "high"] | None = Query(None, description="Only this level."),
    min_score: int | None = Query(None, ge=0, le=100, description="Only scores at/above this."),
    sort: Literal["score", "last_meeting"] = Query(
        "score", description="`score` (highest first, default) or `last_meeting` (latest first)."
    ),
    limit: int = Query(50, ge=1, le=500, description="Deals per page, 1..500."),
    next_cursor: str | None = Query(None, description="Opaque cursor from the previous page."),
) -> dict[str, Any]:
    """CRM opportunities of the synced meetings, their risk judged at the time of the read."""
    reject_unknown(request, _LIST, unified=False)
    reading = await read_scope(runtime, caller, integrated_account_id)
    query = DealQuery(
        reading.account_id, level, min_score, sort, limit, next_cursor, reading.app_user_id
    )
    views, cursor = await runtime.deals.list_deals(caller.tenant.id, query, visible=reading.visible)
    return render.envelope([view.model_dump(mode="json") for view in views], cursor)


@router.get("/insights/deals/{opportunity_id}", summary="Get one deal with its risk")
async def get_deal(
    request: Request,
    runtime: RuntimeDep,
    caller: CurrentCaller,
    opportunity_id: str = Path(..., description="The CRM opportunity id."),
    integrated_account_id: str = Query(..., description="The account the deal belongs to."),
) -> dict[str, Any]:
    """One deal: its signals, each with the meetings (and moments) it came from. Acting as
    an app user, a deal none of whose meetings it may see answers 404."""
    reject_unknown(request, ("integrated_account_id",), unified=False)
    reading = await read_scope(runtime, caller, integrated_account_id)
    view = await runtime.deals.get(
        caller.tenant.id, integrated_account_id, opportunity_id, visible=reading.visible
    )
    return view.model_dump(mode="json")


@router.get("/insights/risk-settings", summary="Get the deal-risk settings")
async def get_risk_settings(
    request: Request, runtime: RuntimeDep, tenant: CurrentTenant
) -> dict[str, Any]:
    """The tenant's weights, thresholds, tracker names, phrases and `stalled_days`."""
    reject_unknown(request, (), unified=False)
    return (await runtime.deals.settings(tenant.id)).document()


@router.put("/insights/risk-settings", summary="Replace the deal-risk settings")
async def put_risk_settings(
    request: Request, body: RiskSettings, runtime: RuntimeDep, tenant: CurrentTenant
) -> dict[str, Any]:
    """Replace the settings (absent fields take their defaults), then re-evaluate every deal
    of the tenant before answering; `reevaluated` says how many deals, and how many rose."""
    reject_unknown(request, (), unified=False)
    done = await runtime.deals.put_settings(tenant.id, body)
    return {**body.document(), "reevaluated": {"deals": done.deals, "raised": done.raised}}
