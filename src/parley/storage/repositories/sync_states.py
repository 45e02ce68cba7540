"""Queries on the sync_states table: the per-account lease, high-water mark and schedule.

Every lease change is a conditional UPDATE, so two processes racing for the same account
cannot both win, on SQLite (no row locks) and PostgreSQL alike. A holder renews the lease
while it works; a crashed holder's lease simply expires.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.columns import utcnow
from parley.storage.db import rowcount
from parley.storage.tables import IntegratedAccount
from parley.storage.tables_sync import SyncState

__all__ = ["SyncStateRepository"]

_STATES = cast(Table, SyncState.__table__)


class SyncStateRepository:
    """Per-account sync state inside one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, account_id: str) -> SyncState | None:
        """The account's state row, if it has one yet."""
        return await self._session.get(SyncState, account_id)

    async def ensure(self, account_id: str) -> None:
        """Create the account's row if it is missing (a no-op otherwise)."""
        values: dict[str, Any] = {"account_id": account_id}
        if self._session.get_bind().dialect.name == "postgresql":
            statement: Any = postgresql.insert(_STATES).values(values).on_conflict_do_nothing()
        else:
            statement = sqlite.insert(_STATES).values(values).on_conflict_do_nothing()
        await self._session.execute(statement)

    # -- the lease --------------------------------------------------------------------------

    async def acquire_lease(self, account_id: str, owner: str, ttl: timedelta) -> bool:
        """Take the account's lease if it is free, expired or already ours."""
        await self.ensure(account_id)
        now = utcnow()
        result = await self._session.execute(
            update(_STATES)
            .where(
                _STATES.c.account_id == account_id,
                or_(
                    _STATES.c.lease_owner.is_(None),
                    _STATES.c.lease_until < now,
                    _STATES.c.lease_owner == owner,
                ),
            )
            .values(lease_owner=owner, lease_until=now + ttl)
        )
        return rowcount(result) == 1

    async def renew_lease(self, account_id: str, owner: str, ttl: timedelta) -> bool:
        """Extend our lease; False when someone else holds it now."""
        result = await self._session.execute(
            update(_STATES)
            .where(_STATES.c.account_id == account_id, _STATES.c.lease_owner == owner)
            .values(lease_until=utcnow() + ttl)
        )
        return rowcount(result) == 1

    async def release_lease(self, account_id: str, owner: str) -> None:
        """Give the lease up (only if `owner` still holds it)."""
        await self._session.execute(
            update(_STATES)
            .where(_STATES.c.account_id == account_id, _STATES.c.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )

    # -- progress and schedule --------------------------------------------------------------

    async def record_synced(
        self,
        account_id: str,
        run_id: str,
        *,
        through: datetime,
        full_at: datetime | None,
        interval: timedelta,
        now: datetime,
    ) -> None:
        """A run completed its window up to `through`; schedule the next one `interval` on."""
        values: dict[str, Any] = {"synced_through": through, "last_run_id": run_id}
        if full_at is not None:
            values["last_full_at"] = full_at
        seconds = interval.total_seconds()
        values["interval_seconds"] = max(1, round(seconds)) if seconds > 0 else None
        values["next_run_at"] = now + interval if seconds > 0 else None
        await self._session.execute(
            update(_STATES).where(_STATES.c.account_id == account_id).values(values)
        )

    async def claim_due(self, now: datetime, next_run_at: datetime) -> list[str]:
        """Active accounts whose next run is due, their next run moved to `next_run_at`."""
        due = await self._session.scalars(
            select(SyncState.account_id)
            .join(IntegratedAccount, IntegratedAccount.id == SyncState.account_id)
            .where(SyncState.next_run_at <= now, IntegratedAccount.status == "active")
        )
        accounts = list(due)
        if accounts:
            await self._session.execute(
                update(_STATES)
                .where(_STATES.c.account_id.in_(accounts))
                .values(next_run_at=next_run_at)
            )
        return accounts
