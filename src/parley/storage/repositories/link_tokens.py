"""Queries on the link_tokens table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.db import rowcount
from parley.storage.tables import LinkToken

__all__ = ["LinkTokenRepository"]


class LinkTokenRepository:
    """Link tokens inside one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        *,
        token_hash: str,
        tenant_id: str,
        integration: str,
        redirect_uri: str | None,
        expires_at: datetime,
    ) -> LinkToken:
        """Insert a token (its hash only)."""
        token = LinkToken(
            token_hash=token_hash,
            tenant_id=tenant_id,
            integration=integration,
            redirect_uri=redirect_uri,
            expires_at=expires_at,
        )
        self._session.add(token)
        await self._session.flush()
        return token

    async def by_hash(self, token_hash: str) -> LinkToken | None:
        """The token whose hash this is."""
        return await self._session.scalar(
            select(LinkToken).where(LinkToken.token_hash == token_hash)
        )

    async def claim(self, token_id: str, *, account_id: str, now: datetime) -> bool:
        """Mark the token used by `account_id`; False if it was used or expired meanwhile."""
        # One guarded UPDATE: of two concurrent completions exactly one matches the row.
        result = await self._session.execute(
            update(LinkToken)
            .where(
                LinkToken.id == token_id,
                LinkToken.used_at.is_(None),
                LinkToken.expires_at > now,
            )
            .values(used_at=now, integrated_account_id=account_id)
        )
        return rowcount(result) == 1

    async def purge_expired(self, before: datetime) -> int:
        """Delete tokens that expired before `before`; returns how many."""
        result = await self._session.execute(delete(LinkToken).where(LinkToken.expires_at < before))
        return rowcount(result)
