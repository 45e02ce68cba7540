"""Queries on the integrated_accounts table."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.db import rowcount
from parley.storage.tables import IntegratedAccount

__all__ = ["IntegratedAccountRepository"]


class IntegratedAccountRepository:
    """Integrated accounts inside one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, account: IntegratedAccount) -> IntegratedAccount:
        """Insert an account."""
        self._session.add(account)
        await self._session.flush()
        return account

    async def get(
        self, account_id: str, *, tenant_id: str | None = None, for_update: bool = False
    ) -> IntegratedAccount | None:
        """The account with this id (within `tenant_id` when given)."""
        query = select(IntegratedAccount).where(IntegratedAccount.id == account_id)
        if tenant_id is not None:
            query = query.where(IntegratedAccount.tenant_id == tenant_id)
        if for_update:
            # PostgreSQL row lock; SQLite ignores it (its writers are serialised anyway).
            query = query.with_for_update()
        return await self._session.scalar(query)

    async def list_for_tenant(self, tenant_id: str | None) -> list[IntegratedAccount]:
        """A tenant's accounts (every account when None), oldest first."""
        query = select(IntegratedAccount).order_by(
            IntegratedAccount.created_at, IntegratedAccount.id
        )
        if tenant_id is not None:
            query = query.where(IntegratedAccount.tenant_id == tenant_id)
        return list(await self._session.scalars(query))

    async def delete(self, account_id: str, *, tenant_id: str | None = None) -> bool:
        """Delete the account; False when there was none."""
        statement = delete(IntegratedAccount).where(IntegratedAccount.id == account_id)
        if tenant_id is not None:
            statement = statement.where(IntegratedAccount.tenant_id == tenant_id)
        return rowcount(await self._session.execute(statement)) == 1
