"""Parley's one exception tree, grouped by how a caller recovers.

    ParleyError                      500 internal_error
    ├── InvalidRequestError          400 invalid_request      fix the request
    │   ├── InvalidCursorError       400 invalid_cursor
    │   ├── UnsupportedFilterError   400 unsupported_filter
    │   └── EgressRefusedError       400 egress_refused       a destination Parley will not call
    ├── AuthenticationError          401 unauthorized          send a valid Parley key
    ├── PermissionDeniedError        403 forbidden
    ├── NotFoundError                404 not_found             the object is not there (for you)
    ├── ConflictError                409 conflict
    │   ├── SyncBusyError            409 sync_in_progress      wait for the account's sync
    │   └── LeaseLostError           409 sync_lease_lost       another worker took the sync over
    ├── PayloadTooLargeError         413 payload_too_large     send a smaller body
    ├── RateLimitedError             429 rate_limited          wait `retry_after` seconds
    │   └── ProviderRateLimitedError 429 provider_rate_limited (also a ProviderError)
    └── ProviderError                502 provider_error        the provider caused it (remote)
        ├── ProviderInvalidRequestError 400 provider_invalid_request  the provider refused a value
        ├── ProviderAuthError        401 provider_auth_failed  relink the account
        ├── ProviderForbiddenError   403 provider_forbidden
        ├── ProviderNotFoundError    404 remote_not_found
        ├── ProviderRateLimitedError 429 provider_rate_limited (also a RateLimitedError)
        ├── ProviderUnavailableError 503 provider_unavailable  retry later (5xx, timeouts)
        └── ProviderResponseError    502 provider_bad_response the provider sent garbage

`ProviderRateLimitedError` is both: `except RateLimitedError` catches every "wait and retry",
ours or the provider's, and it keeps what a ProviderError says (`remote`, `remote_status`,
`remote_body`).

Messages never contain credentials: callers build them from ids and provider details only.

`request_id` is None on the server (its envelope adds the request's id itself); the SDK
(`parley.sdk`) sets it on the errors it raises, from the error envelope.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AuthenticationError",
    "ConflictError",
    "EgressRefusedError",
    "InvalidCursorError",
    "InvalidRequestError",
    "LeaseLostError",
    "NotFoundError",
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
    "SyncBusyError",
    "UnsupportedFilterError",
]


class ParleyError(Exception):
    """Base of every error Parley raises on purpose."""

    status: ClassVar[int] = 500
    default_code: ClassVar[str] = "internal_error"
    #: The `request_id` of the response that carried this error (set by the SDK only).
    request_id: str | None = None

    def __init__(self, message: str, *, code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.param = param

    @property
    def remote(self) -> bool:
        return False

    def to_dict(self) -> dict[str, Any]:
        """The body of the error envelope (without request id)."""
        body: dict[str, Any] = {
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "remote": self.remote,
        }
        if self.param is not None:
            body["param"] = self.param
        return body


class InvalidRequestError(ParleyError):
    status = 400
    default_code = "invalid_request"


class InvalidCursorError(InvalidRequestError):
    default_code = "invalid_cursor"


class UnsupportedFilterError(InvalidRequestError):
    default_code = "unsupported_filter"


class EgressRefusedError(InvalidRequestError):
    """A URL or address the egress policy refuses (`parley.security.egress`); nothing was sent."""

    default_code = "egress_refused"


class AuthenticationError(ParleyError):
    status = 401
    default_code = "unauthorized"


class PermissionDeniedError(ParleyError):
    status = 403
    default_code = "forbidden"


class NotFoundError(ParleyError):
    status = 404
    default_code = "not_found"


class ConflictError(ParleyError):
    status = 409
    default_code = "conflict"


class SyncBusyError(ConflictError):
    """Another sync of the same account holds its lease."""

    default_code = "sync_in_progress"


class LeaseLostError(ConflictError):
    """Another worker took the account's sync lease over (ours had expired)."""

    default_code = "sync_lease_lost"


class PayloadTooLargeError(ParleyError):
    status = 413
    default_code = "payload_too_large"


class RateLimitedError(ParleyError):
    status = 429
    default_code = "rate_limited"

    def __init__(
        self, message: str, *, retry_after: float | None = None, code: str | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        return body


class ProviderError(ParleyError):
    """The provider caused it; `remote_status`/`remote_body` say what it answered."""

    status = 502
    default_code = "provider_error"

    def __init__(
        self,
        message: str,
        *,
        remote_status: int | None = None,
        remote_body: str | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        # Cooperative: for ProviderRateLimitedError the next class is RateLimitedError.
        super().__init__(message, code=code)
        self.remote_status = remote_status
        self.remote_body = remote_body
        self.retry_after = retry_after

    @property
    def remote(self) -> bool:
        return True

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["remote_status"] = self.remote_status
        body["remote_body"] = self.remote_body
        return body


class ProviderInvalidRequestError(ProviderError):
    """The provider answered 400/422: it refused a value Parley passed on (e.g. a filter)."""

    status = 400
    default_code = "provider_invalid_request"


class ProviderAuthError(ProviderError):
    status = 401
    default_code = "provider_auth_failed"


class ProviderForbiddenError(ProviderError):
    status = 403
    default_code = "provider_forbidden"


class ProviderNotFoundError(ProviderError):
    status = 404
    default_code = "remote_not_found"


class ProviderRateLimitedError(ProviderError, RateLimitedError):
    """The provider's 429: a RateLimitedError that keeps the ProviderError fields."""

    status = 429
    default_code = "provider_rate_limited"


class ProviderUnavailableError(ProviderError):
    status = 503
    default_code = "provider_unavailable"


class ProviderResponseError(ProviderError):
    status = 502
    default_code = "provider_bad_response"
