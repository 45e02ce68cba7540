"""Chorus connector vs a plain sequential client against the sandbox's hidden rate limit.

One run, two scenarios, each on a fresh sandbox (5,000 meetings, 50 ms latency, a hidden
limit of 20 requests/s): list every meeting and fetch 500 full meetings. Printed per client:
wall time over the rate-limit floor (requests made / 20 s; goal <= 1.15 for Parley), the share
of requests answered 429 (goal <= 3%) and the client process's peak RSS.

Each client runs in a fresh process of its own (its peak RSS is its memory; no tracing hook
slows it down), and the sandbox in another, so neither's CPU nor memory is counted.

    python -m benchmarks.connector
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from benchmarks.sandbox_proc import LIMIT_RPS, MIB, RateBound, serve_sandbox
from parley.http import HttpOptions, RetryPolicy, TokenBucketLimiter
from parley.providers.base import Credentials, MeetingFilters
from parley.providers.chorus import CHORUS_INFO, ChorusFactory
from parley.providers.chorus.client import CONVERSATION_FIELDS
from parley.sandbox.config import FaultConfig, SandboxConfig
from parley.unified import Meeting

__all__ = ["run"]

MEETINGS = 5_000
FULL = 500
LATENCY_MS = 50.0
# In flight at once for full fetches: enough to keep 20/s busy through 50 ms latency, few
# enough that page requests do not queue long behind them in the limiter.
CONCURRENCY = 8


@dataclass(frozen=True)
class Outcome(RateBound):
    """One scenario's measurements."""

    listed: int
    fetched: int


@contextmanager
def remote_sandbox(meetings: int = MEETINGS) -> Iterator[tuple[str, str]]:
    """A fresh sandbox in a child process; yields (url, token)."""
    faults = FaultConfig(latency_ms=LATENCY_MS, rate_limit_rps=LIMIT_RPS)
    with serve_sandbox(SandboxConfig(seed=2024, meetings=meetings, faults=faults)) as served:
        yield served


Scenario = Callable[[str, str, int], tuple[int, int]]


def _timed(scenario_name: str, url: str, token: str, full: int) -> tuple[int, int, float, int]:
    """In the child: run the scenario; (listed, fetched, wall seconds, peak RSS bytes)."""
    scenario: Scenario = SCENARIOS[scenario_name]
    started = time.perf_counter()
    listed, fetched = scenario(url, token, full)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    return listed, fetched, wall, peak


def _measure(url: str, token: str, scenario_name: str, full: int) -> Outcome:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        listed, fetched, wall, peak = pool.submit(_timed, scenario_name, url, token, full).result()
    stats: dict[str, Any] = httpx.get(f"{url}/_sandbox/stats").json()
    return Outcome(
        wall_s=wall,
        requests=int(stats["total_requests"]),
        rate_limited=int(stats["rate_limited"]),
        peak_bytes=peak,
        listed=listed,
        fetched=fetched,
    )


async def _parley(url: str, token: str, wanted: int) -> tuple[int, int]:
    options = HttpOptions(
        limiter=TokenBucketLimiter(CHORUS_INFO.default_rate_limit), policy=RetryPolicy()
    )
    provider = ChorusFactory().connect(
        Credentials(api_token=token), base_url=url, limiter_key="bench", http=options
    )
    listed: list[Meeting] = []
    fetch: asyncio.Task[list[Meeting]] | None = None
    try:
        position = None
        while True:
            page = await provider.list_meetings_page(MeetingFilters(), position)
            listed += page.items
            # Start the full fetches once enough are listed; listing goes on meanwhile, so
            # the sequential page walk hides behind the rate-bound fetches.
            if fetch is None and (len(listed) >= wanted or page.next_position is None):
                fetch = asyncio.create_task(
                    provider.get_meetings(listed[:wanted], concurrency=CONCURRENCY)
                )
            if page.next_position is None:
                break
            position = page.next_position
        full = await fetch if fetch is not None else []
    finally:
        await provider.aclose()
    return len(listed), len(full)


def parley_scenario(url: str, token: str, full: int) -> tuple[int, int]:
    """The Chorus connector: adaptive limiter, retries, concurrent full fetches."""
    return asyncio.run(_parley(url, token, full))


def _get(client: httpx.Client, path: str, params: dict[str, str]) -> Any:
    while True:
        response = client.get(path, params=params)
        if response.status_code == 429 or response.status_code >= 500:
            time.sleep(float(response.headers.get("Retry-After", "1")))
            continue
        response.raise_for_status()
        return response.json()


def plain_scenario(url: str, token: str, full: int) -> tuple[int, int]:
    """A plain sequential httpx loop: no limiter, sleep on 429, raw JSON kept."""
    headers = {"Authorization": token, "Accept": "application/json"}
    rows: list[dict[str, Any]] = []
    docs: list[Any] = []
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        key = None
        while True:
            params = {"with_trackers": "true"} | ({"continuation_key": key} if key else {})
            body = _get(client, "/v3/engagements", params)
            rows += body.get("engagements") or []
            next_key = body.get("continuation_key")
            if not body.get("engagements") or not next_key or next_key == key:
                break
            key = next_key
        fields = {"fields": CONVERSATION_FIELDS, "include_meeting_metadata": "true"}
        for row in rows[:full]:
            docs.append(_get(client, f"/api/v1/conversations/{row['engagement_id']}", fields))
    return len(rows), len(docs)


SCENARIOS: dict[str, Scenario] = {"parley": parley_scenario, "plain": plain_scenario}


def _table(parley: Outcome, plain: Outcome) -> str:
    lines = [
        f"{parley.listed} meetings listed + {parley.fetched} full, {LATENCY_MS:.0f} ms latency, "
        f"hidden limit {LIMIT_RPS}/s (fresh sandbox each)",
        "",
        f"{'client':<18}{'wall s':>9}{'requests':>10}{'floor s':>9}"
        f"{'wall/floor':>12}{'429 share':>11}{'peak RSS MiB':>14}",
    ]
    for name, o in (("parley connector", parley), ("plain sequential", plain)):
        lines.append(
            f"{name:<18}{o.wall_s:>9.1f}{o.requests:>10}{o.floor_s:>9.1f}"
            f"{o.over_floor:>12.3f}{o.share_429:>10.1%}{o.peak_bytes / MIB:>14.1f}"
        )
    lines += [
        "",
        f"parley wall/floor {parley.over_floor:.3f} (goal <= 1.15: "
        f"{'met' if parley.over_floor <= 1.15 else 'NOT met'}), "
        f"429 share {parley.share_429:.1%} (goal <= 3%: "
        f"{'met' if parley.share_429 <= 0.03 else 'NOT met'})",
        f"plain/parley wall time {plain.wall_s / parley.wall_s:.2f}x, "
        f"peak memory parley/plain {parley.peak_bytes / max(plain.peak_bytes, 1):.2f}x",
    ]
    return "\n".join(lines)


def run(*, meetings: int = MEETINGS, full: int = FULL) -> dict[str, float]:
    """Run both scenarios, print the table and return the numbers (smaller sizes: smoke runs)."""
    with remote_sandbox(meetings) as (url, token):
        parley = _measure(url, token, "parley", full)
    with remote_sandbox(meetings) as (url, token):
        plain = _measure(url, token, "plain", full)
    for outcome in (parley, plain):
        if (outcome.listed, outcome.fetched) != (meetings, full):
            raise RuntimeError(f"incomplete scenario: {outcome}")
    print(_table(parley, plain))
    return {
        "connector_wall_s": parley.wall_s,
        "connector_wall_over_floor": parley.over_floor,
        "connector_429_share": parley.share_429,
        "connector_peak_mib": parley.peak_bytes / MIB,
        "plain_wall_s": plain.wall_s,
        "plain_wall_over_floor": plain.over_floor,
        "plain_429_share": plain.share_429,
        "plain_peak_mib": plain.peak_bytes / MIB,
        "plain_over_connector_wall": plain.wall_s / parley.wall_s,
    }


if __name__ == "__main__":
    run()
