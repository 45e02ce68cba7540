"""The provider part of Server-Timing: wall time with a provider send in flight."""

from __future__ import annotations

import asyncio
import time

import httpx

from parley.http import HttpOptions, ResilientClient, TokenBucketLimiter
from parley.http.timing import provider_send, timing


def test_sends_outside_a_request_are_not_timed() -> None:
    with provider_send():
        pass
    with timing() as timer:
        pass

    assert timer.seconds == 0


async def test_overlapping_sends_count_once() -> None:
    async def send(delay: float) -> None:
        with provider_send():
            await asyncio.sleep(delay)

    started = time.perf_counter()
    with timing() as timer:
        await asyncio.gather(send(0.02), send(0.02), send(0.02))
    elapsed = time.perf_counter() - started

    # Three concurrent sends of 20 ms: about 20 ms of provider time, never 60.
    assert 0 < timer.seconds <= elapsed


async def test_each_attempt_of_the_resilient_client_is_timed() -> None:
    answers = iter([httpx.Response(503), httpx.Response(200, json={})])
    transport = httpx.MockTransport(lambda request: next(answers))
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    options = HttpOptions(limiter=TokenBucketLimiter(1000), transport=transport, sleep=sleep)
    with timing() as timer:
        async with ResilientClient(base_url="http://p", limiter_key="k", options=options) as c:
            await c.request_json("GET", "/x")

    assert waits  # one retry, after a backoff that is not provider time
    assert timer.seconds > 0
