"""A rate budget shared by every process through PostgreSQL (scale mode).

Same contract and the same adaptive ideas as the in-memory `TokenBucketLimiter` (paced sends,
slow start while demand saturates the budget, settle under the measured limit after a 429,
creep back up under a ceiling that is probed now and then), but the state of each key lives
in one `rate_budgets` row. A send is one atomic statement: lock the row, take the next free
slot (`greatest(next_at, paused_until, now)`), move `next_at` one interval later, count the
send and maybe grow the rate; the caller then sleeps until its slot. Any number of processes
on any number of machines therefore share one budget per key. Times are the database's clock
(`clock_timestamp()`), so the machines' clocks never need to agree.

Within a process, one waiter per key at a time holds a reservation (FIFO asyncio lock), so
at most one slot per process is handed out ahead of time and a 429 takes effect at once for
everything queued behind it.

A 429 is classified first, by the same rule as the in-memory limiter
(`parley.http.refusals.classify_refusal`), then acted on: the row is read (locked), the facts
are estimated from its one-window buckets (sends, refusals, the peak accepted in a completed
bucket lately, the open suspicion, the long-run share of sporadic 429s) and only a `LIMIT`
settles the rate and pauses the key for everyone. A sporadic 429 is counted and nothing
else: the refused request waits its Retry-After in the client. The estimates are coarser
than the in-memory limiter's per-request counts (buckets, not exact windows).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import TextClause
from sqlalchemy.ext.asyncio import AsyncEngine

from parley.errors import ParleyError
from parley.http import RateLimiter, RateLimitState
from parley.http.refusals import Refusal, RefusalFacts, classify_refusal, open_suspects
from parley.storage import rate_budget_sql as sql

__all__ = ["PostgresRateLimiter"]

Sleep = Callable[[float], Awaitable[None]]


@dataclass
class _Local:
    """What this process knows of a key: its FIFO lock and the last row it saw."""

    rate: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    lock_loop: asyncio.AbstractEventLoop | None = None
    # Row times translated to this process's monotonic clock.
    next_at: float = -math.inf
    paused_until: float = -math.inf


class PostgresRateLimiter(RateLimiter):
    """Adaptive per-key pacing whose state is a `rate_budgets` row shared by all processes."""

    def __init__(
        self,
        engine: AsyncEngine,
        rate: float,
        *,
        min_rate: float = 0.5,
        max_rate: float | None = None,
        window: float = 1.0,
        default_pause: float = 0.5,
        slow_start_factor: float = 2.0,
        # Lower than TokenBucketLimiter's 0.95 / 0.965 on purpose: this count is taken when
        # the 429 arrives, with no recount after the pause, and it is shared by processes
        # whose clocks and in-flight requests it cannot see.
        settle_factor: float = 0.93,
        ceiling_factor: float = 0.96,
        recovery_step: float = 0.02,
        recovery_interval: float = 3.0,
        probe_interval: float = 30.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if engine.dialect.name != "postgresql":
            raise ParleyError(
                "Scale mode needs PostgreSQL: set PARLEY_DATABASE_URL=postgresql://….",
                code="scale_mode_needs_postgresql",
            )
        if rate <= 0 or min_rate <= 0:
            raise ValueError("rate and min_rate must be positive")
        if max_rate is not None and max_rate < min_rate:
            raise ValueError("max_rate must not be below min_rate")
        self._engine = engine
        self._max_rate = max_rate if max_rate is not None else math.inf
        self._initial_rate = min(max(rate, min_rate), self._max_rate)
        self._window = window
        self._default_pause = default_pause
        self._sleep = sleep
        self._params: dict[str, float] = {
            "min_rate": min_rate,
            "max_rate": self._max_rate,
            "window": window,
            "slow_start": slow_start_factor,
            "settle": settle_factor,
            "ceiling_factor": ceiling_factor,
            "step": recovery_step,
            "recovery": recovery_interval,
            "probe": probe_interval,
            "horizon": sql.PEAK_WINDOWS * window,
            "baseline": float(sql.BASELINE_WINDOWS),
            "suspicion": sql.SUSPICION_WINDOWS * window,
        }
        self._keys: dict[str, _Local] = {}
        # The calling task's last slot (database time): a 429 maps to its own send.
        self._granted: ContextVar[float | None] = ContextVar(f"slot_{id(self)}", default=None)

    async def acquire(self, key: str) -> None:
        """Take the key's next shared send slot and wait for it (FIFO within this process)."""
        local = self._local(key)
        loop = asyncio.get_running_loop()
        if local.lock_loop is not loop:
            # A lock belongs to one event loop; a limiter may outlive one (asyncio.run per command).
            local.lock, local.lock_loop = asyncio.Lock(), loop
        async with local.lock:
            row = await self._execute(local, sql.ACQUIRE, key)
            self._granted.set(row["slot"])
            wait = row["slot"] - row["now"]
            if wait > 0:
                await self._sleep(wait)

    async def on_success(self, key: str) -> None:
        """Nothing to record: growth is credited at acquire time, in the same statement."""

    async def on_rate_limited(self, key: str, retry_after: float | None) -> None:
        """Record a 429 for every process: classify it; a limit settles the rate and pauses."""
        pause = retry_after if retry_after is not None else self._default_pause
        local = self._local(key)
        params = {"key": key, **self._params, "pause": max(0.0, pause)}
        async with self._engine.begin() as connection:
            facts = (await connection.execute(sql.FACTS, params)).mappings().one_or_none()
            if facts is None:  # the key's first use by any process
                await connection.execute(sql.CREATE, {"key": key, "rate": self._initial_rate})
                facts = (await connection.execute(sql.FACTS, params)).mappings().one()
            known = self._facts(facts)
            decision = classify_refusal(known)
            statement = {Refusal.SPORADIC: sql.SPORADIC, Refusal.SUSPECT: sql.SUSPECT}.get(
                decision, sql.RATE_LIMITED
            )
            params["level"] = known.at_most
            params["restart"] = 1.0 if known.suspects == 0 else 0.0
            row = (await connection.execute(statement, params)).mappings().one()
        self._remember(local, row)

    def _facts(self, row: Any) -> RefusalFacts:
        window, now = self._window, row["now"]
        weight = min(1.0, max(0.0, 1.0 - (now - row["window_start"]) / window))
        sent = row["previous_sends"] * weight + row["window_sends"]
        refused = row["previous_refused"] * weight + row["window_refused"]
        # Slots handed out after the refused request's own were sent after it: not before it.
        slot = self._granted.get()
        after = 0.0 if slot is None else max(0.0, (row["next_at"] - slot) * row["rate"] - 1.0)
        fresh_peak = now - row["peak_at"] <= self._params["horizon"]
        peak = float(row["peak"]) if fresh_peak else 0.0
        suspects = int(row["suspects"])
        return RefusalFacts(
            stale=now - row["limited_at"] < window,
            at_most=max(0.0, sent - refused - after - 1.0),
            peak=peak,
            recent_share=refused / sent if sent > 0 else 0.0,
            recent_sent=sent,
            baseline=float(row["noise"]),
            suspects=open_suspects(
                suspects, now < row["suspect_until"], float(row["suspect_level"]), peak
            ),
        )

    def state(self, key: str) -> RateLimitState:
        """The key's budget as this process last saw it (for RateLimit-* headers)."""
        local = self._keys.get(key)
        rate = local.rate if local is not None else self._initial_rate
        limit = max(1, math.floor(rate * self._window))
        if local is None:
            return RateLimitState(limit=limit, remaining=limit, reset=0.0)
        now = time.monotonic()
        if now < local.paused_until:
            return RateLimitState(limit=limit, remaining=0, reset=local.paused_until - now)
        ahead = max(0.0, local.next_at - now)
        remaining = max(0, math.floor(limit - ahead * rate))
        return RateLimitState(limit=limit, remaining=remaining, reset=ahead)

    def rate(self, key: str) -> float:
        """The pacing rate of `key` as this process last saw it, requests per second."""
        local = self._keys.get(key)
        return local.rate if local is not None else self._initial_rate

    def _local(self, key: str) -> _Local:
        local = self._keys.get(key)
        if local is None:
            local = self._keys[key] = _Local(rate=self._initial_rate)
        return local

    async def _execute(self, local: _Local, statement: TextClause, key: str, **extra: float) -> Any:
        params = {"key": key, **self._params, **extra}
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement, params)).mappings().one_or_none()
            if row is None:  # the key's first use by any process (or its row was cleared)
                await connection.execute(sql.CREATE, {"key": key, "rate": self._initial_rate})
                row = (await connection.execute(statement, params)).mappings().one()
        self._remember(local, row)
        return row

    @staticmethod
    def _remember(local: _Local, row: Any) -> None:
        offset = time.monotonic() - row["now"]
        local.rate = row["rate"]
        local.next_at = row["next_at"] + offset
        local.paused_until = row["paused_until"] + offset
