"""classify, parse_retry_after and RetryPolicy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from parley.http.retry import Decision, RetryPolicy, classify, parse_retry_after

NOW = datetime(2025, 3, 4, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", [200, 201, 204, 301, 302, 304])
def test_2xx_and_3xx_are_success(status: int) -> None:
    assert classify(httpx.Response(status)) is Decision.SUCCESS


def test_429_is_rate_limited() -> None:
    assert classify(httpx.Response(429)) is Decision.RATE_LIMITED


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_transient_server_errors_are_retried(status: int) -> None:
    assert classify(httpx.Response(status)) is Decision.RETRY


@pytest.mark.parametrize(
    ("status", "decision"),
    [(401, Decision.AUTH), (403, Decision.FORBIDDEN), (404, Decision.NOT_FOUND)],
)
def test_auth_forbidden_and_not_found_have_their_own_decision(
    status: int, decision: Decision
) -> None:
    assert classify(httpx.Response(status)) is decision


@pytest.mark.parametrize("status", [405, 409, 410, 413])
def test_other_client_errors_fail(status: int) -> None:
    assert classify(httpx.Response(status)) is Decision.FAIL


@pytest.mark.parametrize("status", [400, 422])
def test_a_request_the_provider_refuses_as_invalid_is_the_caller_s_to_fix(status: int) -> None:
    assert classify(httpx.Response(status)) is Decision.INVALID


@pytest.mark.parametrize("status", [501, 505])
def test_server_errors_about_the_request_itself_fail(status: int) -> None:
    assert classify(httpx.Response(status)) is Decision.FAIL


@pytest.mark.parametrize(("value", "seconds"), [("1", 1.0), (" 120 ", 120.0), ("2.5", 2.5)])
def test_retry_after_delta_seconds(value: str, seconds: float) -> None:
    assert parse_retry_after(value) == seconds


def test_retry_after_negative_seconds_clamp_to_zero() -> None:
    assert parse_retry_after("-5") == 0.0


def test_retry_after_http_date_is_seconds_from_now() -> None:
    value = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(value, now=NOW) == 30.0


def test_retry_after_http_date_in_the_past_clamps_to_zero() -> None:
    value = format_datetime(NOW - timedelta(minutes=5), usegmt=True)
    assert parse_retry_after(value, now=NOW) == 0.0


def test_retry_after_http_date_compares_with_naive_now_as_utc() -> None:
    value = "Tue, 04 Mar 2025 12:00:10 GMT"
    assert parse_retry_after(value, now=NOW.replace(tzinfo=None)) == 10.0


@pytest.mark.parametrize("value", [None, "", "   ", "soon", "1e3", "nan", "Mon, 99 Foo 2025"])
def test_retry_after_garbage_is_none(value: str | None) -> None:
    assert parse_retry_after(value, now=NOW) is None


def test_backoff_doubles_up_to_max_delay_without_jitter() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=3.0, jitter=0.0)
    assert [policy.backoff(attempt) for attempt in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_backoff_jitter_stays_within_its_fraction() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=30.0, jitter=0.5)
    delays = [policy.backoff(3) for _ in range(200)]
    assert all(2.0 <= delay <= 4.0 for delay in delays)
    assert len(set(delays)) > 1


def test_backoff_of_a_huge_attempt_is_capped_not_overflowing() -> None:
    assert RetryPolicy(jitter=0.0).backoff(10_000) == 30.0


@pytest.mark.parametrize("kwargs", [{"max_attempts": 0}, {"jitter": 1.5}, {"base_delay": -1.0}])
def test_policy_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
