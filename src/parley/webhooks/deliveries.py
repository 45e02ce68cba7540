"""The delivery log: deliveries with their attempts, newest first; redelivery on demand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from parley.errors import ConflictError, InvalidCursorError, InvalidRequestError, NotFoundError
from parley.security import Signer
from parley.storage import Database, utcnow
from parley.storage.repositories import EVENT_TYPES
from parley.storage.repositories.webhooks import DeliveryFilter, DeliveryRepository
from parley.webhooks.views import DeliveryStatus, DeliveryView

__all__ = ["DeliveryLog", "DeliveryQuery"]


@dataclass(frozen=True)
class DeliveryQuery:
    """Filters and paging of `GET /webhook-deliveries`."""

    webhook_id: str | None = None
    status: str | None = None
    event_type: str | None = None
    limit: int = 50
    cursor: str | None = None


def _checked(query: DeliveryQuery) -> None:
    if query.status is not None and query.status not in {status.value for status in DeliveryStatus}:
        statuses = ", ".join(status.value for status in DeliveryStatus)
        raise InvalidRequestError(f"status must be one of {statuses}.", param="status")
    if query.event_type is not None and query.event_type not in EVENT_TYPES:
        raise InvalidRequestError(f"Unknown event type {query.event_type!r}.", param="event_type")


def _not_found(delivery_id: str) -> NotFoundError:
    return NotFoundError(
        f"No webhook delivery {delivery_id} for this key.", code="webhook_delivery_not_found"
    )


class DeliveryLog:
    """A tenant's deliveries; another tenant's id is not found."""

    def __init__(self, db: Database, cursors: Signer) -> None:
        self._db = db
        self._cursors = cursors

    async def list(
        self, tenant_id: str, query: DeliveryQuery
    ) -> tuple[list[DeliveryView], str | None]:
        """One page of deliveries, newest first, and the cursor of the next (None at the end)."""
        _checked(query)
        bound = [tenant_id, query.webhook_id, query.status, query.event_type]
        where = DeliveryFilter(
            tenant_id=tenant_id,
            webhook_id=query.webhook_id,
            status=query.status,
            event_type=query.event_type,
            after=self._position(query.cursor, bound),
        )
        async with self._db.session() as session:
            deliveries = DeliveryRepository(session)
            rows = await deliveries.search(where, limit=query.limit + 1)
            page = rows[: query.limit]
            attempts = await deliveries.attempts_of([delivery.id for delivery, _ in page])
        views = [DeliveryView.of(row, type_, attempts[row.id]) for row, type_ in page]
        if len(rows) <= query.limit or not page:
            return views, None
        last = page[-1][0]
        # Bound to the tenant and filters it pages, like every other cursor (ADR 0003).
        position = {"c": last.created_at.isoformat(), "i": last.id, "f": bound}
        return views, self._cursors.sign(position)

    async def get(self, tenant_id: str, delivery_id: str) -> DeliveryView:
        """One delivery with its attempts and the event body it sends."""
        async with self._db.session() as session:
            deliveries = DeliveryRepository(session)
            found = await deliveries.with_event(delivery_id)
            if found is None or found[0].tenant_id != tenant_id:
                raise _not_found(delivery_id)
            delivery, event, _ = found
            attempts = await deliveries.attempts_of([delivery.id])
        return DeliveryView.of(delivery, event.type, attempts[delivery.id], event.payload)

    async def redeliver(self, tenant_id: str, delivery_id: str) -> DeliveryView:
        """Queue the delivery again now, with a fresh retry schedule and the same webhook-id."""
        now = utcnow()
        async with self._db.session() as session:
            delivery = await DeliveryRepository(session).get(
                delivery_id, tenant_id=tenant_id, for_update=True
            )
            if delivery is None:
                raise _not_found(delivery_id)
            if delivery.locked_until is not None and delivery.locked_until > now:
                raise ConflictError(
                    f"Webhook delivery {delivery_id} is being attempted right now; "
                    "retry in a moment.",
                    code="webhook_delivery_in_progress",
                )
            delivery.status = DeliveryStatus.PENDING.value
            delivery.attempts = 0
            delivery.next_attempt_at = now
            delivery.delivered_at = None
        return await self.get(tenant_id, delivery_id)

    def _position(
        self, cursor: str | None, bound: Sequence[str | None]
    ) -> tuple[datetime, str] | None:
        if cursor is None:
            return None
        data = self._cursors.verify(cursor, error=InvalidCursorError, param="next_cursor")
        if data.get("f") != [*bound]:
            raise InvalidCursorError(
                "This cursor was issued for another filter set; repeat the original query "
                "parameters with next_cursor.",
                param="next_cursor",
            )
        try:
            return datetime.fromisoformat(str(data["c"])), str(data["i"])
        except (KeyError, ValueError):
            raise InvalidCursorError(
                "The cursor is invalid or was tampered with.", param="next_cursor"
            ) from None
