"""Tenants: a developer's environments, created on first use by name."""

from __future__ import annotations

import builtins

from sqlalchemy.exc import IntegrityError

from parley.accounts.views import TenantView
from parley.errors import InvalidRequestError, NotFoundError
from parley.storage import Database, TenantRepository

__all__ = ["TenantService"]

_MAX_NAME = 200


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > _MAX_NAME:
        raise InvalidRequestError(
            f"A tenant name is 1 to {_MAX_NAME} characters.", param="tenant", code="invalid_tenant"
        )
    return name


class TenantService:
    """Create and look up tenants."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get_or_create(self, name: str) -> TenantView:
        """The tenant called `name`, created if it does not exist yet."""
        name = _clean_name(name)
        if (existing := await self.find(name)) is not None:
            return existing
        try:
            async with self._db.session() as session:
                return TenantView.of(await TenantRepository(session).add(name))
        except IntegrityError:
            # Another process created it between our read and our insert: use theirs.
            if (existing := await self.find(name)) is not None:
                return existing
            raise

    async def find(self, name: str) -> TenantView | None:
        """The tenant called `name`, if any."""
        async with self._db.session() as session:
            row = await TenantRepository(session).by_name(name.strip())
        return TenantView.of(row) if row else None

    async def get(self, tenant_id: str) -> TenantView:
        """The tenant with this id (404 `tenant_not_found` otherwise)."""
        async with self._db.session() as session:
            row = await TenantRepository(session).get(tenant_id)
        if row is None:
            raise NotFoundError(f"No tenant {tenant_id}.", code="tenant_not_found")
        return TenantView.of(row)

    async def list(self) -> builtins.list[TenantView]:
        """Every tenant, oldest first."""
        async with self._db.session() as session:
            return [TenantView.of(row) for row in await TenantRepository(session).list()]
