"""Parley: a self-hosted unified Conversational Intelligence API.

The package's public surface is the Python SDK (`parley.sdk`): `Client`, `AsyncClient` and
what they return and raise (the `parley.errors` tree).
"""

from __future__ import annotations

from parley.errors import (
    AuthenticationError,
    ConflictError,
    EgressRefusedError,
    InvalidCursorError,
    InvalidRequestError,
    LeaseLostError,
    NotFoundError,
    ParleyError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ProviderAuthError,
    ProviderError,
    ProviderForbiddenError,
    ProviderInvalidRequestError,
    ProviderNotFoundError,
    ProviderRateLimitedError,
    ProviderResponseError,
    ProviderUnavailableError,
    RateLimitedError,
    SyncBusyError,
    UnsupportedFilterError,
)
from parley.sdk import (
    AsyncClient,
    AsyncPaginator,
    Call,
    Client,
    Paginator,
    RetryPolicy,
    WebhookVerificationError,
)

__all__ = [
    "AsyncClient",
    "AsyncPaginator",
    "AuthenticationError",
    "Call",
    "Client",
    "ConflictError",
    "EgressRefusedError",
    "InvalidCursorError",
    "InvalidRequestError",
    "LeaseLostError",
    "NotFoundError",
    "Paginator",
    "ParleyError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "ProviderAuthError",
    "ProviderError",
    "ProviderForbiddenError",
    "ProviderInvalidRequestError",
    "ProviderNotFoundError",
    "ProviderRateLimitedError",
    "ProviderResponseError",
    "ProviderUnavailableError",
    "RateLimitedError",
    "RetryPolicy",
    "SyncBusyError",
    "UnsupportedFilterError",
    "WebhookVerificationError",
]
__version__ = "0.1.0"
