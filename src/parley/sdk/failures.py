"""An error response, read back into Parley's one exception tree (pure).

The envelope `{"error": {status, code, message, request_id, remote, param?, retry_after?,
remote_status?, remote_body?}}` becomes the class of `parley.errors` whose machine code it
names (`egress_refused` -> `EgressRefusedError`, `provider_rate_limited` ->
`ProviderRateLimitedError`, …). A code of its own (`meeting_not_found`,
`webhook_not_found`, `scope_requires_store`, …) picks the class of its status, a provider's
when `remote` is true (a remote 404 is a `ProviderNotFoundError`). A body that is not the
envelope (a proxy in front of Parley) is classed by its status alone, with code
`http_<status>`.

Every error keeps the server's `code`, `param`, `request_id` (the envelope's, else the
`X-Request-Id` header) and, for rate limits, `retry_after` (the `Retry-After` header, else
the body's).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from parley import errors
from parley.errors import ParleyError, ProviderError, RateLimitedError

__all__ = ["error_from_response"]

#: Every class of the tree by its machine code.
_BY_CODE: dict[str, type[ParleyError]] = {
    cls.default_code: cls
    for cls in (getattr(errors, name) for name in errors.__all__)
    if isinstance(cls, type) and issubclass(cls, ParleyError)
}
_BY_STATUS: dict[int, type[ParleyError]] = {
    400: errors.InvalidRequestError,
    401: errors.AuthenticationError,
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
    405: errors.InvalidRequestError,
    406: errors.InvalidRequestError,
    409: errors.ConflictError,
    413: errors.PayloadTooLargeError,
    415: errors.InvalidRequestError,
    422: errors.InvalidRequestError,
    429: errors.RateLimitedError,
}
_REMOTE_BY_STATUS: dict[int, type[ParleyError]] = {
    400: errors.ProviderInvalidRequestError,
    401: errors.ProviderAuthError,
    403: errors.ProviderForbiddenError,
    404: errors.ProviderNotFoundError,
    429: errors.ProviderRateLimitedError,
    503: errors.ProviderUnavailableError,
    504: errors.ProviderUnavailableError,
}


def _envelope(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, dict) else None


def _class_of(status: int, code: str | None, remote: bool) -> type[ParleyError]:
    if code is not None and code in _BY_CODE:
        return _BY_CODE[code]
    if remote:
        return _REMOTE_BY_STATUS.get(status, ProviderError)
    return _BY_STATUS.get(status, ParleyError)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def error_from_response(
    status: int, body: bytes, headers: Mapping[str, str], *, retry_after: float | None = None
) -> ParleyError:
    """The exception for an error response (`retry_after`: its `Retry-After`, in seconds)."""
    error = _envelope(body)
    if error is None:
        text = body[:200].decode("utf-8", "replace").strip()
        message = f"HTTP {status}" + (f": {text}" if text else "")
        error = {"code": f"http_{status}", "message": message, "remote": False}
    code = error.get("code") if isinstance(error.get("code"), str) else None
    remote = error.get("remote") is True
    cls = _class_of(status, code, remote)
    message = str(error.get("message") or f"HTTP {status}")
    param = error.get("param") if isinstance(error.get("param"), str) else None
    wait = retry_after if retry_after is not None else _number(error.get("retry_after"))
    exc: ParleyError
    if issubclass(cls, ProviderError):
        remote_body = error.get("remote_body")
        exc = cls(
            message,
            code=code,
            remote_status=error.get("remote_status")
            if isinstance(error.get("remote_status"), int)
            else None,
            remote_body=remote_body
            if isinstance(remote_body, str) or remote_body is None
            else json.dumps(remote_body),
            retry_after=wait,
        )
    elif issubclass(cls, RateLimitedError):
        exc = cls(message, code=code, retry_after=wait)
    else:
        exc = cls(message, code=code)
    exc.param = param
    request_id = error.get("request_id")
    exc.request_id = request_id if isinstance(request_id, str) else headers.get("x-request-id")
    return exc
