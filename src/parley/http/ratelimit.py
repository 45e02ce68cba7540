"""Adaptive per-key rate limiting: paced token bucket, slow start, settle under the real limit.

Not every 429 is about the rate: each one is first classified (`refusals.classify_refusal`),
then acted on. A sporadic one (fewer requests accepted in the window before it than the
provider already accepted in one window, unless 429s became frequent relative to the key's
baseline) changes nothing here: only the refused request waits, for its Retry-After, in the
client's retry loop. One at the highest count seen opens a suspicion; `refusals.CLUSTER`
of those in a few windows, or a 429 share well over the baseline, make a limit, and only a
limit settles the rate and pauses the key as described below.

Providers enforce limits we cannot see (often "R requests in any rolling second"), so the
limiter learns them. Sends are paced one token at a time (no bursts: bursts trip rolling
windows). While demand saturates the bucket (callers wait for tokens and at least half the
rate was used over the last window) and no 429 came, the rate grows fast: slow start,
x`slow_start_factor` per second, credited per success so a stalled process earns nothing.
The first limit counts the accepted requests sent in the window before the refused one was sent
(each task's grant time is remembered, so in-flight latency does not blur the count), sets
the rate just under that
(`settle_factor`), remembers a ceiling a little higher (`ceiling_factor`, never above a rate
that was refused) and pauses the key for Retry-After. Afterwards the rate creeps up by
`recovery_step` per `recovery_interval` of saturated, 429-free sending, never above the
ceiling; the ceiling itself lifts by one step per `probe_interval`, so a raised limit is found.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol

from parley.http.refusals import (
    Decayed,
    Refusal,
    RefusalFacts,
    classify_refusal,
    open_suspects,
    peak_per_window,
)

__all__ = ["RateLimitState", "RateLimiter", "TokenBucketLimiter"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

_EPSILON = 1e-9
_MIN_UTILISATION = 0.5
#: windows over which the provider's peak accepted count is remembered
_PEAK_WINDOWS = 10
#: windows a suspicion (an edge 429 that is not a cluster yet) stays open
_SUSPICION_WINDOWS = 5
#: windows the "recent" 429 share spans (time constant), and the long-run baseline
_RECENT_WINDOWS = 2
_BASELINE_WINDOWS = 30


@dataclass(frozen=True)
class RateLimitState:
    """A key's budget in the shape of the RateLimit-Limit/Remaining/Reset headers."""

    limit: int
    remaining: int
    reset: float


class RateLimiter(Protocol):
    """What the resilient client needs from a limiter (memory or shared backends)."""

    async def acquire(self, key: str) -> None:
        """Wait until `key` may send one request."""
        ...

    async def on_success(self, key: str) -> None:
        """Record that the provider accepted a request for `key`."""
        ...

    async def on_rate_limited(self, key: str, retry_after: float | None) -> None:
        """Record a 429 for `key`: slow down and pause."""
        ...

    def state(self, key: str) -> RateLimitState:
        """The current budget of `key`."""
        ...


@dataclass
class _Bucket:
    rate: float
    ceiling: float
    tokens: float
    refilled_at: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    lock_loop: asyncio.AbstractEventLoop | None = None
    paused_until: float = -math.inf
    limited_at: float = -math.inf
    # Below the threshold the rate grows fast (slow start); above it, additively.
    threshold: float = math.inf
    starved: bool = False
    calm: float = 0.0
    sent: deque[float] = field(default_factory=deque)
    succeeded: deque[float] = field(default_factory=deque)
    # (refused request's send time, rate refused): counted again once the pause is over.
    recount: tuple[float, float] | None = None
    # Grant times and refused requests' send times over the last two windows.
    granted: deque[float] = field(default_factory=deque)
    refused: deque[float] = field(default_factory=deque)
    recent: Decayed = field(default_factory=lambda: Decayed(_RECENT_WINDOWS))
    baseline: Decayed = field(default_factory=lambda: Decayed(_BASELINE_WINDOWS))
    # Edge 429s in the open suspicion, and when it closes.
    suspects: int = 0
    suspect_until: float = -math.inf
    suspect_level: float = 0.0


def _prune(stamps: deque[float], since: float) -> int:
    while stamps and stamps[0] <= since:
        stamps.popleft()
    return len(stamps)


class TokenBucketLimiter(RateLimiter):
    """In-memory, per-key, asyncio-safe adaptive token bucket (slow start, then AIMD)."""

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        min_rate: float = 0.5,
        max_rate: float | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        window: float = 1.0,
        default_pause: float = 0.5,
        slow_start_factor: float = 2.0,
        settle_factor: float = 0.95,
        ceiling_factor: float = 0.965,
        recovery_step: float = 0.02,
        recovery_interval: float = 3.0,
        probe_interval: float = 30.0,
    ) -> None:
        if rate <= 0 or min_rate <= 0:
            raise ValueError("rate and min_rate must be positive")
        if max_rate is not None and max_rate < min_rate:
            raise ValueError("max_rate must not be below min_rate")
        # One token by default: even spacing is what keeps rolling windows happy.
        self._burst = max(1.0, burst if burst is not None else 1.0)
        self._min_rate = min_rate
        self._max_rate = max_rate if max_rate is not None else math.inf
        self._initial_rate = min(max(rate, min_rate), self._max_rate)
        self._clock = clock
        self._sleep = sleep
        self._window = window
        self._default_pause = default_pause
        self._slow_start_factor = slow_start_factor
        self._settle_factor = settle_factor
        self._ceiling_factor = ceiling_factor
        self._recovery_step = recovery_step
        self._recovery_interval = recovery_interval
        self._probe_interval = probe_interval
        self._buckets: dict[str, _Bucket] = {}
        # When the calling task's last request was granted: the client calls on_success /
        # on_rate_limited from the task that acquired, so the answer maps to its send time.
        self._granted: ContextVar[float | None] = ContextVar(f"granted_{id(self)}", default=None)

    async def acquire(self, key: str) -> None:
        """Wait until `key` may send one request (FIFO among waiters, evenly spaced)."""
        bucket = self._bucket(key)
        loop = asyncio.get_running_loop()
        if bucket.lock_loop is not loop:
            # A lock belongs to one event loop; a limiter may outlive one (asyncio.run per command).
            bucket.lock, bucket.lock_loop = asyncio.Lock(), loop
        waited_for_tokens = late = False
        # One waiter at a time computes its slot, so wakeups never stampede; asyncio.Lock is FIFO.
        async with bucket.lock:
            while True:
                now = self._clock()
                self._refill(bucket, now)
                pause = bucket.paused_until - now
                shortfall = (1.0 - bucket.tokens) / bucket.rate
                # The tolerance stops float dust from turning into endless nanosecond sleeps.
                if pause <= _EPSILON and shortfall <= _EPSILON:
                    if bucket.recount is not None:
                        self._recount(bucket)
                    break
                waited_for_tokens = waited_for_tokens or pause <= _EPSILON
                wait = max(pause, shortfall)
                # Re-check after waking: a 429 or a rate change may have moved the slot.
                await self._sleep(wait)
                late = self._clock() - (now + wait) > 0.5 / bucket.rate
            bucket.tokens = max(0.0, bucket.tokens - 1.0)
            self._granted.set(now)
            bucket.sent.append(now)
            _prune(bucket.sent, now - self._window)
            bucket.granted.append(now)
            _prune(bucket.granted, now - 2 * self._window)
            # The 429 shares run on time counted in windows.
            bucket.recent.add(now / self._window, sent=1.0)
            bucket.baseline.add(now / self._window, sent=1.0)
            # Waiting for tokens (not a pause) means demand exceeds the rate: worth growing. Unless
            # the wake came late: then a busy event loop, not the bucket, is what holds us back.
            bucket.starved = waited_for_tokens and not late

    async def on_success(self, key: str) -> None:
        """Record an accepted request; grow the rate while demand saturates the bucket."""
        bucket = self._bucket(key)
        now = self._clock()
        sent_at = self._granted.get()
        # Stamped by send time (answers arrive out of order): kept sorted for the count.
        bisect.insort(bucket.succeeded, now if sent_at is None else min(sent_at, now))
        _prune(bucket.succeeded, now - _PEAK_WINDOWS * self._window)
        settling = now < bucket.paused_until or now - bucket.limited_at < self._window
        if settling or not bucket.starved or not self._busy(bucket):
            return
        self._refill(bucket, now)
        # Credit one slot per success, not wall time: a stalled process earns no growth.
        credit = 1.0 / bucket.rate
        if bucket.rate < bucket.threshold:
            grown = bucket.rate * self._slow_start_factor**credit
            bucket.rate = min(grown, bucket.threshold, self._max_rate)
            return
        bucket.calm += credit
        ceiling = self._ceiling_now(bucket, now)
        while bucket.calm >= self._recovery_interval:
            bucket.calm -= self._recovery_interval
            bucket.rate = max(bucket.rate, min(bucket.rate * (1 + self._recovery_step), ceiling))

    async def on_rate_limited(self, key: str, retry_after: float | None) -> None:
        """Record a 429: classify it; a limit settles the rate under it and pauses the key."""
        bucket = self._bucket(key)
        now = self._clock()
        self._refill(bucket, now)
        granted = self._granted.get()
        sent_at = now if granted is None else min(granted, now)
        facts = self._facts(bucket, now, sent_at)
        decision = classify_refusal(facts)
        bisect.insort(bucket.refused, sent_at)
        _prune(bucket.refused, now - 2 * self._window)
        bucket.recent.add(now / self._window, refused=1.0)
        if decision is Refusal.SPORADIC:
            bucket.baseline.add(now / self._window, refused=1.0)
            return  # only the refused request waits (the client's retry honours Retry-After)
        if decision is Refusal.SUSPECT:
            if facts.suspects == 0:
                bucket.suspects, bucket.suspect_until = 0, now + _SUSPICION_WINDOWS * self._window
                bucket.suspect_level = facts.at_most
            bucket.suspects += 1
            bucket.suspect_level = max(bucket.suspect_level, facts.at_most)
            return
        if decision is Refusal.LIMIT:
            bucket.suspects, bucket.suspect_until = 0, -math.inf
            self._decrease(bucket, now, sent_at)
        # A limit, or a late 429 of the episode just acted on (it carries no new count): pause.
        pause = retry_after if retry_after is not None else self._default_pause
        if pause > 0 and now + pause > bucket.paused_until:
            bucket.paused_until = now + pause
            # Nothing accrues while paused; one request may go the moment the pause ends.
            bucket.tokens = 1.0
            bucket.refilled_at = bucket.paused_until
        bucket.calm = 0.0

    def state(self, key: str) -> RateLimitState:
        """The key's budget for RateLimit-* headers: per-window limit, what is left, reset."""
        bucket = self._buckets.get(key)
        if bucket is None:
            limit = max(1, math.floor(self._initial_rate * self._window))
            return RateLimitState(limit=limit, remaining=limit, reset=0.0)
        now = self._clock()
        limit = max(1, math.floor(bucket.rate * self._window))
        if now < bucket.paused_until:
            return RateLimitState(limit=limit, remaining=0, reset=bucket.paused_until - now)
        used = _prune(bucket.sent, now - self._window)
        reset = bucket.sent[0] + self._window - now if bucket.sent else 0.0
        return RateLimitState(limit=limit, remaining=max(0, limit - used), reset=max(0.0, reset))

    def rate(self, key: str) -> float:
        """The current pacing rate of `key` in requests per second."""
        bucket = self._buckets.get(key)
        return bucket.rate if bucket is not None else self._initial_rate

    def _bucket(self, key: str) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            now = self._clock()
            bucket = _Bucket(
                rate=self._initial_rate,
                ceiling=self._max_rate,
                tokens=min(1.0, self._burst),
                refilled_at=now,
            )
            self._buckets[key] = bucket
        return bucket

    def _refill(self, bucket: _Bucket, now: float) -> None:
        if now > bucket.refilled_at:
            gained = (now - bucket.refilled_at) * bucket.rate
            bucket.tokens = min(self._burst, bucket.tokens + gained)
            bucket.refilled_at = now

    def _busy(self, bucket: _Bucket) -> bool:
        # Waiting for a token after a burst of demand is not saturation: the rate must also
        # have been mostly used over the last window (so slow start begins half a window in).
        return len(bucket.sent) >= _MIN_UTILISATION * bucket.rate * self._window

    def _facts(self, bucket: _Bucket, now: float, sent_at: float) -> RefusalFacts:
        since = sent_at - self._window
        # Every request granted in the window before the refused one, less those refused: what
        # the provider can at most have accepted (answers still in flight count as accepted).
        granted = bisect.bisect_left(bucket.granted, sent_at) - bisect.bisect_right(
            bucket.granted, since
        )
        refused = bisect.bisect_left(bucket.refused, sent_at) - bisect.bisect_right(
            bucket.refused, since
        )
        accepted = self._accepted_before(bucket, sent_at) * self._window
        window = self._window
        peak = float(peak_per_window(list(bucket.succeeded), window))
        return RefusalFacts(
            stale=now - bucket.limited_at < window,
            at_most=max(float(granted - refused), accepted),
            peak=peak,
            recent_share=bucket.recent.share(now / window),
            recent_sent=bucket.recent.sends(now / window),
            baseline=bucket.baseline.share(now / window),
            suspects=open_suspects(
                bucket.suspects, now < bucket.suspect_until, bucket.suspect_level, peak
            ),
        )

    def _accepted_before(self, bucket: _Bucket, refused_sent_at: float) -> float:
        # Accepted requests sent in the window before the refused one: the provider's count
        # when it said "enough".
        accepted, since = bucket.succeeded, refused_sent_at - self._window
        count = bisect.bisect_right(accepted, refused_sent_at) - bisect.bisect_right(
            accepted, since
        )
        return count / self._window

    def _settle(self, bucket: _Bucket, measured: float, before: float) -> None:
        bucket.ceiling = min(self._max_rate, max(self._min_rate, measured * self._ceiling_factor))
        target = measured * self._settle_factor
        bucket.rate = max(self._min_rate, min(before, target, bucket.ceiling))
        bucket.threshold = bucket.rate

    def _recount(self, bucket: _Bucket) -> None:
        # A 429 comes back before the answers to requests sent just ahead of the refused one:
        # once the pause is over they are all in, and the count can only have grown.
        assert bucket.recount is not None
        refused_sent_at, before = bucket.recount
        bucket.recount = None
        measured = min(self._accepted_before(bucket, refused_sent_at), before)
        if measured * self._ceiling_factor > bucket.ceiling:
            self._settle(bucket, measured, before)

    def _decrease(self, bucket: _Bucket, now: float, refused_sent_at: float) -> None:
        since = refused_sent_at - self._window
        measured = self._accepted_before(bucket, refused_sent_at)
        before = bucket.rate
        bucket.limited_at = now
        # A pause inside the window empties part of it, so the count says nothing then.
        if measured > 0 and since >= bucket.paused_until:
            # A rate that was refused is never worth reaching again, even if counts were higher.
            self._settle(bucket, min(measured, before), before)
            bucket.recount = (refused_sent_at, before)
            return
        # No trustworthy count: halve, then climb back fast to just under the refused rate.
        bucket.recount = None
        bucket.ceiling = min(self._max_rate, max(self._min_rate, before * self._ceiling_factor))
        bucket.rate = max(self._min_rate, min(before / 2, bucket.ceiling))
        bucket.threshold = max(bucket.rate, min(before * self._settle_factor, bucket.ceiling))

    def _ceiling_now(self, bucket: _Bucket, now: float) -> float:
        if math.isinf(bucket.ceiling) or math.isinf(bucket.limited_at):
            return bucket.ceiling
        # A long 429-free stretch lifts the ceiling step by step, so a raised limit is found.
        probes = math.floor((now - bucket.limited_at) / self._probe_interval)
        return min(self._max_rate, bucket.ceiling * (1 + self._recovery_step) ** probes)
