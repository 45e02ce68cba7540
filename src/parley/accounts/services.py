"""All account services wired together, for the faces (API, CLI, web) to build once."""

from __future__ import annotations

from dataclasses import dataclass

from parley.accounts.api_keys import ApiKeyService
from parley.accounts.integrated_accounts import (
    IntegratedAccountService,
    ProviderLookup,
    StatusHook,
)
from parley.accounts.link_tokens import LinkTokenService
from parley.accounts.tenants import TenantService
from parley.accounts.urls import RecordingLinks
from parley.config import Settings
from parley.http.client import HttpOptions
from parley.providers.registry import get_provider
from parley.security import Vault
from parley.security.egress import EgressPolicy
from parley.storage import Database

__all__ = ["AccountServices"]


@dataclass(frozen=True)
class AccountServices:
    """Tenants, API keys, integrated accounts and link tokens over one database and vault."""

    tenants: TenantService
    api_keys: ApiKeyService
    accounts: IntegratedAccountService
    link_tokens: LinkTokenService

    @classmethod
    def build(
        cls,
        db: Database,
        vault: Vault,
        settings: Settings,
        http: HttpOptions,
        *,
        providers: ProviderLookup = get_provider,
        egress: EgressPolicy | None = None,
        on_status_change: StatusHook | None = None,
        recording_links: RecordingLinks | None = None,
    ) -> AccountServices:
        """Wire every account service (`egress`: default, the policy of `settings`)."""
        accounts = IntegratedAccountService(
            db,
            vault,
            settings,
            http,
            providers=providers,
            egress=egress or EgressPolicy.from_settings(settings),
            on_status_change=on_status_change,
            recording_links=recording_links,
        )
        return cls(
            tenants=TenantService(db),
            api_keys=ApiKeyService(db),
            accounts=accounts,
            link_tokens=LinkTokenService(db, settings, accounts),
        )
