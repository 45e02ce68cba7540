"""The Chorus sandbox on a real local socket, and connectors pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest

from parley.http import HttpOptions, RetryPolicy, TokenBucketLimiter
from parley.providers.base import Credentials, MediaKind
from parley.providers.chorus import ChorusFactory, ChorusProvider
from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer

# Tiny delays keep fault scenarios fast; many attempts absorb 20% injected 5xx plus 429s.
# The generous timeout is for loaded CI machines: the sandbox shares this process's GIL.
FAST_RETRY = RetryPolicy(max_attempts=20, max_total_time=120.0, base_delay=0.01, max_delay=0.2)

Connect = Callable[..., AbstractAsyncContextManager[ChorusProvider]]


def playback(meeting_id: str, kind: MediaKind) -> str:
    """A stand-in for Parley's stable recording link."""
    return f"https://parley.test/meetings/{meeting_id}/recording?kind={kind}"


@asynccontextmanager
async def connected(
    sandbox: SandboxServer,
    *,
    token: str | None = None,
    rate: float = 200.0,
    min_rate: float = 0.5,
    policy: RetryPolicy = FAST_RETRY,
    **connect_args: Any,
) -> AsyncIterator[ChorusProvider]:
    """A ChorusProvider bound to the sandbox (closed on exit)."""
    limiter = TokenBucketLimiter(rate, min_rate=min_rate)
    options = HttpOptions(limiter=limiter, policy=policy, timeout=60.0)
    provider = ChorusFactory().connect(
        Credentials(api_token=token or sandbox.token),
        base_url=sandbox.url,
        limiter_key=f"chorus:{sandbox.url}",
        http=options,
        **connect_args,
    )
    try:
        yield provider
    finally:
        await provider.aclose()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """One fault-free sandbox (250 meetings) shared by a module's read-only tests."""
    with SandboxServer(SandboxConfig(seed=7, meetings=250)) as server:
        yield server


@pytest.fixture
def connect() -> Connect:
    """`async with connect(sandbox, ...) as provider:`."""
    return connected
