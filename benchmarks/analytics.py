"""Team analytics over a large SQLite store: `GET /insights/analytics` p95 (goal ≤ 100 ms).

Builds a migrated SQLite file holding `meetings` stored meetings (default 10,000) of the
sandbox's synthetic sales calls, with their analytics inputs computed by Parley's own pure
function (`inputs_of`) from each call's utterances, plus the sandbox's users and teams
(bulk-inserted with raw sqlite3 in one transaction). Then times the HTTP route in process
(the FastAPI app over an ASGI transport: authentication, the account check, parsing,
the two `GROUP BY` queries, folding and JSON) for each `group_by` and the CSV export.

    python -m benchmarks.analytics [meetings]
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pydantic import SecretStr

from parley.api.app import create_app
from parley.config import Settings
from parley.insights.analytics_inputs import inputs_of
from parley.runtime import Runtime
from parley.sandbox.config import SandboxConfig
from parley.sandbox.state import SandboxState
from parley.sandbox.trackers import tracker_by_key
from parley.security import generate_secret_key

__all__ = ["build", "run"]

MEETINGS = 10_000
ACCOUNT = "00000000-0000-4000-8000-000000000001"
REPEATS = 40
#: Requests per route before timing (statement caches, SQLite's page cache).
WARM_UP = 5
GOAL_S = 0.100
_SPEAKER = {"rep": "user", "cust": "guest"}
_ROUTES = {
    "user": "/insights/analytics?group_by=user",
    "team": "/insights/analytics?group_by=team",
    "week": "/insights/analytics?group_by=week",
    "csv": "/insights/analytics.csv?group_by=user",
}


def _stamp(when: datetime) -> str:
    # How SQLAlchemy stores an aware UTC datetime in SQLite (UTC wall time, no offset).
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _settings(directory: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{directory / 'analytics.db'}",
        secret_key=SecretStr(generate_secret_key()),
        key_file=directory / "parley.key",
    )


def build(connection: sqlite3.Connection, tenant_id: str, meetings: int) -> int:
    """Insert the account, `meetings` meetings with their inputs, users and teams; how many
    meetings count (completed with a transcript)."""
    state = SandboxState(SandboxConfig(seed=2024, meetings=meetings))
    now = _stamp(datetime.now(UTC))
    counted = 0
    with connection:
        connection.execute(
            "INSERT INTO integrated_accounts (id, tenant_id, integration, status, "
            "credentials_ciphertext, key_id, settings, created_at, updated_at) "
            "VALUES (?, ?, 'chorus', 'active', x'00', 'k', '{}', ?, ?)",
            (ACCOUNT, tenant_id, now, now),
        )
        for user in state.org.users:
            data = {
                "id": str(user.id),
                "name": user.name,
                "team_ids": [str(t) for t in user.team_ids],
            }
            connection.execute(
                "INSERT INTO users VALUES (?, ?, ?, '', ?, ?)",
                (ACCOUNT, str(user.id), user.email, json.dumps(data), now),
            )
        for team in state.org.teams:
            data = {
                "id": str(team.id),
                "name": team.name,
                "member_ids": [str(m) for m in team.member_ids],
            }
            connection.execute(
                "INSERT INTO teams VALUES (?, ?, '', ?, ?)",
                (ACCOUNT, str(team.id), json.dumps(data), now),
            )
        for index in range(meetings):
            meeting = state.store.meeting(index)
            owner = str(meeting.owner.id)
            status = "completed" if meeting.status == "done" else "processing"
            data = {"id": meeting.id, "owner": {"user_id": owner, "name": meeting.owner.name}}
            row = (ACCOUNT, meeting.id, meeting.subject, status, "meeting",
                   _stamp(meeting.start_dt), float(meeting.duration), owner, 1, "",
                   json.dumps(data), now, now)  # fmt: skip
            connection.execute(
                "INSERT INTO meetings (account_id, id, title, status, type, start_time, duration, "
                "owner_user_id, has_details, content_hash, data, created_at, updated_at) "
                f"VALUES ({', '.join('?' * 13)})",
                row,
            )
            transcript = state.store.transcript(meeting)
            spoken = [
                (None if u.speaker.user_id is None else str(u.speaker.user_id),
                 _SPEAKER.get(u.speaker.type, "unknown"), u.start, u.start + u.length)
                for u in transcript.utterances
            ]  # fmt: skip
            trackers = [(tracker_by_key(k).name, len(m), len(m)) for k, m in transcript.mentions]
            inputs = inputs_of(
                meeting_id=meeting.id, status=status, owner_user_id=owner,
                owner_name=meeting.owner.name, start_time=meeting.start_dt,
                duration=meeting.duration, spoken=spoken, trackers=trackers,
            )  # fmt: skip
            if inputs is None:
                continue
            counted += 1
            start = _stamp(meeting.start_dt)
            connection.execute(
                "INSERT INTO meeting_stats VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ACCOUNT, meeting.id, owner, inputs.owner_name, start, inputs.week,
                 inputs.duration, inputs.owner_talk, inputs.guest_talk, inputs.total_talk,
                 inputs.longest_monologue),
            )  # fmt: skip
            connection.executemany(
                "INSERT INTO meeting_topics VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(ACCOUNT, meeting.id, name, n, owner, start, inputs.week)
                 for name, n in inputs.topics],
            )  # fmt: skip
    connection.execute("PRAGMA optimize")
    return counted


def _quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


async def _measure(directory: Path, meetings: int) -> tuple[dict[str, list[float]], int, float]:
    settings = _settings(directory)
    runtime = await Runtime.start(settings)
    try:
        tenant = await runtime.tenants.get_or_create("bench")
        key, _ = await runtime.api_keys.create_key("bench")
        started = time.perf_counter()
        connection = sqlite3.connect(directory / "analytics.db")
        try:
            counted = build(connection, tenant.id, meetings)
        finally:
            connection.close()
        build_s = time.perf_counter() - started
        app = create_app(settings, runtime=runtime)
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {key}"}
        timings: dict[str, list[float]] = {}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers=headers
        ) as client:
            for name, route in _ROUTES.items():
                url = f"{route}&integrated_account_id={ACCOUNT}"
                for _ in range(WARM_UP):  # the very first also runs the (empty) backfill
                    warm = await client.get(url)
                    assert warm.status_code == 200, warm.text
                timings[name] = []
                for _ in range(REPEATS):
                    begun = time.perf_counter()
                    response = await client.get(url)
                    timings[name].append(time.perf_counter() - begun)
                    assert response.status_code == 200
        return timings, counted, build_s
    finally:
        await runtime.close()


def run(*, meetings: int = MEETINGS) -> dict[str, float]:
    """Build the store, time each report, print the table and return the numbers."""
    with tempfile.TemporaryDirectory(prefix="parley-analytics-bench-") as tmp:
        timings, counted, build_s = asyncio.run(_measure(Path(tmp), meetings))
    print(
        f"{meetings:,} stored meetings ({counted:,} counted), built in {build_s:.1f} s; "
        f"{REPEATS} requests per route over HTTP (in process)"
    )
    print(f"{'route':<44}{'p50 ms':>9}{'p95 ms':>9}")
    results: dict[str, float] = {"analytics_meetings": float(meetings)}
    for name, values in timings.items():
        p50, p95 = _quantile(values, 0.50), _quantile(values, 0.95)
        print(f"{_ROUTES[name]:<44}{p50 * 1000:>9.1f}{p95 * 1000:>9.1f}")
        results[f"analytics_{name}_p50_ms"] = p50 * 1000
        results[f"analytics_{name}_p95_ms"] = p95 * 1000
    p95 = results["analytics_user_p95_ms"]
    verdict = "met" if p95 <= GOAL_S * 1000 else "NOT met"
    print(f"group_by=user p95 {p95:.1f} ms (goal ≤ {GOAL_S * 1000:.0f} ms: {verdict})")
    return results


if __name__ == "__main__":
    run(meetings=int(sys.argv[1]) if len(sys.argv) > 1 else MEETINGS)
