"""`POST /scoped-tokens`: a read-only credential acting as one app user of one account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from parley.api.deps import CurrentTenant, RuntimeDep
from parley.api.params import reject_unknown
from parley.insights.scoped_tokens import MAX_TTL_SECONDS, MIN_TTL_SECONDS, ScopedGrant

__all__ = ["router"]

router = APIRouter(tags=["scoped tokens"])


class MintRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    integrated_account_id: str = Field(..., min_length=1, description="The account it reads.")
    app_user_id: str = Field(
        ..., min_length=1, max_length=200, description="The mapped app user it acts as."
    )
    ttl_seconds: int = Field(
        3600, ge=MIN_TTL_SECONDS, le=MAX_TTL_SECONDS, description="Lifetime, 60..86400 seconds."
    )


@router.post("/scoped-tokens", status_code=201, summary="Mint a scoped token")
async def mint_scoped_token(
    request: Request, body: MintRequest, tenant: CurrentTenant, runtime: RuntimeDep
) -> dict[str, Any]:
    """`{token: "pst_…", expires_at}`: hand it to a browser or an agent; it reads (GET) as
    that app user only, until it expires or the mapping is deleted."""
    reject_unknown(request, (), unified=False)
    account = await runtime.accounts.get(tenant.id, body.integrated_account_id)
    mapping_id = await runtime.scoping.mapping_id(account.id, body.app_user_id)
    grant = ScopedGrant(str(tenant.id), str(account.id), body.app_user_id, mapping_id)
    token, expires_at = runtime.scoped_tokens.mint(grant, body.ttl_seconds)
    return {"token": token, "expires_at": expires_at.isoformat().replace("+00:00", "Z")}
