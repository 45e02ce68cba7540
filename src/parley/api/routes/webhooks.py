"""Outgoing webhooks: subscriptions, test events, the delivery log and redelivery."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from parley.api import render
from parley.api.deps import CurrentTenant, RuntimeDep
from parley.api.params import reject_unknown
from parley.webhooks import DeliveryQuery, DeliveryView, WebhookView

__all__ = ["router"]

router = APIRouter(tags=["webhooks"])
_DELIVERY_PARAMS = ("webhook_id", "status", "event_type", "limit", "next_cursor")


class CreateWebhookRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        ..., description="Your endpoint: an absolute https URL (http only for PARLEY_EGRESS_ALLOW)."
    )
    events: list[str] = Field(
        ..., description='Event types to receive, e.g. `meeting.created`; `["*"]` for all.'
    )


class UpdateWebhookRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, description="A new endpoint (the same rules as on create).")
    events: list[str] | None = Field(None, description='New event types; `["*"]` for all.')
    enabled: bool | None = Field(
        None,
        description="`false` pauses the subscription (no deliveries, queued ones wait); "
        "`true` resumes it.",
    )


def _json(view: WebhookView | DeliveryView) -> dict[str, Any]:
    data: dict[str, Any] = view.model_dump(mode="json", exclude_none=False)
    return data


def _delivery(view: DeliveryView) -> dict[str, Any]:
    data = _json(view)
    if view.payload is None:
        data.pop("payload")
    return data


@router.post("/webhooks", status_code=201, summary="Create a webhook subscription")
async def create_webhook(
    body: CreateWebhookRequest, tenant: CurrentTenant, runtime: RuntimeDep
) -> dict[str, Any]:
    """The subscription with its signing `secret` (`whsec_…`), shown this once only."""
    view = await runtime.webhooks.subscriptions.create(tenant.id, body.url, body.events)
    return view.model_dump(mode="json")


@router.get("/webhooks", summary="List webhook subscriptions")
async def list_webhooks(
    request: Request, tenant: CurrentTenant, runtime: RuntimeDep
) -> dict[str, Any]:
    """Every subscription of your tenant, newest first (secrets are never listed)."""
    reject_unknown(request, (), unified=False)
    result = [_json(view) for view in await runtime.webhooks.subscriptions.list(tenant.id)]
    return render.envelope(result)


@router.get("/webhooks/{webhook_id}", summary="Get a webhook subscription")
async def get_webhook(
    request: Request, tenant: CurrentTenant, runtime: RuntimeDep, webhook_id: str = Path(...)
) -> dict[str, Any]:
    """One subscription (another tenant's id answers 404)."""
    reject_unknown(request, (), unified=False)
    return _json(await runtime.webhooks.subscriptions.get(tenant.id, webhook_id))


@router.patch("/webhooks/{webhook_id}", summary="Update, pause or resume a subscription")
async def update_webhook(
    body: UpdateWebhookRequest,
    tenant: CurrentTenant,
    runtime: RuntimeDep,
    webhook_id: str = Path(...),
) -> dict[str, Any]:
    """Change `url` or `events`, or set `enabled`; the signing secret stays the same."""
    view = await runtime.webhooks.subscriptions.update(
        tenant.id, webhook_id, url=body.url, events=body.events, enabled=body.enabled
    )
    return _json(view)


@router.delete("/webhooks/{webhook_id}", summary="Delete a webhook subscription")
async def delete_webhook(
    tenant: CurrentTenant, runtime: RuntimeDep, webhook_id: str = Path(...)
) -> dict[str, Any]:
    """Stop sending to it; its deliveries and their log are deleted with it."""
    await runtime.webhooks.subscriptions.delete(tenant.id, webhook_id)
    return {"id": webhook_id}


@router.post("/webhooks/{webhook_id}/test", summary="Send a test event")
async def send_test_event(
    tenant: CurrentTenant, runtime: RuntimeDep, webhook_id: str = Path(...)
) -> dict[str, Any]:
    """Send a signed `webhook.test` event now; answers its delivery, with the attempt made."""
    webhooks = runtime.webhooks
    delivery_id = await webhooks.subscriptions.send_test(tenant.id, webhook_id)
    return _delivery(await webhooks.deliveries.get(tenant.id, delivery_id))


@router.get("/webhook-deliveries", summary="List webhook deliveries")
async def list_deliveries(
    request: Request,
    tenant: CurrentTenant,
    runtime: RuntimeDep,
    webhook_id: str | None = Query(None, description="Only this subscription's deliveries."),
    status: str | None = Query(None, description="`pending`, `succeeded` or `failed`."),
    event_type: str | None = Query(None, description="Only this event type."),
    limit: int = Query(50, ge=1, le=100, description="Page size."),
    next_cursor: str | None = Query(None, description="From the previous page."),
) -> dict[str, Any]:
    """The delivery log, newest first, each delivery with every attempt."""
    reject_unknown(request, _DELIVERY_PARAMS, unified=False)
    query = DeliveryQuery(
        webhook_id=webhook_id,
        status=status,
        event_type=event_type,
        limit=limit,
        cursor=next_cursor,
    )
    views, cursor = await runtime.webhooks.deliveries.list(tenant.id, query)
    result = [_delivery(view) for view in views]
    return render.envelope(result, cursor)


@router.get("/webhook-deliveries/{delivery_id}", summary="Get a webhook delivery")
async def get_delivery(
    request: Request, tenant: CurrentTenant, runtime: RuntimeDep, delivery_id: str = Path(...)
) -> dict[str, Any]:
    """One delivery with its attempts and the `payload` it sends."""
    reject_unknown(request, (), unified=False)
    return _delivery(await runtime.webhooks.deliveries.get(tenant.id, delivery_id))


@router.post("/webhook-deliveries/{delivery_id}/redeliver", summary="Redeliver")
async def redeliver(
    tenant: CurrentTenant, runtime: RuntimeDep, delivery_id: str = Path(...)
) -> dict[str, Any]:
    """Queue the delivery again now (same `webhook-id`, a fresh retry schedule)."""
    return _delivery(await runtime.webhooks.deliveries.redeliver(tenant.id, delivery_id))
