"""What the account services return: plain pydantic views that never carry a secret."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from parley.storage import ApiKey, IntegratedAccount, LinkToken, Tenant
from parley.types import IntegratedAccountId, TenantId
from parley.unified.base import UtcDateTime

__all__ = [
    "AccountErrorView",
    "AccountSettingsView",
    "AccountStatus",
    "ApiKeyView",
    "IntegratedAccountView",
    "LinkTokenView",
    "RemoteUserView",
    "TenantView",
]


class AccountStatus(StrEnum):
    """Where an integrated account stands with its provider."""

    ACTIVE = "active"
    NEEDS_REAUTH = "needs_reauth"
    VALIDATION_ERROR = "validation_error"
    DISABLED = "disabled"


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TenantView(_View):
    """A tenant (a developer's environment)."""

    id: TenantId
    name: str
    created_at: UtcDateTime

    @classmethod
    def of(cls, row: Tenant) -> TenantView:
        """The view of a stored tenant."""
        return cls(id=TenantId(row.id), name=row.name, created_at=row.created_at)


class ApiKeyView(_View):
    """An API key's public facts: its prefix, never the key or its hash."""

    id: str
    tenant_id: TenantId
    name: str
    prefix: str
    created_at: UtcDateTime
    last_used_at: UtcDateTime | None
    revoked_at: UtcDateTime | None

    @classmethod
    def of(cls, row: ApiKey) -> ApiKeyView:
        """The view of a stored key."""
        return cls(
            id=row.id,
            tenant_id=TenantId(row.tenant_id),
            name=row.name,
            prefix=row.prefix,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )


class LinkTokenView(_View):
    """A link token's facts (the token itself is shown once, at creation)."""

    id: str
    tenant_id: TenantId
    integration: str
    redirect_uri: str | None
    created_at: UtcDateTime
    expires_at: UtcDateTime
    used_at: UtcDateTime | None
    integrated_account_id: IntegratedAccountId | None

    @classmethod
    def of(cls, row: LinkToken) -> LinkTokenView:
        """The view of a stored link token."""
        account = row.integrated_account_id
        return cls(
            id=row.id,
            tenant_id=TenantId(row.tenant_id),
            integration=row.integration,
            redirect_uri=row.redirect_uri,
            created_at=row.created_at,
            expires_at=row.expires_at,
            used_at=row.used_at,
            integrated_account_id=IntegratedAccountId(account) if account else None,
        )


class AccountSettingsView(_View):
    """Per-account settings."""

    base_url: str | None = None


class RemoteUserView(_View):
    """The provider user the token belongs to (from the last successful check)."""

    id: str
    name: str | None = None
    email: str | None = None


class AccountErrorView(_View):
    """The last problem the provider reported for the account."""

    code: str
    message: str
    remote_status: int | None = None
    occurred_at: UtcDateTime | None = None


class IntegratedAccountView(_View):
    """A linked provider account, as the API shows it (credentials never included)."""

    id: IntegratedAccountId
    tenant_id: TenantId
    integration: str
    status: AccountStatus
    settings: AccountSettingsView
    remote_user: RemoteUserView | None
    last_error: AccountErrorView | None
    created_at: UtcDateTime
    updated_at: UtcDateTime
    last_validated_at: UtcDateTime | None

    @classmethod
    def of(cls, row: IntegratedAccount) -> IntegratedAccountView:
        """The view of a stored account (the ciphertext stays behind)."""
        return cls(
            id=IntegratedAccountId(row.id),
            tenant_id=TenantId(row.tenant_id),
            integration=row.integration,
            status=AccountStatus(row.status),
            settings=AccountSettingsView.model_validate(_known(row.settings, {"base_url"})),
            remote_user=RemoteUserView.model_validate(row.remote_user) if row.remote_user else None,
            last_error=AccountErrorView.model_validate(row.last_error) if row.last_error else None,
            created_at=row.created_at,
            updated_at=row.updated_at,
            last_validated_at=row.last_validated_at,
        )


def _known(data: dict[str, Any] | None, keys: set[str]) -> dict[str, Any]:
    # Settings written by a newer version may hold more keys: show the ones this one knows.
    return {key: value for key, value in (data or {}).items() if key in keys}
