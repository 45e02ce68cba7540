"""Repositories: small query objects per table, each bound to one session."""

from __future__ import annotations

from parley.storage.repositories.api_keys import ApiKeyRepository
from parley.storage.repositories.integrated_accounts import IntegratedAccountRepository, SealedRow
from parley.storage.repositories.link_tokens import LinkTokenRepository
from parley.storage.repositories.tenants import TenantRepository

__all__ = [
    "ApiKeyRepository",
    "IntegratedAccountRepository",
    "LinkTokenRepository",
    "SealedRow",
    "TenantRepository",
]
