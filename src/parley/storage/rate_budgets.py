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
import re
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float, String, TextClause, bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine

from parley.errors import ParleyError
from parley.http import RateLimiter, RateLimitState
from parley.http.refusals import Refusal, RefusalFacts, classify_refusal, open_suspects

__all__ = ["PostgresRateLimiter"]

Sleep = Callable[[float], Awaitable[None]]

_FLOAT_PARAMS = (
    "rate",
    "min_rate",
    "max_rate",
    "window",
    "slow_start",
    "settle",
    "ceiling_factor",
    "step",
    "recovery",
    "probe",
    "pause",
    "horizon",
    "baseline",
    "suspicion",
    "level",
    "restart",
)

#: windows a completed bucket's accepted count stays the peak, a suspicion stays open, and
#: the sporadic-429 share averages over (the in-memory limiter's `_PEAK_WINDOWS` and co.)
_PEAK_WINDOWS = 10
_SUSPICION_WINDOWS = 5
_BASELINE_WINDOWS = 30


def _sql(statement: str) -> TextClause:
    """A statement with typed parameters (asyncpg cannot guess a type from `2 * $1`)."""
    clause = text(statement)
    names = [n for n in _FLOAT_PARAMS if re.search(rf"(?<!:):{n}\b", statement)]
    return clause.bindparams(
        bindparam("key", type_=String()), *(bindparam(n, type_=Float()) for n in names)
    )


_NOW = "extract(epoch FROM clock_timestamp())::float8"
_INF = "'Infinity'::float8"

_CREATE = _sql(
    f"""
    INSERT INTO rate_budgets (key, rate, ceiling, threshold, next_at, paused_until, limited_at,
                              window_start, window_sends, previous_sends, updated_at)
    VALUES (:key, :rate, NULL, NULL, 0, 0, 0, {_NOW}, 0, 0, now())
    ON CONFLICT (key) DO NOTHING
    """  # noqa: S608 (constant fragments; every value is bound)
)

# The learned ceiling, lifted one recovery step per probe interval since the last 429.
_CEILING_NOW = f"""least(:max_rate, CASE
        WHEN ceiling IS NULL THEN {_INF}
        WHEN limited_at <= 0 THEN ceiling
        ELSE ceiling * power(1 + :step, least(1000, floor((now - limited_at) / :probe)))
    END)"""

# Sends estimated over the last window: the previous bucket weighted by its overlap.
# (Reserved slots may lie ahead of now, so the weight is clamped to [0, 1].)
_SENT = """(previous_sends * least(1, greatest(0, 1 - (now - window_start) / :window))
            + window_sends)"""

_ACQUIRE = _sql(
    f"""
    WITH cur AS (
        SELECT key, rate, ceiling, threshold, next_at, paused_until, limited_at,
               window_start, window_sends, previous_sends, window_refused, previous_refused,
               peak, peak_at, {_NOW} AS now
          FROM rate_budgets WHERE key = :key FOR UPDATE
    ), plan AS (
        SELECT key, now, greatest(next_at, paused_until, now) AS slot,
               window_start, window_sends, previous_sends, window_refused, previous_refused,
               peak, peak_at,
               -- The bucket that is closing: what the provider accepted in one window.
               window_sends - window_refused AS completed,
               least(:max_rate, CASE
                   -- Waiting behind another send, not paused, not just limited, budget in use:
                   -- demand saturates the budget, so it may grow.
                   WHEN next_at > now AND now >= paused_until AND now - limited_at >= :window
                        AND {_SENT} >= 0.5 * rate * :window
                   THEN greatest(rate, CASE
                       WHEN rate < coalesce(threshold, {_INF})
                       THEN least(rate * power(:slow_start, 1 / rate),
                                  coalesce(threshold, {_INF}), {_CEILING_NOW})
                       ELSE least(rate * power(1 + :step, 1 / (rate * :recovery)), {_CEILING_NOW})
                   END)
                   ELSE rate
               END) AS rate
          FROM cur
    )
    UPDATE rate_budgets AS b SET
        rate = plan.rate,
        next_at = plan.slot + 1 / plan.rate,
        peak = CASE
            WHEN plan.slot - plan.window_start >= :window
                 AND (plan.now - plan.peak_at > :horizon OR plan.completed >= plan.peak)
            THEN plan.completed ELSE plan.peak END,
        peak_at = CASE
            WHEN plan.slot - plan.window_start >= :window
                 AND (plan.now - plan.peak_at > :horizon OR plan.completed >= plan.peak)
            THEN plan.now ELSE plan.peak_at END,
        previous_refused = CASE
            WHEN plan.slot - plan.window_start >= 2 * :window THEN 0
            WHEN plan.slot - plan.window_start >= :window THEN plan.window_refused
            ELSE plan.previous_refused END,
        window_refused = CASE
            WHEN plan.slot - plan.window_start >= :window THEN 0
            ELSE plan.window_refused END,
        -- Each send dilutes the share of sporadic 429s (an average over ~30 windows of sends).
        noise = b.noise * (1 - 1 / greatest(1, :baseline * plan.rate * :window)),
        window_start = CASE
            WHEN plan.slot - plan.window_start >= 2 * :window THEN plan.slot
            WHEN plan.slot - plan.window_start >= :window THEN plan.window_start + :window
            ELSE plan.window_start END,
        previous_sends = CASE
            WHEN plan.slot - plan.window_start >= 2 * :window THEN 0
            WHEN plan.slot - plan.window_start >= :window THEN plan.window_sends
            ELSE plan.previous_sends END,
        window_sends = CASE
            WHEN plan.slot - plan.window_start >= :window THEN 1
            ELSE plan.window_sends + 1 END,
        updated_at = now()
      FROM plan WHERE b.key = plan.key
    RETURNING plan.slot, plan.now, b.rate, b.next_at, b.paused_until
    """  # noqa: S608
)

_RATE_LIMITED = _sql(
    f"""
    WITH cur AS (
        SELECT key, rate, limited_at, paused_until, window_start, window_sends,
               previous_sends, {_NOW} AS now
          FROM rate_budgets WHERE key = :key FOR UPDATE
    ), seen AS (
        SELECT key, now, rate,
               -- Late 429s of requests sent before the last decrease carry no news.
               now - limited_at >= :window AS fresh,
               -- A pause inside the window emptied part of it: then the count says nothing.
               CASE WHEN now - :window >= paused_until THEN {_SENT} ELSE 0 END AS measured
          FROM cur
    ), target AS (
        SELECT key, now, fresh,
               CASE WHEN measured > 0 THEN least(rate, measured * :settle) ELSE rate / 2 END
                   AS rate,
               CASE WHEN measured > 0 THEN least(rate, measured) * :ceiling_factor
                    ELSE rate * :ceiling_factor END AS ceiling,
               -- Without a trustworthy count: halve, then climb fast to just under the refusal.
               CASE WHEN measured > 0 THEN 0 ELSE rate * :settle END AS fast_until
          FROM seen
    )
    UPDATE rate_budgets AS b SET
        ceiling = CASE WHEN t.fresh
            THEN least(:max_rate, greatest(:min_rate, t.ceiling)) ELSE b.ceiling END,
        rate = CASE WHEN t.fresh
            THEN greatest(:min_rate, least(t.rate, :max_rate, t.ceiling)) ELSE b.rate END,
        threshold = CASE WHEN t.fresh
            THEN greatest(:min_rate, least(t.rate, :max_rate, t.ceiling),
                          least(t.fast_until, t.ceiling)) ELSE b.threshold END,
        limited_at = CASE WHEN t.fresh THEN t.now ELSE b.limited_at END,
        paused_until = greatest(b.paused_until, t.now + :pause),
        window_refused = b.window_refused + 1,
        suspects = CASE WHEN t.fresh THEN 0 ELSE b.suspects END,
        updated_at = now()
      FROM target AS t WHERE b.key = t.key
    RETURNING t.now, b.rate, b.next_at, b.paused_until
    """  # noqa: S608
)


_FACTS = _sql(
    f"""
    SELECT rate, limited_at, next_at, window_start, window_sends, previous_sends,
           window_refused, previous_refused, peak, peak_at, suspects, suspect_until,
           suspect_level, noise,
           {_NOW} AS now
      FROM rate_budgets WHERE key = :key FOR UPDATE
    """  # noqa: S608
)

# A sporadic 429: counted, and one more sporadic one in the long-run share.
_SPORADIC = _sql(
    f"""
    UPDATE rate_budgets SET
        window_refused = window_refused + 1,
        noise = noise + 1 / greatest(1, :baseline * rate * :window),
        updated_at = now()
     WHERE key = :key
    RETURNING {_NOW} AS now, rate, next_at, paused_until
    """  # noqa: S608
)

# A 429 at the edge that is not a cluster yet: counted into the open (or a new) suspicion.
_SUSPECT = _sql(
    f"""
    UPDATE rate_budgets SET
        window_refused = window_refused + 1,
        suspects = CASE WHEN :restart > 0 THEN 1 ELSE suspects + 1 END,
        suspect_until = CASE WHEN :restart > 0 THEN {_NOW} + :suspicion ELSE suspect_until END,
        suspect_level = CASE WHEN :restart > 0 THEN :level
                             ELSE greatest(suspect_level, :level) END,
        updated_at = now()
     WHERE key = :key
    RETURNING {_NOW} AS now, rate, next_at, paused_until
    """  # noqa: S608
)


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
            "horizon": _PEAK_WINDOWS * window,
            "baseline": float(_BASELINE_WINDOWS),
            "suspicion": _SUSPICION_WINDOWS * window,
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
            row = await self._execute(local, _ACQUIRE, key)
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
            facts = (await connection.execute(_FACTS, params)).mappings().one_or_none()
            if facts is None:  # the key's first use by any process
                await connection.execute(_CREATE, {"key": key, "rate": self._initial_rate})
                facts = (await connection.execute(_FACTS, params)).mappings().one()
            known = self._facts(facts)
            decision = classify_refusal(known)
            statement = {Refusal.SPORADIC: _SPORADIC, Refusal.SUSPECT: _SUSPECT}.get(
                decision, _RATE_LIMITED
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
                await connection.execute(_CREATE, {"key": key, "rate": self._initial_rate})
                row = (await connection.execute(statement, params)).mappings().one()
        self._remember(local, row)
        return row

    @staticmethod
    def _remember(local: _Local, row: Any) -> None:
        offset = time.monotonic() - row["now"]
        local.rate = row["rate"]
        local.next_at = row["next_at"] + offset
        local.paused_until = row["paused_until"] + offset
