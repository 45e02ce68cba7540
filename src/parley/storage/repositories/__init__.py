"""Repositories: small query objects per table, each bound to one session."""

from __future__ import annotations

from parley.storage.repositories.api_keys import ApiKeyRepository
from parley.storage.repositories.events import EVENT_TYPES, EventRepository, new_event_id
from parley.storage.repositories.integrated_accounts import IntegratedAccountRepository
from parley.storage.repositories.link_tokens import LinkTokenRepository
from parley.storage.repositories.sealed import (
    SEALED_TABLES,
    SealedRepository,
    SealedRow,
    SealedTable,
)
from parley.storage.repositories.tenants import TenantRepository

__all__ = [
    "EVENT_TYPES",
    "SEALED_TABLES",
    "ApiKeyRepository",
    "EventRepository",
    "IntegratedAccountRepository",
    "LinkTokenRepository",
    "SealedRepository",
    "SealedRow",
    "SealedTable",
    "TenantRepository",
    "new_event_id",
]
