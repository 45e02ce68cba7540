"""Storage adapter: the async database, the schema, migrations and per-table repositories."""

from __future__ import annotations

from parley.storage.columns import JsonType, UtcDateTime, new_id, utcnow
from parley.storage.db import MIGRATIONS_DIR, Database, alembic_config, normalize_url
from parley.storage.repositories import (
    ApiKeyRepository,
    IntegratedAccountRepository,
    LinkTokenRepository,
    SealedRow,
    TenantRepository,
)
from parley.storage.tables import ApiKey, Base, IntegratedAccount, LinkToken, Tenant

__all__ = [
    "MIGRATIONS_DIR",
    "ApiKey",
    "ApiKeyRepository",
    "Base",
    "Database",
    "IntegratedAccount",
    "IntegratedAccountRepository",
    "JsonType",
    "LinkToken",
    "LinkTokenRepository",
    "SealedRow",
    "Tenant",
    "TenantRepository",
    "UtcDateTime",
    "alembic_config",
    "new_id",
    "normalize_url",
    "utcnow",
]
