"""Seams for the http tests: a fake clock, a recording limiter and a virtual-time event loop."""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest

from parley.http.client import HttpOptions, ResilientClient
from parley.http.ratelimit import RateLimiter, RateLimitState
from parley.http.retry import RetryPolicy

T = TypeVar("T")

WALL_NOW = datetime(2025, 3, 4, 12, 0, 0, tzinfo=UTC)
BASE_URL = "https://provider.test"


class FakeClock:
    """A monotonic clock whose sleep records the wait and jumps time instead of sleeping."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


class RecordingLimiter:
    """A RateLimiter that never waits and remembers what the client told it."""

    def __init__(self) -> None:
        self.acquired = 0
        self.successes = 0
        self.rate_limited: list[float | None] = []

    async def acquire(self, key: str) -> None:
        self.acquired += 1

    async def on_success(self, key: str) -> None:
        self.successes += 1

    async def on_rate_limited(self, key: str, retry_after: float | None) -> None:
        self.rate_limited.append(retry_after)

    def state(self, key: str) -> RateLimitState:
        return RateLimitState(limit=7, remaining=3, reset=0.5)


class Scripted:
    """A MockTransport handler answering from a script; an exception in it is raised instead."""

    def __init__(self, *steps: httpx.Response | Exception) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        # The last step repeats, so "always 503" is one step.
        step = self.steps[min(len(self.requests), len(self.steps)) - 1]
        if isinstance(step, Exception):
            raise step
        return step

    @property
    def calls(self) -> int:
        return len(self.requests)


class _VirtualSelector(selectors.DefaultSelector):
    # Waiting for the next timer jumps the loop's clock instead of blocking.
    def __init__(self, loop: VirtualTimeLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[Any]:
        if timeout is None:
            raise RuntimeError("virtual-time loop has nothing scheduled: the simulation deadlocked")
        if timeout > 0:
            self._loop.virtual_now += timeout
        return super().select(0)


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop on simulated time: asyncio.sleep(30) returns at once, in order."""

    def __init__(self) -> None:
        self.virtual_now = 0.0
        super().__init__(_VirtualSelector(self))

    def time(self) -> float:
        return self.virtual_now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def recording_limiter() -> RecordingLimiter:
    return RecordingLimiter()


@pytest.fixture
def run_virtual() -> Iterator[Callable[[Callable[[], Awaitable[T]]], T]]:
    """Run a coroutine on a fresh virtual-time loop (its `loop.time` is the clock to inject)."""
    loop = VirtualTimeLoop()

    def run(main: Callable[[], Awaitable[T]]) -> T:
        async def wrapper() -> T:
            return await main()

        return loop.run_until_complete(wrapper())

    yield run
    loop.close()


@pytest.fixture
async def make_client(
    clock: FakeClock, recording_limiter: RecordingLimiter
) -> AsyncIterator[Callable[..., ResilientClient]]:
    """Build ResilientClients over a MockTransport with fake time; closed after the test."""
    clients: list[ResilientClient] = []

    def make(
        handler: Callable[[httpx.Request], httpx.Response],
        *,
        policy: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        describe: Callable[[httpx.Response], str | None] | None = None,
        scrub: Sequence[str] = (),
    ) -> ResilientClient:
        options = HttpOptions(
            limiter=limiter if limiter is not None else recording_limiter,
            policy=policy if policy is not None else RetryPolicy(jitter=0.0),
            transport=httpx.MockTransport(handler),
            sleep=clock.sleep,
            clock=clock,
            wall_clock=lambda: WALL_NOW,
        )
        client = ResilientClient(
            base_url=BASE_URL,
            limiter_key="account-1",
            options=options,
            describe=describe,
            scrub=scrub,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def scripted() -> type[Scripted]:
    """The Scripted handler class (a fixture, so tests need not import conftest)."""
    return Scripted


@pytest.fixture
def wall_now() -> datetime:
    """The wall time the client sees when it turns an HTTP-date Retry-After into seconds."""
    return WALL_NOW
