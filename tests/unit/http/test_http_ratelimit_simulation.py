"""TokenBucketLimiter against a simulated provider with a hidden rolling-window limit.

The provider accepts at most LIMIT requests in any rolling second and answers 429 (with
`Retry-After: 1` most of the time) otherwise. Everything runs on a virtual-time event loop, so
half a minute of traffic takes a fraction of a second and is deterministic.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import deque
from dataclasses import dataclass, field

from parley.http.ratelimit import TokenBucketLimiter

KEY = "account-1"
LIMIT = 20
CALLERS = 16
REQUESTS = 550
LATENCY = 0.05


@dataclass
class Traffic:
    """What the simulated provider saw and answered."""

    sent: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def share_429(self) -> float:
        return self.statuses.count(429) / len(self.statuses)

    @property
    def throughput(self) -> float:
        return self.statuses.count(200) / self.elapsed / LIMIT


async def simulate(seed: int) -> Traffic:
    """16 callers share one key; each sends, waits ~50 ms, and waits Retry-After after a 429."""
    loop = asyncio.get_running_loop()
    rng = random.Random(seed)
    limiter = TokenBucketLimiter(10.0, clock=loop.time)
    accepted: deque[float] = deque()
    traffic = Traffic()
    budget = REQUESTS
    started = loop.time()

    async def caller() -> None:
        nonlocal budget
        while budget > 0:
            budget -= 1
            await limiter.acquire(KEY)
            traffic.sent.append(loop.time())
            await asyncio.sleep(LATENCY / 2 + rng.uniform(-0.005, 0.005))
            arrived = loop.time()
            while accepted and accepted[0] <= arrived - 1.0:
                accepted.popleft()
            ok = len(accepted) < LIMIT
            if ok:
                accepted.append(arrived)
            await asyncio.sleep(LATENCY / 2 + rng.uniform(-0.005, 0.005))
            traffic.statuses.append(200 if ok else 429)
            if ok:
                await limiter.on_success(KEY)
                continue
            retry_after = 1.0 if rng.random() < 0.7 else None
            await limiter.on_rate_limited(KEY, retry_after)
            await asyncio.sleep(retry_after if retry_after is not None else 0.5)

    await asyncio.gather(*(caller() for _ in range(CALLERS)))
    traffic.elapsed = loop.time() - started
    return traffic


def test_hidden_rolling_limit_is_found_with_few_429s(run_virtual) -> None:
    traffic = run_virtual(lambda: simulate(seed=1))

    assert traffic.share_429 <= 0.03


def test_hidden_rolling_limit_is_used_to_at_least_87_percent(run_virtual) -> None:
    traffic = run_virtual(lambda: simulate(seed=2))

    assert traffic.throughput >= 0.87


def test_sends_are_evenly_spaced_once_settled(run_virtual) -> None:
    traffic = run_virtual(lambda: simulate(seed=3))

    settled = [t for t in traffic.sent if t > traffic.sent[0] + 5.0]
    gaps = [later - earlier for earlier, later in itertools.pairwise(settled)]
    # Never faster than the limit allows: a burst is what trips a rolling window.
    assert min(gaps) >= 1.0 / LIMIT
