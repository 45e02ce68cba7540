"""Error envelopes read back into the one error tree, with status, code and request id."""

from __future__ import annotations

import json
from typing import Any

import pytest

from parley import errors
from parley.sdk.failures import error_from_response


def _body(status: int, code: str, *, remote: bool = False, **extra: Any) -> bytes:
    error = {"status": status, "code": code, "message": f"{code}!", "request_id": "req_1"}
    return json.dumps({"error": {**error, "remote": remote, **extra}}).encode()


@pytest.mark.parametrize(
    ("status", "code", "remote", "cls"),
    [
        (404, "not_found", False, errors.NotFoundError),
        (404, "meeting_not_found", False, errors.NotFoundError),
        (404, "integrated_account_not_found", False, errors.NotFoundError),
        (400, "invalid_cursor", False, errors.InvalidCursorError),
        (400, "unsupported_filter", False, errors.UnsupportedFilterError),
        (400, "egress_refused", False, errors.EgressRefusedError),
        (400, "unknown_parameter", False, errors.InvalidRequestError),
        (401, "unauthorized", False, errors.AuthenticationError),
        (403, "forbidden", False, errors.PermissionDeniedError),
        (409, "sync_in_progress", False, errors.SyncBusyError),
        (409, "integrated_account_disabled", False, errors.ConflictError),
        (413, "payload_too_large", False, errors.PayloadTooLargeError),
        (429, "rate_limited", False, errors.RateLimitedError),
        (429, "provider_rate_limited", True, errors.ProviderRateLimitedError),
        (401, "provider_auth_failed", True, errors.ProviderAuthError),
        (403, "provider_forbidden", True, errors.ProviderForbiddenError),
        (404, "remote_not_found", True, errors.ProviderNotFoundError),
        (404, "something_remote", True, errors.ProviderNotFoundError),
        (503, "provider_unavailable", True, errors.ProviderUnavailableError),
        (502, "provider_bad_response", True, errors.ProviderResponseError),
        (502, "provider_error", True, errors.ProviderError),
        (500, "internal_error", False, errors.ParleyError),
    ],
)
def test_codes_and_statuses_pick_the_class(
    status: int, code: str, remote: bool, cls: type[errors.ParleyError]
) -> None:
    error = error_from_response(status, _body(status, code, remote=remote), {})
    assert type(error) is cls
    assert (error.code, error.request_id, error.message) == (code, "req_1", f"{code}!")
    assert error.status == cls.status
    assert error.remote is remote


def test_a_rate_limit_keeps_retry_after_from_the_header_or_the_body() -> None:
    body = _body(429, "rate_limited", retry_after=3)
    from_body = error_from_response(429, body, {})
    from_header = error_from_response(429, body, {}, retry_after=5.0)
    assert isinstance(from_body, errors.RateLimitedError)
    assert isinstance(from_header, errors.RateLimitedError)
    assert (from_body.retry_after, from_header.retry_after) == (3.0, 5.0)


def test_a_provider_error_keeps_what_the_provider_answered() -> None:
    body = _body(
        429, "provider_rate_limited", remote=True, remote_status=429, remote_body='{"e": 1}'
    )
    error = error_from_response(429, body, {}, retry_after=2.0)
    assert isinstance(error, errors.ProviderRateLimitedError)
    assert isinstance(error, errors.RateLimitedError)  # except RateLimitedError catches both
    assert (error.remote_status, error.remote_body, error.retry_after) == (429, '{"e": 1}', 2.0)


def test_param_is_kept() -> None:
    error = error_from_response(400, _body(400, "invalid_request", param="limit"), {})
    assert error.param == "limit"


def test_a_body_that_is_not_the_envelope_is_classed_by_status() -> None:
    error = error_from_response(503, b"<html>Bad gateway</html>", {"x-request-id": "req_h"})
    assert type(error) is errors.ParleyError
    assert error.code == "http_503"
    assert error.request_id == "req_h"
    assert "Bad gateway" in error.message
    assert type(error_from_response(404, b"", {})) is errors.NotFoundError


def test_the_server_never_sets_a_request_id_on_its_errors() -> None:
    assert errors.NotFoundError("x").request_id is None
    assert "request_id" not in errors.NotFoundError("x").to_dict()
