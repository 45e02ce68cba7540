"""The unified API's overhead over the proxy and over Chorus itself, and its throughput.

One run, each part in its own process: the Chorus sandbox (no latency, no limit), `parley
serve` on a fresh SQLite file, and this load generator. Printed:

- median latency of `GET /unified/conversational-intelligence/meetings?limit=100`, of the
  same Chorus page through `/proxy/chorus/v3/engagements`, and of a direct call to the
  sandbox, requests interleaved so all three see the same machine; the unified/proxy ratio
  has the goal <= 1.2. Measured twice:
  - the same page again and again (the issue's measurement): Parley keeps the encoding of
    rows it has listed before (`listing_json.MeetingJsonMemo`), so this is the cost of a
    page whose meetings did not change since they were last listed;
  - walking pages never listed before ("first read"): every row is decoded, mapped and
    encoded;
- Parley's own time per proxied (and unified) request, the median of the `parley` part of
  its `Server-Timing` header (the response's start less the time spent in provider sends),
  beside the proxy's total and the direct call; goal <= 2 ms on an idle machine;
- requests per second for a unified get (`GET …/meetings/{id}`) with 20 concurrent clients.

The account's rate budget is raised (PARLEY_CHORUS_RATE_LIMIT) so the limiter's pacing, which
is there to protect real Chorus, does not stand in for Parley's own overhead; so is the API
key's (PARLEY_API_RATE_LIMIT), whose check still runs on every request.

    python -m benchmarks.api
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from benchmarks.sandbox_proc import serve_sandbox
from parley.sandbox.config import SandboxConfig
from parley.security import generate_secret_key

__all__ = ["run"]

ROUNDS = 150
WARMUP = 10
FIRST_READ_PAGES = 60
CONCURRENCY = 20
THROUGHPUT_SECONDS = 10.0
UNIFIED = "/unified/conversational-intelligence"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def parley_server(workdir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """`parley serve` in a child process on a fresh database; yields (url, env)."""
    port = _free_port()
    env = os.environ | {
        "PARLEY_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'parley.db'}",
        "PARLEY_SECRET_KEY": generate_secret_key(),
        "PARLEY_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PARLEY_CHORUS_RATE_LIMIT": "10000",
        "PARLEY_EGRESS_ALLOW": "127.0.0.1",  # the benchmark's sandbox
        "PARLEY_API_RATE_LIMIT": "100000",
        "PARLEY_API_RATE_BURST": "100000",
        "PARLEY_LOG_LEVEL": "warning",
    }
    command = [
        sys.executable,
        "-m",
        "parley.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("parley serve did not start")
            time.sleep(0.2)
        yield url, env
    finally:
        process.terminate()
        process.wait(30)


def _api_key(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "parley.cli", "keys", "create", "--tenant", "bench"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _parley_time(response: httpx.Response) -> float:
    """The `parley` part of Server-Timing, seconds."""
    for part in response.headers["server-timing"].split(","):
        name, _, duration = part.strip().partition(";dur=")
        if name == "parley":
            return float(duration) / 1000
    raise RuntimeError("no parley part in Server-Timing")


def _latencies(
    parley: httpx.Client, chorus: httpx.Client, account_id: str
) -> dict[str, list[float]]:
    params = {"integrated_account_id": account_id}
    # The page the connector asks for: 100 rows with their trackers.
    page = {"with_trackers": "true"}
    calls = {
        "unified": lambda: parley.get(f"{UNIFIED}/meetings", params=params | {"limit": 100}),
        "proxy": lambda: parley.get("/proxy/chorus/v3/engagements", params=params | page),
        "direct": lambda: chorus.get("/v3/engagements", params=page),
    }
    samples: dict[str, list[float]] = {name: [] for name in calls}
    samples |= {"unified_parley": [], "proxy_parley": []}
    for round_ in range(WARMUP + ROUNDS):
        for name, send in calls.items():
            started = time.perf_counter()
            response = send()
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            if round_ >= WARMUP:
                samples[name].append(elapsed)
                if name != "direct":
                    samples[f"{name}_parley"].append(_parley_time(response))
    return samples


def _first_reads(
    parley: httpx.Client, chorus: httpx.Client, account_id: str
) -> dict[str, list[float]]:
    """Pages 1..N, each read once by each path: no row has been listed by Parley before."""
    params = {"integrated_account_id": account_id}
    samples: dict[str, list[float]] = {"unified": [], "proxy": [], "direct": []}
    key: str | None = None
    cursor: str | None = None
    for _ in range(FIRST_READ_PAGES):
        page = {"with_trackers": "true"} | ({"continuation_key": key} if key else {})
        unified = params | {"limit": 100} | ({"next_cursor": cursor} if cursor else {})
        timed = {
            "unified": (parley, f"{UNIFIED}/meetings", unified),
            "proxy": (parley, "/proxy/chorus/v3/engagements", params | page),
            "direct": (chorus, "/v3/engagements", page),
        }
        # The sandbox keeps the transcripts behind a page's trackers for a while only: the
        # first call after that pays for building them again. One untimed call first, so
        # the timed ones all find them built.
        chorus.get("/v3/engagements", params=page).raise_for_status()
        answers = {}
        for name, (client, path, query) in timed.items():
            started = time.perf_counter()
            answers[name] = client.get(path, params=query)
            samples[name].append(time.perf_counter() - started)
            answers[name].raise_for_status()
        cursor = answers["unified"].json()["next_cursor"]
        key = answers["direct"].json()["continuation_key"]
        if not cursor or not key:
            raise RuntimeError("the sandbox ran out of pages; raise its meeting count")
    return samples


async def _throughput(url: str, key: str, account_id: str, meeting_ids: list[str]) -> float:
    headers = {"Authorization": f"Bearer {key}"}
    params = {"integrated_account_id": account_id}
    done = 0
    stop = time.perf_counter() + THROUGHPUT_SECONDS

    async def client(worker: int) -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
            turn = worker
            while time.perf_counter() < stop:
                meeting_id = meeting_ids[turn % len(meeting_ids)]
                response = await http.get(f"{UNIFIED}/meetings/{meeting_id}", params=params)
                response.raise_for_status()
                done += 1
                turn += CONCURRENCY

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(CONCURRENCY)))
    return done / (time.perf_counter() - started)


def run() -> dict[str, float]:
    """Start the sandbox and Parley, measure, print the table and return the numbers."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_sandbox(SandboxConfig(seed=7, meetings=100 * (FIRST_READ_PAGES + 2))) as (
            chorus_url,
            token,
        ),
        parley_server(Path(tmp)) as (url, env),
    ):
        key = _api_key(env)
        headers = {"Authorization": f"Bearer {key}"}
        with (
            httpx.Client(base_url=url, headers=headers, timeout=60) as parley,
            httpx.Client(
                base_url=chorus_url, headers={"Authorization": token}, timeout=60
            ) as chorus,
        ):
            linked = parley.post(
                "/integrated-accounts",
                json={
                    "integration": "chorus",
                    "credentials": {"api_token": token},
                    "settings": {"base_url": chorus_url},
                },
            )
            linked.raise_for_status()
            account_id = linked.json()["id"]
            first = _first_reads(parley, chorus, account_id)
            samples = _latencies(parley, chorus, account_id)
            page = parley.get(
                f"{UNIFIED}/meetings", params={"integrated_account_id": account_id, "limit": 200}
            ).json()
        meeting_ids = [m["id"] for m in page["result"]]
        rps = asyncio.run(_throughput(url, key, account_id, meeting_ids))
    unified, proxy, direct = (_median_ms(samples[n]) for n in ("unified", "proxy", "direct"))
    cold_unified, cold_proxy, cold_direct = (
        _median_ms(first[n]) for n in ("unified", "proxy", "direct")
    )
    own_proxy, own_unified = (_median_ms(samples[n]) for n in ("proxy_parley", "unified_parley"))
    ratio = unified / proxy
    cold_ratio = cold_unified / cold_proxy
    print("median latency, 100 meetings per page, sandbox without latency, requests interleaved")
    print()
    print(f"{'path':<34}{'same page':>12}{'first read':>12}")
    print(f"{'':<34}{f'x{ROUNDS}':>12}{f'{FIRST_READ_PAGES} pages':>12}")
    for label, same, cold in (
        ("unified GET meetings?limit=100", unified, cold_unified),
        ("proxy GET /v3/engagements", proxy, cold_proxy),
        ("direct to the sandbox", direct, cold_direct),
    ):
        print(f"{label:<34}{same:>9.1f} ms{cold:>9.1f} ms")
    print()
    print(
        f"unified/proxy, the same page again: {ratio:.2f} "
        f"(goal <= 1.2: {'met' if ratio <= 1.2 else 'NOT met'}), unified/direct "
        f"{unified / direct:.2f}"
    )
    print(
        f"unified/proxy, pages never listed before: {cold_ratio:.2f}, unified/direct "
        f"{cold_unified / cold_direct:.2f}"
    )
    print(
        f"Parley's own time (Server-Timing `parley`), same page: proxy {own_proxy:.2f} ms "
        f"(goal <= 2 ms: {'met' if own_proxy <= 2 else 'NOT met'}; the proxy's total "
        f"{proxy:.1f} ms, direct {direct:.1f} ms), unified {own_unified:.2f} ms"
    )
    print(
        f"unified get, {CONCURRENCY} concurrent clients: {rps:.0f} requests/s "
        f"({os.cpu_count()} cores)"
    )
    return {
        "unified_median_ms": unified,
        "proxy_median_ms": proxy,
        "direct_median_ms": direct,
        "unified_over_proxy": ratio,
        "unified_over_proxy_first_read": cold_ratio,
        "unified_over_direct": unified / direct,
        "proxy_parley_median_ms": own_proxy,
        "unified_parley_median_ms": own_unified,
        "unified_get_rps": rps,
    }


if __name__ == "__main__":
    run()
