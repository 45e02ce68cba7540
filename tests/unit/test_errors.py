"""The error tree: where each error sits decides which `except` catches it."""

from __future__ import annotations

import json

from parley.api.errors import error_response
from parley.errors import (
    ConflictError,
    LeaseLostError,
    ProviderError,
    ProviderRateLimitedError,
    RateLimitedError,
    SyncBusyError,
)


def _provider_429() -> ProviderRateLimitedError:
    return ProviderRateLimitedError(
        "Chorus is rate limiting this account.",
        remote_status=429,
        remote_body='{"errors": []}',
        retry_after=7.2,
    )


def test_a_provider_429_is_caught_as_a_rate_limit_and_as_a_provider_error() -> None:
    error = _provider_429()

    assert isinstance(error, RateLimitedError)
    assert isinstance(error, ProviderError)
    assert (error.status, error.code, error.retry_after) == (429, "provider_rate_limited", 7.2)


def test_a_provider_429_keeps_its_remote_fields_in_the_envelope() -> None:
    response = error_response(_provider_429())

    body = json.loads(response.body)["error"]
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert (body["code"], body["remote"], body["remote_status"]) == (
        "provider_rate_limited",
        True,
        429,
    )
    assert body["remote_body"] == '{"errors": []}'


def test_our_own_rate_limit_is_not_remote() -> None:
    response = error_response(RateLimitedError("Slow down.", retry_after=2))

    body = json.loads(response.body)["error"]
    assert (response.status_code, response.headers["retry-after"]) == (429, "2")
    assert (body["code"], body["remote"]) == ("rate_limited", False)
    assert "remote_status" not in body


def test_the_sync_conflicts_are_conflicts() -> None:
    for error, code in (
        (SyncBusyError("busy"), "sync_in_progress"),
        (LeaseLostError("lost"), "sync_lease_lost"),
    ):
        assert isinstance(error, ConflictError)
        assert (error.status, error.code) == (409, code)
