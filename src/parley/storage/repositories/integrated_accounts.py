"""Queries on the integrated_accounts table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.tables import IntegratedAccount

__all__ = ["IntegratedAccountRepository", "SealedRow"]

#: (account id, ciphertext, key id): what rotation needs, without the rest of the row.
SealedRow = tuple[str, bytes, str]


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
        return _rowcount(await self._session.execute(statement)) == 1

    async def sealed_with_other_keys(self, key_id: str, *, limit: int) -> list[SealedRow]:
        """Up to `limit` accounts whose credentials are not sealed with `key_id`."""
        rows = await self._session.execute(
            select(
                IntegratedAccount.id,
                IntegratedAccount.credentials_ciphertext,
                IntegratedAccount.key_id,
            )
            .where(IntegratedAccount.key_id != key_id)
            .order_by(IntegratedAccount.id)
            .limit(limit)
        )
        return [(account_id, blob, key) for account_id, blob, key in rows]

    async def count_by_key_id(self) -> dict[str, int]:
        """How many accounts each master key id seals."""
        rows = await self._session.execute(
            select(IntegratedAccount.key_id, func.count()).group_by(IntegratedAccount.key_id)
        )
        return dict(rows.all())

    async def replace_ciphertext(
        self, account_id: str, *, old: bytes, new: bytes, key_id: str, now: datetime
    ) -> bool:
        """Swap the blob only if it is still `old`; False when someone changed it meanwhile."""
        result = await self._session.execute(
            update(IntegratedAccount)
            .where(
                IntegratedAccount.id == account_id,
                IntegratedAccount.credentials_ciphertext == old,
            )
            .values(credentials_ciphertext=new, key_id=key_id, updated_at=now)
        )
        return _rowcount(result) == 1


def _rowcount(result: object) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0
