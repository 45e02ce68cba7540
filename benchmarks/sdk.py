"""The SDK's auto-paging over 10,000 stored meetings vs a raw httpx loop over the same pages.

`parley serve` runs in its own process on a SQLite file holding `meetings` stored meetings
(default 10,000): the sandbox's synthetic sales calls, mapped by Parley's own Chorus
listing mapping (`meeting_from_row`) into list-level unified meetings with their raw
`remote_data`, bulk-inserted with raw sqlite3. Then, rounds interleaved so both see the
same machine:

- **raw**: an `httpx.Client` loop over `GET …/meetings?source=store&limit=500`, following
  `next_cursor`, `response.json()` per page (dicts, nothing validated);
- **sdk**: `list(client.meetings.list(account, source="store", limit=500))`: the same
  requests, each page parsed into typed `parley.unified.Meeting` models.

Printed: the median time of one walk over every meeting for each, and their ratio (goal
sdk/raw ≤ 1.2).

    python -m benchmarks.sdk [meetings]
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from benchmarks.api import _api_key, parley_server
from benchmarks.sandbox_proc import serve_sandbox
from parley.providers.chorus.listing import meeting_from_row
from parley.sandbox.config import SandboxConfig
from parley.sandbox.payloads import engagement_row
from parley.sandbox.state import SandboxState
from parley.sdk import Client
from parley.storage.repositories.store_records import meeting_record

__all__ = ["build", "run"]

MEETINGS = 10_000
PAGE = 500
ROUNDS = 8
WARM_UP = 2
GOAL = 1.2
MEETINGS_URL = "/unified/conversational-intelligence/meetings"


def _stamp(when: datetime) -> str:
    # How SQLAlchemy stores an aware UTC datetime in SQLite (UTC wall time, no offset).
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def build(database: Path, account_id: str, meetings: int) -> None:
    """Insert `meetings` stored meetings of the account (as a sync would have left them)."""
    state = SandboxState(SandboxConfig(seed=2025, meetings=meetings))
    now = _stamp(datetime.now(UTC))
    connection = sqlite3.connect(database)
    try:
        with connection:
            rows = []
            for index in range(meetings):
                raw = engagement_row(
                    state.store.meeting(index), "https://chorus.ai", with_trackers=True
                )
                record = meeting_record(
                    meeting_from_row(raw), has_details=False, remote_data={"engagement": raw}
                )
                m = record.meeting
                start = _stamp(m.start_time) if m.start_time else None
                owner = m.owner.user_id if m.owner else None
                rows.append(
                    (account_id, m.id, m.title, m.status.value, m.type.value, start, m.duration,
                     owner, 0, record.content_hash, json.dumps(record.data), now, now)
                )  # fmt: skip
            connection.executemany(f"INSERT INTO meetings VALUES ({', '.join('?' * 13)})", rows)
    finally:
        connection.close()


def _raw_walk(http: httpx.Client, account_id: str) -> int:
    params: dict[str, Any] = {"integrated_account_id": account_id, "source": "store", "limit": PAGE}
    items: list[dict[str, Any]] = []
    while True:
        body = http.get(MEETINGS_URL, params=params).json()
        items.extend(body["result"])
        if not body["next_cursor"]:
            return len(items)
        params["next_cursor"] = body["next_cursor"]


def _sdk_walk(client: Client, account_id: str) -> int:
    return len(list(client.meetings.list(account_id, source="store", limit=PAGE)))


def run(*, meetings: int = MEETINGS) -> dict[str, float]:
    """Build the store, time both walks, print them and their ratio; return the numbers."""
    with (
        tempfile.TemporaryDirectory(prefix="parley-sdk-bench-") as tmp,
        serve_sandbox(SandboxConfig(seed=1, meetings=1)) as (sandbox_url, token),
        parley_server(Path(tmp)) as (url, env),
    ):
        key = _api_key(env)
        headers = {"Authorization": f"Bearer {key}"}
        with (
            httpx.Client(base_url=url, headers=headers, timeout=120) as http,
            Client(key, url, timeout=120) as client,
        ):
            # A real linked account (sealed credentials), then its synced copy, built fast.
            account = client.accounts.create(token, base_url=sandbox_url).id
            started = time.perf_counter()
            build(Path(tmp) / "parley.db", account, meetings)
            build_s = time.perf_counter() - started
            for _ in range(WARM_UP):
                assert _raw_walk(http, account) == _sdk_walk(client, account) == meetings
            raw: list[float] = []
            sdk: list[float] = []
            for n in range(ROUNDS):
                # Alternate which walk goes first, so neither always follows the other.
                walks = [(raw, lambda: _raw_walk(http, account))]
                walks.append((sdk, lambda: _sdk_walk(client, account)))
                for samples, walk in walks if n % 2 == 0 else walks[::-1]:
                    begun = time.perf_counter()
                    walk()
                    samples.append(time.perf_counter() - begun)
    raw_s, sdk_s = statistics.median(raw), statistics.median(sdk)
    ratio = sdk_s / raw_s
    pages = -(-meetings // PAGE)
    print(
        f"{meetings:,} stored meetings (built in {build_s:.1f} s), {pages} pages of {PAGE}; "
        f"median of {ROUNDS} walks each, interleaved (order alternating)"
    )
    print(f"raw httpx loop (json dicts)       {raw_s * 1000:8.0f} ms")
    print(f"SDK auto-paging (typed Meetings)  {sdk_s * 1000:8.0f} ms")
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(f"SDK / raw {ratio:.2f} (goal ≤ {GOAL}: {verdict})")
    return {
        "sdk_meetings": float(meetings),
        "sdk_raw_walk_ms": raw_s * 1000,
        "sdk_walk_ms": sdk_s * 1000,
        "sdk_ratio": ratio,
    }


if __name__ == "__main__":
    run(meetings=int(sys.argv[1]) if len(sys.argv) > 1 else MEETINGS)
