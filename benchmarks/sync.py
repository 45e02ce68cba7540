"""The sync engine against the sandbox: pace under a hidden limit, memory, ingest rate.

Three measurements, each on a fresh sandbox (own process, so neither its CPU nor its
allocations are measured) and a fresh SQLite store, through Parley's own services
(`Runtime`: account linking, the adaptive limiter, `RunExecutor.execute`):

1. Rate-limited: a first full sync of MEETINGS meetings with transcripts, 50 ms latency and a
   hidden limit of 20 requests/s. Printed: wall time over the floor (requests / 20 s;
   goal <= 1.15). Then the same with a gateway's noise: THROTTLE (6 %) of the requests
   answered 429 with `Retry-After: 1` whatever the rate (they never reach the hidden limit,
   so the floor counts the requests that did; goal <= 1.5).
2. Memory: peak traced memory of a full sync of MEETINGS over SMALL meetings (sandbox
   unlimited; goal <= 1.3, i.e. the sync streams instead of accumulating).
3. Ingest: meetings with transcripts stored per second with the provider out of the way
   (goal >= 1,000 on 2 cores), measured twice. First end to end over HTTP against the
   sandbox (unlimited, no latency): the sandbox builds every transcript on the same two
   cores, so it is the bottleneck there. Then "Parley only": the same first sync on a fresh
   store, the Chorus responses recorded during the first run replayed in process through
   an httpx transport — Parley's whole ingest (connector, mapping, sync engine, store,
   search index, outbox) with the provider's cost removed. Both runs start the account's
   rate budget high (as `benchmarks/api.py` does): the limiter's slow start protects real
   Chorus and is not Parley's ingest cost.

Sizes: `python -m benchmarks.sync [MEETINGS [SMALL]]`, or PARLEY_BENCH_SYNC_MEETINGS /
PARLEY_BENCH_SYNC_SMALL (defaults 5,000 and 500). `python -m benchmarks.sync limited
[MEETINGS]` runs only the two rate-limited syncs, `... noisy [MEETINGS]` only the noisy one.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from benchmarks.sandbox_proc import LIMIT_RPS, MIB, RateBound, serve_sandbox
from benchmarks.tape import Recorder, Replayer, Tape
from parley.accounts import IntegratedAccountService
from parley.config import Settings
from parley.runtime import Runtime
from parley.sandbox.config import FaultConfig, SandboxConfig
from parley.security import generate_secret_key
from parley.sync import RunExecutor, SyncOptions

__all__ = ["run"]

MEETINGS = 5_000
SMALL = 500
LATENCY_MS = 50.0
#: The ingest runs' starting rate budget: out of the way of an unlimited provider.
UNPACED_RPS = 10_000.0
#: Share of requests a gateway answers 429 whatever the rate (the noisy rate-limited run).
THROTTLE = 0.06


@dataclass(frozen=True)
class SyncOutcome(RateBound):
    """One sync's measurements."""

    created: int
    with_transcript: int
    #: the gateway's noise 429s (they never reach the hidden limit)
    throttled: int = 0

    @property
    def per_second(self) -> float:
        return self.created / self.wall_s

    @property
    def floor_s(self) -> float:
        """The fastest the hidden limit allows for the requests that reached it."""
        return (self.requests - self.throttled) / LIMIT_RPS


@contextmanager
def remote_sandbox(meetings: int, faults: FaultConfig) -> Iterator[tuple[str, str]]:
    """A fresh sandbox in a child process; yields (url, token)."""
    with serve_sandbox(SandboxConfig(seed=2025, meetings=meetings, faults=faults)) as served:
        yield served


def _settings(directory: Path, *, unpaced: bool = False) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{directory / 'bench.db'}",
        secret_key=SecretStr(generate_secret_key()),
        key_file=directory / "parley.key",
        egress_allow="127.0.0.1",  # the benchmark's sandbox
        chorus_rate_limit=UNPACED_RPS
        if unpaced
        else Settings.model_fields["chorus_rate_limit"].default,
    )


async def _linked(runtime: Runtime, url: str, token: str) -> tuple[str, str]:
    tenant = await runtime.tenants.get_or_create("bench")
    account = await runtime.accounts.link(tenant.id, "chorus", token, url)
    return tenant.id, account.id


def _executor(runtime: Runtime, transport: httpx.AsyncBaseTransport | None) -> RunExecutor:
    """The runtime's sync executor, or the same over an account service on `transport`."""
    if transport is None:
        return runtime.sync_executor
    http = replace(runtime.http, transport=transport)
    accounts = IntegratedAccountService(runtime.db, runtime.vault, runtime.settings, http)
    return RunExecutor(
        runtime.db, accounts.use_for_sync, SyncOptions.from_settings(runtime.settings)
    )


async def _sync(
    url: str,
    token: str,
    *,
    trace: bool = False,
    unpaced: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
) -> SyncOutcome:
    with tempfile.TemporaryDirectory() as directory:
        runtime = await Runtime.start(_settings(Path(directory), unpaced=unpaced))
        try:
            tenant_id, account_id = await _linked(runtime, url, token)
            executor = _executor(runtime, transport)
            async with httpx.AsyncClient() as admin:
                (await admin.post(f"{url}/_sandbox/stats/reset")).raise_for_status()
            if trace:
                tracemalloc.start()
            started = time.perf_counter()
            run, _ = await runtime.sync.create(tenant_id, account_id, trigger="bench")
            done = await executor.execute(run.id)
            wall = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1] if trace else 0
            tracemalloc.stop()
        finally:
            await runtime.close()
    if done.status.value != "completed":
        raise RuntimeError(f"the benchmark sync failed: {done.errors}")
    async with httpx.AsyncClient() as admin:
        stats: dict[str, Any] = (await admin.get(f"{url}/_sandbox/stats")).json()
    return SyncOutcome(
        wall_s=wall,
        requests=int(stats["total_requests"]),
        rate_limited=int(stats["rate_limited"]),
        throttled=int(stats.get("throttled", 0)),
        created=done.counts.get("created", 0),
        with_transcript=done.counts.get("details_fetched", 0),
        peak_bytes=peak,
    )


def sync_once(meetings: int, faults: FaultConfig, *, trace: bool = False) -> SyncOutcome:
    """A first full sync of a fresh sandbox into a fresh store."""
    with remote_sandbox(meetings, faults) as (url, token):
        return asyncio.run(_sync(url, token, trace=trace))


def ingest(meetings: int) -> tuple[SyncOutcome, SyncOutcome]:
    """A first sync over HTTP from an unlimited sandbox (its answers recorded), then the same
    sync on a fresh store with those answers replayed in process: (over HTTP, Parley only)."""
    tape: Tape = {}
    with remote_sandbox(meetings, FaultConfig()) as (url, token):
        live = asyncio.run(_sync(url, token, unpaced=True, transport=Recorder(tape)))
        # The sandbox stays up only so the account can be linked (validated) again.
        replayed = asyncio.run(_sync(url, token, unpaced=True, transport=Replayer(tape)))
    return live, replayed


def rate_limited(meetings: int) -> tuple[SyncOutcome, SyncOutcome]:
    """The rate-limited first sync, plain and under the gateway's noise 429s."""
    plain = FaultConfig(latency_ms=LATENCY_MS, rate_limit_rps=LIMIT_RPS)
    noisy = replace(plain, throttle_rate=THROTTLE)
    return sync_once(meetings, plain), sync_once(meetings, noisy)


def _limited_lines(meetings: int, limited: SyncOutcome, noisy: SyncOutcome) -> list[str]:
    met = {True: "met", False: "NOT met"}
    return [
        f"1. rate-limited first sync: {meetings} meetings "
        f"({limited.with_transcript} with transcripts), {LATENCY_MS:.0f} ms latency, "
        f"hidden limit {LIMIT_RPS}/s",
        f"   wall {limited.wall_s:.1f} s, {limited.requests} requests, floor "
        f"{limited.floor_s:.1f} s, wall/floor {limited.over_floor:.3f} "
        f"(goal <= 1.15: {met[limited.over_floor <= 1.15]}), "
        f"429 share {limited.rate_limited / max(limited.requests, 1):.1%}",
        f"   with {THROTTLE:.0%} of requests answered 429 whatever the rate: "
        f"wall {noisy.wall_s:.1f} s, {noisy.requests} requests ({noisy.throttled} noise 429s, "
        f"{noisy.rate_limited - noisy.throttled} of the hidden limit), floor "
        f"{noisy.floor_s:.1f} s, wall/floor {noisy.over_floor:.3f} "
        f"(goal <= 1.5: {met[noisy.over_floor <= 1.5]})",
    ]


def _sizes(argv: list[str]) -> tuple[int, int]:
    meetings = int(argv[0]) if argv else int(os.environ.get("PARLEY_BENCH_SYNC_MEETINGS", MEETINGS))
    small = int(argv[1]) if len(argv) > 1 else int(os.environ.get("PARLEY_BENCH_SYNC_SMALL", SMALL))
    return meetings, small


def run(*, meetings: int | None = None, small: int | None = None) -> dict[str, float]:
    """Run the three measurements, print them and return the numbers."""
    default_meetings, default_small = _sizes([])
    meetings = meetings or default_meetings
    small = small or default_small
    limited, noisy = rate_limited(meetings)
    big = sync_once(meetings, FaultConfig(), trace=True)
    little = sync_once(small, FaultConfig(), trace=True)
    live, replayed = ingest(meetings)
    memory_ratio = big.peak_bytes / max(little.peak_bytes, 1)
    met = {True: "met", False: "NOT met"}
    print(
        "\n".join(
            [
                *_limited_lines(meetings, limited, noisy),
                f"2. peak traced memory: {meetings} meetings {big.peak_bytes / MIB:.1f} MiB, "
                f"{small} meetings {little.peak_bytes / MIB:.1f} MiB, ratio {memory_ratio:.2f} "
                f"(goal <= 1.3: {met[memory_ratio <= 1.3]})",
                f"3. ingest, first sync of {live.created} meetings "
                f"({live.with_transcript} with transcripts), rate budget out of the way",
                f"   over HTTP from the sandbox (unlimited, no latency, same 2 cores): "
                f"{live.wall_s:.1f} s = {live.per_second:.0f} meetings/s",
                f"   Parley only (the recorded Chorus answers replayed in process): "
                f"{replayed.wall_s:.1f} s = {replayed.per_second:.0f} meetings/s "
                f"(goal >= 1,000: {met[replayed.per_second >= 1000]})",
            ]
        )
    )
    return {
        "sync_wall_s": limited.wall_s,
        "sync_wall_over_floor": limited.over_floor,
        "sync_429_share": limited.rate_limited / max(limited.requests, 1),
        "sync_noisy_wall_s": noisy.wall_s,
        "sync_noisy_wall_over_floor": noisy.over_floor,
        "sync_peak_mib_large": big.peak_bytes / MIB,
        "sync_peak_mib_small": little.peak_bytes / MIB,
        "sync_peak_ratio": memory_ratio,
        "ingest_http_meetings_per_s": live.per_second,
        "ingest_meetings_per_s": replayed.per_second,
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["limited"]:
        count = _sizes(sys.argv[2:])[0]
        print("\n".join(_limited_lines(count, *rate_limited(count))))
    elif sys.argv[1:2] == ["noisy"]:
        count = _sizes(sys.argv[2:])[0]
        faults = FaultConfig(latency_ms=LATENCY_MS, rate_limit_rps=LIMIT_RPS)
        noisy = sync_once(count, replace(faults, throttle_rate=THROTTLE))
        print("\n".join(_limited_lines(count, noisy, noisy)[2:]))
    else:
        sizes = _sizes(sys.argv[1:])
        run(meetings=sizes[0], small=sizes[1])
