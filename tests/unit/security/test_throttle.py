"""The GCRA token bucket behind each API key's request budget (security.throttle)."""

from __future__ import annotations

import pytest

from parley.security.throttle import MemoryKeyRateLimiter, admit


def test_a_fresh_key_may_burst_then_waits_one_interval() -> None:
    tat, waits = 0.0, []
    for _ in range(4):
        verdict = admit(tat, 10.0, rate=2, burst=3)
        tat, waits = verdict.tat, [*waits, verdict.wait]

    assert waits == [0, 0, 0, pytest.approx(0.5)]
    assert tat == pytest.approx(11.5)  # three intervals of 0.5 s ahead of now


def test_a_refusal_changes_nothing_and_time_refills() -> None:
    full = admit(11.5, 10.0, rate=2, burst=3)
    assert full == admit(11.5, 10.0, rate=2, burst=3)
    assert full.tat == 11.5

    later = admit(11.5, 10.5, rate=2, burst=3)
    assert (later.wait, later.tat) == (0.0, 12.0)


def test_an_idle_key_is_as_good_as_new() -> None:
    assert admit(5.0, 1000.0, rate=2, burst=3) == admit(1000.0, 1000.0, rate=2, burst=3)


async def test_the_memory_limiter_keeps_a_bucket_per_key() -> None:
    now = [0.0]
    limiter = MemoryKeyRateLimiter(1, 2, clock=lambda: now[0])

    a = [await limiter.admit("a") for _ in range(3)]
    b = await limiter.admit("b")
    now[0] = 1.0
    a_later = await limiter.admit("a")

    assert a == [0, 0, pytest.approx(1.0)]
    assert (b, a_later) == (0, 0)


async def test_unknown_keys_cannot_grow_memory_past_the_bound() -> None:
    limiter = MemoryKeyRateLimiter(1, 1, max_keys=3, clock=lambda: 0.0)
    await limiter.admit("busy")

    for n in range(100):
        await limiter.admit(f"sprayed-{n}")
        await limiter.admit("busy")  # recently used: kept

    assert len(limiter) == 3
    assert await limiter.admit("busy") > 0


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0)])
def test_a_limiter_needs_a_positive_rate_and_burst(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        MemoryKeyRateLimiter(rate, burst)
