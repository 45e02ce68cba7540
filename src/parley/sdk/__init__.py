"""Parley's Python SDK: `Client` and `AsyncClient` for Parley's own HTTP API (docs/sdk.md).

It stands on `parley.unified` (the answers' models), `parley.errors` (what it raises) and
`parley.types` only: no server code is imported, so it runs wherever httpx does.
Models of the other answers are in `parley.sdk.models` and `parley.sdk.insight_models`;
webhook deliveries are checked with `parley.sdk.webhooks.verify`.
"""

from __future__ import annotations

from parley.sdk.async_client import AsyncClient
from parley.sdk.calls import AsyncPaginator, Call, Paginator
from parley.sdk.client import Client
from parley.sdk.retry import RetryPolicy
from parley.sdk.webhooks import WebhookVerificationError

__all__ = [
    "AsyncClient",
    "AsyncPaginator",
    "Call",
    "Client",
    "Paginator",
    "RetryPolicy",
    "WebhookVerificationError",
]
