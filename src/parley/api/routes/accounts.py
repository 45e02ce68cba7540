"""Link tokens and integrated accounts (linked provider accounts)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from parley.api import render
from parley.api.deps import CurrentTenant, RuntimeDep
from parley.errors import InvalidRequestError

__all__ = ["router"]

router = APIRouter(tags=["integrated accounts"])


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LinkTokenRequest(_Body):
    tenant_id: str | None = Field(None, description="Ignored unless it names your own tenant.")
    integration: str = Field("chorus", description="The provider to link, e.g. `chorus`.")
    redirect_uri: str | None = Field(
        None, description="Where the link page sends the customer after success."
    )


class Credentials(_Body):
    api_token: SecretStr = Field(..., description="The provider API token (never echoed).")


class AccountSettings(_Body):
    base_url: str | None = Field(None, description="Another provider host (sandbox, region).")


class CreateAccountRequest(_Body):
    integration: str = Field("chorus")
    credentials: Credentials
    settings: AccountSettings | None = None


class UpdateAccountRequest(_Body):
    credentials: Credentials | None = Field(None, description="Rotate the token (validated).")
    settings: AccountSettings | None = None
    status: str | None = Field(None, description="`disabled` to disable, `active` to re-enable.")


def _public(view: Any) -> dict[str, Any]:
    data: dict[str, Any] = view.model_dump(mode="json")
    return data


@router.post("/link-tokens", status_code=201, summary="Create a link token")
async def create_link_token(
    body: LinkTokenRequest, tenant: CurrentTenant, runtime: RuntimeDep
) -> dict[str, Any]:
    """A single-use, expiring token and the URL of the link page to send your customer to."""
    if body.tenant_id not in (None, tenant.id, tenant.name):
        raise InvalidRequestError("tenant_id must be your own tenant.", param="tenant_id")
    token, link = await runtime.link_tokens.create(tenant.id, body.integration, body.redirect_uri)
    return {
        "link_token": token,
        "link_url": f"{runtime.settings.public_url.rstrip('/')}/link/{token}",
        "expires_at": link.expires_at.isoformat().replace("+00:00", "Z"),
    }


@router.post("/integrated-accounts", status_code=201, summary="Link an account server-side")
async def create_account(
    body: CreateAccountRequest, tenant: CurrentTenant, runtime: RuntimeDep
) -> dict[str, Any]:
    """Validate the token live against the provider, then store it encrypted."""
    base_url = body.settings.base_url if body.settings else None
    view = await runtime.accounts.link(
        tenant.id, body.integration, body.credentials.api_token.get_secret_value(), base_url
    )
    return _public(view)


@router.get("/integrated-accounts", summary="List integrated accounts")
async def list_accounts(tenant: CurrentTenant, runtime: RuntimeDep) -> dict[str, Any]:
    """Every account of your tenant, newest first."""
    views = await runtime.accounts.list(tenant.id)
    result = [_public(v) for v in views]
    return render.envelope(result)


@router.get("/integrated-accounts/{account_id}", summary="Get an integrated account")
async def get_account(
    tenant: CurrentTenant, runtime: RuntimeDep, account_id: str = Path(...)
) -> dict[str, Any]:
    """One account (another tenant's id answers 404)."""
    return _public(await runtime.accounts.get(tenant.id, account_id))


@router.delete("/integrated-accounts/{account_id}", summary="Delete an integrated account")
async def delete_account(
    tenant: CurrentTenant, runtime: RuntimeDep, account_id: str = Path(...)
) -> dict[str, Any]:
    """Forget the account and its credentials."""
    await runtime.accounts.delete(tenant.id, account_id)
    return {"id": account_id}


@router.post("/integrated-accounts/{account_id}/validate", summary="Re-validate credentials")
async def validate_account(
    tenant: CurrentTenant, runtime: RuntimeDep, account_id: str = Path(...)
) -> dict[str, Any]:
    """Check the stored token live; the status becomes `active` or `needs_reauth`."""
    return _public(await runtime.accounts.validate(tenant.id, account_id))


@router.patch("/integrated-accounts/{account_id}", summary="Rotate token or change settings")
async def update_account(
    body: UpdateAccountRequest,
    tenant: CurrentTenant,
    runtime: RuntimeDep,
    account_id: str = Path(...),
) -> dict[str, Any]:
    """Rotate the token (validated before it replaces the old one), base URL or status."""
    if body.status not in (None, "disabled", "active"):
        raise InvalidRequestError("status may be `disabled` or `active`.", param="status")
    token = body.credentials.api_token.get_secret_value() if body.credentials else None
    base_url = body.settings.base_url if body.settings else None
    disabled = None if body.status is None else body.status == "disabled"
    view = await runtime.accounts.update(
        tenant.id, account_id, api_token=token, base_url=base_url, disabled=disabled
    )
    return _public(view)
