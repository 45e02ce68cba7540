"""`integrated_account.*` events, written in the transaction that changed the status."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.repositories import EventRepository

__all__ = ["ACCOUNT_STATUS_EVENTS", "record_account_status"]

#: The account statuses that emit an event, and its type.
ACCOUNT_STATUS_EVENTS = {
    "active": "integrated_account.active",
    "needs_reauth": "integrated_account.needs_reauth",
}


async def record_account_status(
    session: AsyncSession, *, tenant_id: str, account_id: str, status: str, account: dict[str, Any]
) -> None:
    """Add the outbox event of an account's new status (none for the statuses without one)."""
    type_ = ACCOUNT_STATUS_EVENTS.get(status)
    if type_ is not None:
        await EventRepository(session).record(tenant_id, type_, account, account_id=account_id)
