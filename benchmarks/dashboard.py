"""The dashboard page over a large SQLite store: `/app/dashboard` HTML p95 (goal ≤ 300 ms).

The store is `benchmarks.analytics`'s (10,000 stored meetings of the sandbox's synthetic
sales calls with their analytics inputs, users and teams), plus one deal per
`MEETINGS_PER_DEAL` meetings with a stored risk (two signals with evidence), bulk-inserted
with raw sqlite3. Then the page is timed over HTTP in process (the FastAPI app over an ASGI
transport: the page's authentication, both analytics reports, the teams, the deals, the
template), unfiltered and for one team, beside `GET /insights/analytics?group_by=user` (the
JSON report the page's rep table equals) in the same run, as a ratio.

    python -m benchmarks.dashboard [meetings]
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from pydantic import SecretStr

from benchmarks.analytics import ACCOUNT, build
from parley.api.app import create_app
from parley.config import Settings
from parley.runtime import Runtime
from parley.sandbox.config import SandboxConfig
from parley.sandbox.state import SandboxState
from parley.security import generate_secret_key

__all__ = ["add_deals", "run"]

MEETINGS = 10_000
MEETINGS_PER_DEAL = 10
REPEATS = 40
WARM_UP = 5
GOAL_S = 0.300


def _stamp(when: datetime) -> str:
    # How SQLAlchemy stores an aware UTC datetime in SQLite (UTC wall time, no offset).
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def add_deals(connection: sqlite3.Connection, meetings: int) -> tuple[int, str]:
    """One deal per `MEETINGS_PER_DEAL` meetings (a competitor and a pricing signal, score
    55, high); how many, and a team id of the org for the filtered page."""
    state = SandboxState(SandboxConfig(seed=2024, meetings=meetings))
    now = datetime.now(UTC)
    deals = 0
    with connection:
        for first in range(0, meetings, MEETINGS_PER_DEAL):
            group = [
                state.store.meeting(i)
                for i in range(first, min(first + MEETINGS_PER_DEAL, meetings))
            ]
            starts = [m.start_dt for m in group]
            latest = max(group, key=lambda m: m.start_dt)
            evidence = [
                {"meeting_id": m.id, "meeting_start_time": m.start_dt.isoformat(),
                 "start_time": 42.0, "text": "We are also looking at Gong.", "tracker": None,
                 "playback_url": None}
                for m in group[:3]
            ]  # fmt: skip
            signals = [
                {"type": "competitor_mentioned", "weight": 30, "evidence": evidence,
                 "summary": "A competitor came up in 3 of the last 3 meetings"},
                {"type": "pricing_objection", "weight": 25, "evidence": evidence[:2],
                 "summary": "A guest objected to pricing in 2 of the last 3 meetings"},
            ]  # fmt: skip
            last = {"meeting_id": latest.id, "meeting_start_time": latest.start_dt.isoformat()}
            risk = {"signals": signals, "last_completed": last}
            opportunity = f"opp-{first // MEETINGS_PER_DEAL:05d}"
            connection.execute(
                "INSERT INTO deals (account_id, opportunity_id, name, account_name, stage, "
                "meeting_count, first_meeting_at, last_meeting_at, customer_emails, risk, "
                "base_score, stall_at, score, level, last_raised_level, computed_at) "
                f"VALUES ({', '.join('?' * 16)})",
                (ACCOUNT, opportunity, f"Deal {opportunity}", "Customer Inc", "Proposal",
                 len(group), _stamp(min(starts)), _stamp(max(starts)), "[]", json.dumps(risk),
                 55, _stamp(latest.start_dt + timedelta(days=21)), 55, "high", "high",
                 _stamp(now)),
            )  # fmt: skip
            connection.executemany(
                "INSERT INTO deal_meetings VALUES (?, ?, ?)",
                [(ACCOUNT, m.id, opportunity) for m in group],
            )
            deals += 1
    return deals, str(state.org.teams[0].id)


def _quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


async def _time(client: httpx.AsyncClient, url: str) -> list[float]:
    for _ in range(WARM_UP):  # the very first also runs the (empty) analytics backfill
        warm = await client.get(url)
        assert warm.status_code == 200, warm.text
    timings = []
    for _ in range(REPEATS):
        begun = time.perf_counter()
        response = await client.get(url)
        timings.append(time.perf_counter() - begun)
        assert response.status_code == 200
    return timings


async def _measure(directory: Path, meetings: int) -> tuple[dict[str, list[float]], str]:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{directory / 'dashboard.db'}",
        secret_key=SecretStr(generate_secret_key()),
        key_file=directory / "parley.key",
    )
    runtime = await Runtime.start(settings)
    try:
        tenant = await runtime.tenants.get_or_create("bench")
        key, _ = await runtime.api_keys.create_key("bench")
        started = time.perf_counter()
        connection = sqlite3.connect(directory / "dashboard.db")
        try:
            counted = build(connection, tenant.id, meetings)
            deals, team = add_deals(connection, meetings)
            connection.execute("PRAGMA optimize")
        finally:
            connection.close()
        built = (
            f"{meetings:,} stored meetings ({counted:,} counted), {deals:,} deals, built in "
            f"{time.perf_counter() - started:.1f} s; {REPEATS} requests per route over HTTP "
            "(in process)"
        )
        routes = {
            "dashboard": f"/app/dashboard?integrated_account_id={ACCOUNT}",
            "dashboard_team": f"/app/dashboard?integrated_account_id={ACCOUNT}&team_id={team}",
            "analytics": f"/insights/analytics?group_by=user&integrated_account_id={ACCOUNT}",
        }
        app = create_app(settings, runtime=runtime)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers
        ) as client:
            timings = {name: await _time(client, url) for name, url in routes.items()}
        return timings, built
    finally:
        await runtime.close()


def run(*, meetings: int = MEETINGS) -> dict[str, float]:
    """Build the store, time the page and the JSON report, print them and their ratio."""
    with tempfile.TemporaryDirectory(prefix="parley-dashboard-bench-") as tmp:
        timings, built = asyncio.run(_measure(Path(tmp), meetings))
    print(built)
    print(f"{'route':<52}{'p50 ms':>9}{'p95 ms':>9}")
    labels = {
        "dashboard": "/app/dashboard (HTML)",
        "dashboard_team": "/app/dashboard?team_id=… (HTML)",
        "analytics": "/insights/analytics?group_by=user (JSON)",
    }
    results: dict[str, float] = {"dashboard_meetings": float(meetings)}
    for name, values in timings.items():
        p50, p95 = _quantile(values, 0.50), _quantile(values, 0.95)
        print(f"{labels[name]:<52}{p50 * 1000:>9.1f}{p95 * 1000:>9.1f}")
        results[f"dashboard_{name}_p50_ms"] = p50 * 1000
        results[f"dashboard_{name}_p95_ms"] = p95 * 1000
    page, report = results["dashboard_dashboard_p95_ms"], results["dashboard_analytics_p95_ms"]
    results["dashboard_to_analytics_p95_ratio"] = page / report
    verdict = "met" if page <= GOAL_S * 1000 else "NOT met"
    print(
        f"dashboard p95 {page:.1f} ms = {page / report:.2f}x the JSON report's {report:.1f} ms "
        f"(goal ≤ {GOAL_S * 1000:.0f} ms: {verdict})"
    )
    return results


if __name__ == "__main__":
    run(meetings=int(sys.argv[1]) if len(sys.argv) > 1 else MEETINGS)
