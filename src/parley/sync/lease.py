"""The per-account lease in `sync_states`: one sync per account at a time, across processes.

Every change is a conditional UPDATE, so two processes racing for the same account cannot
both win on SQLite (no row locks) or PostgreSQL alike. A holder renews the lease while it
works; a crashed holder's lease simply expires.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import LeaseLostError
from parley.storage import SyncState, rowcount, utcnow

__all__ = ["acquire_lease", "ensure_state", "release_lease", "renew_lease"]

_STATES = cast(Table, SyncState.__table__)


async def ensure_state(session: AsyncSession, account_id: str) -> None:
    """Create the account's `sync_states` row if it is missing (a no-op otherwise)."""
    dialect = session.get_bind().dialect.name
    values: dict[str, Any] = {"account_id": account_id}
    if dialect == "postgresql":
        statement: Any = postgresql.insert(_STATES).values(values).on_conflict_do_nothing()
    else:
        statement = sqlite.insert(_STATES).values(values).on_conflict_do_nothing()
    await session.execute(statement)


async def acquire_lease(session: AsyncSession, account_id: str, owner: str, ttl: timedelta) -> bool:
    """Take the account's lease if it is free, expired or already ours."""
    await ensure_state(session, account_id)
    now = utcnow()
    result = await session.execute(
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


async def renew_lease(session: AsyncSession, account_id: str, owner: str, ttl: timedelta) -> None:
    """Extend our lease; LeaseLostError when someone else holds it now."""
    result = await session.execute(
        update(_STATES)
        .where(_STATES.c.account_id == account_id, _STATES.c.lease_owner == owner)
        .values(lease_until=utcnow() + ttl)
    )
    if rowcount(result) != 1:
        raise LeaseLostError(
            f"The sync lease of integrated account {account_id} passed to another worker."
        )


async def release_lease(session: AsyncSession, account_id: str, owner: str) -> None:
    """Give the lease up (only if we still hold it)."""
    await session.execute(
        update(_STATES)
        .where(_STATES.c.account_id == account_id, _STATES.c.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )
