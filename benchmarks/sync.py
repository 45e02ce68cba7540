"""The sync engine against the sandbox: pace under a hidden limit, memory, ingest rate.

Three measurements, each on a fresh sandbox (own process, so neither its CPU nor its
allocations are measured) and a fresh SQLite store, through Parley's own services
(`Runtime`: account linking, the adaptive limiter, `SyncService.execute`):

1. Rate-limited: a first full sync of MEETINGS meetings with transcripts, 50 ms latency and a
   hidden limit of 20 requests/s. Printed: wall time over the floor (requests / 20 s;
   goal <= 1.15).
2. Memory: peak traced memory of a full sync of MEETINGS over SMALL meetings (sandbox
   unlimited; goal <= 1.3, i.e. the sync streams instead of accumulating).
3. Ingest: meetings with transcripts stored per second with the provider out of the way
   (sandbox unlimited, no latency; goal >= 1,000 on 2 cores). The sandbox's transcript
   generation and the HTTP round trips share the machine, so the store alone is measured
   too, on pre-fetched full meetings (labelled "store only").

Sizes: `python -m benchmarks.sync [MEETINGS [SMALL]]`, or PARLEY_BENCH_SYNC_MEETINGS /
PARLEY_BENCH_SYNC_SMALL (defaults 5,000 and 500).
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from benchmarks.sandbox_proc import LIMIT_RPS, MIB, RateBound, serve_sandbox
from parley.config import Settings
from parley.providers.base import MeetingFilters
from parley.runtime import Runtime
from parley.sandbox.config import FaultConfig, SandboxConfig
from parley.security import generate_secret_key
from parley.storage.repositories.store import StoreRepository, meeting_record
from parley.unified import Meeting, MeetingStatus

__all__ = ["run"]

MEETINGS = 5_000
SMALL = 500
LATENCY_MS = 50.0
STORE_ONLY = 2_000


@dataclass(frozen=True)
class SyncOutcome(RateBound):
    """One sync's measurements."""

    created: int
    with_transcript: int

    @property
    def per_second(self) -> float:
        return self.created / self.wall_s


@contextmanager
def remote_sandbox(meetings: int, faults: FaultConfig) -> Iterator[tuple[str, str]]:
    """A fresh sandbox in a child process; yields (url, token)."""
    with serve_sandbox(SandboxConfig(seed=2025, meetings=meetings, faults=faults)) as served:
        yield served


def _settings(directory: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{directory / 'bench.db'}",
        secret_key=SecretStr(generate_secret_key()),
        key_file=directory / "parley.key",
    )


async def _linked(runtime: Runtime, url: str, token: str) -> tuple[str, str]:
    tenant = await runtime.tenants.get_or_create("bench")
    account = await runtime.accounts.link(tenant.id, "chorus", token, url)
    return tenant.id, account.id


async def _sync(url: str, token: str, *, trace: bool) -> SyncOutcome:
    with tempfile.TemporaryDirectory() as directory:
        runtime = await Runtime.start(_settings(Path(directory)))
        try:
            tenant_id, account_id = await _linked(runtime, url, token)
            async with httpx.AsyncClient() as admin:
                (await admin.post(f"{url}/_sandbox/stats/reset")).raise_for_status()
            if trace:
                tracemalloc.start()
            started = time.perf_counter()
            run, _ = await runtime.sync.create(tenant_id, account_id, trigger="bench")
            done = await runtime.sync.execute(run.id)
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
        created=done.counts.get("created", 0),
        with_transcript=done.counts.get("details_fetched", 0),
        peak_bytes=peak,
    )


def sync_once(meetings: int, faults: FaultConfig, *, trace: bool = False) -> SyncOutcome:
    """A first full sync of a fresh sandbox into a fresh store."""
    with remote_sandbox(meetings, faults) as (url, token):
        return asyncio.run(_sync(url, token, trace=trace))


async def _prefetch(runtime: Runtime, account_id: str, count: int) -> list[Meeting]:
    async with runtime.accounts.use(None, account_id) as provider:
        done = [
            m async for m in provider.iter_meetings(MeetingFilters())
            if m.status is MeetingStatus.COMPLETED
        ][:count]  # fmt: skip
        return await provider.get_meetings(done, concurrency=8)


async def _store_only(url: str, token: str, total: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as directory:
        runtime = await Runtime.start(_settings(Path(directory)))
        try:
            _, account_id = await _linked(runtime, url, token)
            fetched = await _prefetch(runtime, account_id, 500)
            copies = [
                m.model_copy(update={"id": f"{m.id}-{k}"})
                for k in range(max(1, total // len(fetched)))
                for m in fetched
            ]
            entries = sum(len(m.transcript or []) for m in copies)
            started = time.perf_counter()
            for offset in range(0, len(copies), 100):
                page = copies[offset : offset + 100]
                records = [meeting_record(m, has_details=True, remote_data=None) for m in page]
                async with runtime.db.session() as session:
                    store = StoreRepository(session)
                    existing = await store.meeting_states(account_id, (r.id for r in records))
                    await store.write_meetings(account_id, records, existing)
            wall = time.perf_counter() - started
        finally:
            await runtime.close()
    return len(copies) / wall, entries // max(len(copies), 1)


def store_only(total: int) -> tuple[float, int]:
    """Meetings with transcripts written per second, pre-fetched (no provider in the loop)."""
    with remote_sandbox(max(600, SMALL), FaultConfig()) as (url, token):
        return asyncio.run(_store_only(url, token, total))


def _sizes(argv: list[str]) -> tuple[int, int]:
    meetings = int(argv[0]) if argv else int(os.environ.get("PARLEY_BENCH_SYNC_MEETINGS", MEETINGS))
    small = int(argv[1]) if len(argv) > 1 else int(os.environ.get("PARLEY_BENCH_SYNC_SMALL", SMALL))
    return meetings, small


def run(*, meetings: int | None = None, small: int | None = None) -> dict[str, float]:
    """Run the three measurements, print them and return the numbers."""
    default_meetings, default_small = _sizes([])
    meetings = meetings or default_meetings
    small = small or default_small
    limited = sync_once(meetings, FaultConfig(latency_ms=LATENCY_MS, rate_limit_rps=LIMIT_RPS))
    big = sync_once(meetings, FaultConfig(), trace=True)
    little = sync_once(small, FaultConfig(), trace=True)
    ingest = sync_once(meetings, FaultConfig())
    store_rate, entries_each = store_only(STORE_ONLY)
    memory_ratio = big.peak_bytes / max(little.peak_bytes, 1)
    met = {True: "met", False: "NOT met"}
    print(
        "\n".join(
            [
                f"1. rate-limited first sync: {meetings} meetings "
                f"({limited.with_transcript} with transcripts), {LATENCY_MS:.0f} ms latency, "
                f"hidden limit {LIMIT_RPS}/s",
                f"   wall {limited.wall_s:.1f} s, {limited.requests} requests, floor "
                f"{limited.floor_s:.1f} s, wall/floor {limited.over_floor:.3f} "
                f"(goal <= 1.15: {met[limited.over_floor <= 1.15]}), "
                f"429 share {limited.rate_limited / max(limited.requests, 1):.1%}",
                f"2. peak traced memory: {meetings} meetings {big.peak_bytes / MIB:.1f} MiB, "
                f"{small} meetings {little.peak_bytes / MIB:.1f} MiB, ratio {memory_ratio:.2f} "
                f"(goal <= 1.3: {met[memory_ratio <= 1.3]})",
                f"3. ingest, sandbox unlimited: {ingest.created} meetings "
                f"({ingest.with_transcript} with transcripts) in {ingest.wall_s:.1f} s = "
                f"{ingest.per_second:.0f} meetings/s end to end over HTTP "
                f"(goal >= 1,000: {met[ingest.per_second >= 1000]})",
                f"   store only (pre-fetched full meetings, ~{entries_each} transcript entries "
                f"each, 100 per transaction): {store_rate:.0f} meetings/s "
                f"(goal >= 1,000: {met[store_rate >= 1000]})",
            ]
        )
    )
    return {
        "sync_wall_s": limited.wall_s,
        "sync_wall_over_floor": limited.over_floor,
        "sync_429_share": limited.rate_limited / max(limited.requests, 1),
        "sync_peak_mib_large": big.peak_bytes / MIB,
        "sync_peak_mib_small": little.peak_bytes / MIB,
        "sync_peak_ratio": memory_ratio,
        "ingest_meetings_per_s": ingest.per_second,
        "store_only_meetings_per_s": store_rate,
    }


if __name__ == "__main__":
    sizes = _sizes(sys.argv[1:])
    run(meetings=sizes[0], small=sizes[1])
