"""ResilientClient: what it retries, how long it waits, and when it gives up."""

from __future__ import annotations

import logging
from datetime import timedelta
from email.utils import format_datetime

import httpx
import pytest

from parley.errors import ProviderRateLimitedError, ProviderUnavailableError
from parley.http.ratelimit import TokenBucketLimiter
from parley.http.retry import RetryPolicy


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_retryable_status_is_retried_then_succeeds(make_client, scripted, status) -> None:
    handler = scripted(httpx.Response(status), httpx.Response(200, json={"ok": True}))
    client = make_client(handler)

    response = await client.request("GET", "/v3/engagements")

    assert response.status_code == 200
    assert handler.calls == 2


async def test_retry_after_seconds_is_waited_exactly(make_client, scripted, clock) -> None:
    handler = scripted(
        httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json={})
    )
    await make_client(handler).request("GET", "/v3/engagements")

    assert clock.sleeps == [7.0]


async def test_retry_after_http_date_is_waited_until_that_time(
    make_client, scripted, clock, wall_now
) -> None:
    date = format_datetime(wall_now + timedelta(seconds=12), usegmt=True)
    handler = scripted(
        httpx.Response(503, headers={"Retry-After": date}), httpx.Response(200, json={})
    )
    await make_client(handler).request("GET", "/v3/engagements")

    assert clock.sleeps == [12.0]


async def test_backoff_doubles_between_attempts_without_retry_after(
    make_client, scripted, clock
) -> None:
    handler = scripted(
        httpx.Response(502), httpx.Response(502), httpx.Response(502), httpx.Response(200)
    )
    client = make_client(handler, policy=RetryPolicy(base_delay=0.5, jitter=0.0))
    await client.request("GET", "/v3/engagements")

    assert clock.sleeps == [0.5, 1.0, 2.0]


async def test_gives_up_after_max_attempts_with_unavailable_error(make_client, scripted) -> None:
    handler = scripted(httpx.Response(503, text="maintenance"))
    client = make_client(handler, policy=RetryPolicy(max_attempts=3, jitter=0.0))

    with pytest.raises(ProviderUnavailableError) as caught:
        await client.request("GET", "/v3/engagements")

    assert handler.calls == 3
    assert caught.value.remote_status == 503
    assert caught.value.remote_body == "maintenance"


async def test_gives_up_when_the_wait_would_exceed_total_time(make_client, scripted, clock) -> None:
    handler = scripted(httpx.Response(429, headers={"Retry-After": "50"}))
    client = make_client(handler, policy=RetryPolicy(max_total_time=10.0))

    with pytest.raises(ProviderRateLimitedError) as caught:
        await client.request("GET", "/v3/engagements")

    assert handler.calls == 1
    assert clock.sleeps == []
    assert caught.value.retry_after == 50.0


async def test_total_time_counts_the_waits_already_spent(make_client, scripted, clock) -> None:
    handler = scripted(httpx.Response(429, headers={"Retry-After": "4"}))
    client = make_client(handler, policy=RetryPolicy(max_attempts=100, max_total_time=10.0))

    with pytest.raises(ProviderRateLimitedError):
        await client.request("GET", "/v3/engagements")

    assert clock.sleeps == [4.0, 4.0]
    assert handler.calls == 3


async def test_timeout_is_retried_then_succeeds(make_client, scripted) -> None:
    handler = scripted(httpx.ReadTimeout("slow"), httpx.Response(200, json={}))

    response = await make_client(handler).request("GET", "/v3/engagements")

    assert response.status_code == 200
    assert handler.calls == 2


async def test_connection_errors_exhaust_into_unavailable_error(make_client, scripted) -> None:
    handler = scripted(httpx.ConnectError("refused"))
    client = make_client(handler, policy=RetryPolicy(max_attempts=2, jitter=0.0))

    with pytest.raises(ProviderUnavailableError) as caught:
        await client.request("GET", "/v3/engagements")

    assert handler.calls == 2
    assert caught.value.remote_status is None
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


async def test_429_is_reported_to_the_limiter_with_its_retry_after(
    make_client, scripted, recording_limiter
) -> None:
    handler = scripted(
        httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(429), httpx.Response(200)
    )
    await make_client(handler).request("GET", "/v3/engagements")

    assert recording_limiter.rate_limited == [3.0, None]
    assert recording_limiter.successes == 1
    assert recording_limiter.acquired == 3


async def test_5xx_is_neither_success_nor_rate_limit_for_the_limiter(
    make_client, scripted, recording_limiter
) -> None:
    handler = scripted(httpx.Response(500), httpx.Response(200))
    await make_client(handler).request("GET", "/v3/engagements")

    assert recording_limiter.successes == 1
    assert recording_limiter.rate_limited == []


async def test_limiter_pause_holds_the_retry_back(make_client, scripted, clock) -> None:
    limiter = TokenBucketLimiter(100.0, clock=clock, sleep=clock.sleep)
    # Three 429s in a row: a limit (refusals clustering), so the limiter pauses the key.
    handler = scripted(*[httpx.Response(429)] * 3, httpx.Response(200))
    client = make_client(handler, limiter=limiter, policy=RetryPolicy(base_delay=0.1, jitter=0))
    started = clock.now

    await client.request("GET", "/v3/engagements")

    # Backoffs 0.1 and 0.2 s; after the third 429 the client's own 0.4 s is held back to the
    # limiter's default pause of 0.5 s.
    assert clock.now - started == pytest.approx(0.1 + 0.2 + 0.5)


async def test_a_lone_429_delays_only_its_own_retry_by_retry_after(
    make_client, scripted, clock
) -> None:
    limiter = TokenBucketLimiter(100.0, clock=clock, sleep=clock.sleep)
    handler = scripted(httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(200))
    client = make_client(handler, limiter=limiter)
    started = clock.now

    await client.request("GET", "/v3/engagements")

    assert clock.now - started == pytest.approx(1.0)
    assert clock.sleeps == [1.0]
    assert limiter.rate("account-1") == 100.0
    assert limiter.state("account-1").remaining > 0


async def test_retry_is_logged_with_method_path_and_status_only(
    make_client, scripted, caplog
) -> None:
    handler = scripted(httpx.Response(503), httpx.Response(200))
    client = make_client(handler)
    caplog.set_level(logging.DEBUG, logger="parley.http")

    await client.request(
        "GET", "/v3/engagements", params={"api_key": "s3cr3t"}, headers={"Authorization": "x"}
    )

    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "GET /v3/engagements" in logged
    assert "HTTP 503" in logged
    assert "s3cr3t" not in logged
    assert "api_key" not in logged
    assert "Authorization" not in logged
