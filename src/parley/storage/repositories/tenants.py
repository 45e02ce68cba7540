"""Queries on the tenants table."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.tables import Tenant

__all__ = ["TenantRepository"]


class TenantRepository:
    """Tenants inside one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tenant_id: str) -> Tenant | None:
        """The tenant with this id."""
        return await self._session.get(Tenant, tenant_id)

    async def by_name(self, name: str) -> Tenant | None:
        """The tenant with this unique name."""
        return await self._session.scalar(select(Tenant).where(Tenant.name == name))

    async def add(self, name: str) -> Tenant:
        """Insert a tenant (flushed, so a duplicate name raises IntegrityError here)."""
        tenant = Tenant(name=name)
        self._session.add(tenant)
        await self._session.flush()
        return tenant

    async def list(self) -> list[Tenant]:
        """Every tenant, oldest first."""
        rows = await self._session.scalars(select(Tenant).order_by(Tenant.created_at, Tenant.id))
        return list(rows)
