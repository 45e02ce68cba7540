"""Queries on the api_keys table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.tables import ApiKey, Tenant

__all__ = ["ApiKeyRepository"]


class ApiKeyRepository:
    """API keys inside one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, *, tenant_id: str, name: str, prefix: str, key_hash: str) -> ApiKey:
        """Insert a key (hash and prefix only: the plaintext never reaches storage)."""
        key = ApiKey(tenant_id=tenant_id, name=name, prefix=prefix, key_hash=key_hash)
        self._session.add(key)
        await self._session.flush()
        return key

    async def active_by_prefix(self, prefix: str) -> list[tuple[ApiKey, Tenant]]:
        """Unrevoked keys sharing a lookup prefix, with their tenants."""
        rows = await self._session.execute(
            select(ApiKey, Tenant)
            .join(Tenant, Tenant.id == ApiKey.tenant_id)
            .where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
        )
        return [(key, tenant) for key, tenant in rows]

    async def get(self, key_id: str, *, tenant_id: str | None = None) -> ApiKey | None:
        """The key with this id (within `tenant_id` when given)."""
        query = select(ApiKey).where(ApiKey.id == key_id)
        if tenant_id is not None:
            query = query.where(ApiKey.tenant_id == tenant_id)
        return await self._session.scalar(query)

    async def list_for_tenant(self, tenant_id: str) -> list[ApiKey]:
        """A tenant's keys (revoked included), oldest first."""
        rows = await self._session.scalars(
            select(ApiKey)
            .where(ApiKey.tenant_id == tenant_id)
            .order_by(ApiKey.created_at, ApiKey.id)
        )
        return list(rows)

    async def touch(self, key_id: str, when: datetime) -> None:
        """Record a use of the key."""
        await self._session.execute(
            update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=when)
        )
