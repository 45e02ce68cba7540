"""Transcript search over a large SQLite store: Parley's FTS5 search vs a plain LIKE scan.

Builds a migrated SQLite file holding `entries` transcript entries (default 1,000,000) of
the sandbox's synthetic sales calls (bulk-inserted with raw sqlite3 in one transaction; the
migration's triggers fill the FTS5 index), then times a set of realistic queries through
`TranscriptSearch` (ranked, highlighted, 20 hits, one account) and the same words through a
plain `LIKE '%word%'` scan that returns every matching entry. Printed: p50 and p95 per
engine (goal p95 < 50 ms for Parley) and the LIKE/Parley ratio.

    python -m benchmarks.search [entries]
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from parley.insights import SearchFilters, TranscriptSearch
from parley.sandbox.config import SandboxConfig
from parley.sandbox.state import SandboxState
from parley.storage import Database

__all__ = ["QUERIES", "build", "run"]

ENTRIES = 1_000_000
ACCOUNT = "00000000-0000-4000-8000-000000000001"
TENANT = "00000000-0000-4000-8000-000000000002"
#: What users of a call-recording product search for: rare and very common words (`coaching`
#: is in ~8% of entries), a phrase, a prefix, OR, and a word that is never said.
QUERIES = (
    "pricing",
    "discount",
    "budget",
    '"next steps"',
    "security",
    "salesforce OR hubspot",
    "procurement",
    "onboarding",
    "integrat*",
    "trial OR pilot",
    "gong",
    "forecast",
    "ramp time",
    "coaching",
    "seats",
    "timeline",
)
REPEATS = 5
_SPEAKER = {"rep": "user", "cust": "guest"}
_WORDS = re.compile(r"\w+")


def _stamp(when: datetime) -> str:
    # How SQLAlchemy stores an aware UTC datetime in SQLite (UTC wall time, no offset).
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _calls(entries: int) -> Iterator[tuple[tuple[object, ...], list[tuple[object, ...]]]]:
    """(meeting row, entry rows) of sandbox calls until `entries` entries are made."""
    meetings = max(100, entries // 120)
    state = SandboxState(SandboxConfig(seed=2024, meetings=meetings * 2))
    made, index, now = 0, 0, _stamp(datetime.now(UTC))
    while made < entries:
        meeting = state.store.meeting(index % (meetings * 2))
        index += 1
        utterances = state.store.transcript(meeting).utterances
        if not utterances:
            continue
        mid = f"{meeting.id}-{index}"
        link = f"http://127.0.0.1:8000/unified/conversational-intelligence/meetings/{mid}/recording"
        data = {"id": mid, "title": meeting.subject, "audio_recording_url": link}
        row = (ACCOUNT, mid, meeting.subject, "completed", "meeting", _stamp(meeting.start_dt),
               float(meeting.duration), None, 1, "", json.dumps(data), now, now)  # fmt: skip
        lines = [
            (ACCOUNT, mid, u.index, str(u.speaker.cluster_id), u.speaker.name,
             _SPEAKER.get(u.speaker.type, "unknown"), None, u.start, u.start + u.length, u.text)
            for u in utterances[: entries - made]
        ]  # fmt: skip
        made += len(lines)
        yield row, lines


def build(path: Path, entries: int) -> int:
    """A migrated SQLite file at `path` with `entries` transcript entries; returns meetings."""

    async def migrate() -> None:
        async with Database(f"sqlite+aiosqlite:///{path}") as db:
            await db.migrate()

    asyncio.run(migrate())
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    meetings = 0
    with connection:
        now = _stamp(datetime.now(UTC))
        connection.execute("INSERT INTO tenants VALUES (?, 'bench', ?)", (TENANT, now))
        connection.execute(
            "INSERT INTO integrated_accounts (id, tenant_id, integration, status, "
            "credentials_ciphertext, key_id, settings, created_at, updated_at) "
            "VALUES (?, ?, 'chorus', 'active', x'00', 'k', '{}', ?, ?)",
            (ACCOUNT, TENANT, now, now),
        )
        for row, lines in _calls(entries):
            connection.execute(
                "INSERT INTO meetings (account_id, id, title, status, type, start_time, duration, "
                "owner_user_id, has_details, content_hash, data, created_at, updated_at) "
                f"VALUES ({', '.join('?' * 13)})",
                row,
            )
            connection.executemany(
                'INSERT INTO transcript_entries (account_id, meeting_id, "index", speaker_id, '
                "speaker_name, speaker_type, user_id, start_time, end_time, text) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                lines,
            )
            meetings += 1
        # The store writer indexes per page (migration 0004); a bulk load rebuilds once.
        connection.execute("INSERT INTO transcript_fts (transcript_fts) VALUES ('rebuild')")
    connection.execute("PRAGMA optimize")
    connection.close()
    return meetings


async def _parley_times(path: Path) -> tuple[list[float], int]:
    timings: list[float] = []
    found = 0
    async with Database(f"sqlite+aiosqlite:///{path}") as db:
        search = TranscriptSearch(db, playback=lambda a, m, kind, who: f"/play/{m}?kind={kind}")
        filters = SearchFilters(account_ids=(ACCOUNT,))
        for query in QUERIES:
            await search.search(query, filters)  # warm the page cache and the pool
            for _ in range(REPEATS):
                started = time.perf_counter()
                result = await search.search(query, filters, limit=20)
                timings.append(time.perf_counter() - started)
            found += len(result.hits)
    return timings, found


def _like_times(path: Path) -> list[float]:
    """Every entry containing each word of the query (the plain way, no index, no rank)."""
    connection = sqlite3.connect(path)
    timings: list[float] = []
    try:
        for query in QUERIES:
            words = [w for w in _WORDS.findall(query.replace("*", "")) if w != "OR"]
            joiner = " OR " if " OR " in query else " AND "
            where = joiner.join("text LIKE ?" for _ in words)
            sql = f"SELECT id, text FROM transcript_entries WHERE account_id = ? AND ({where})"
            params = [ACCOUNT, *(f"%{w}%" for w in words)]
            for _ in range(REPEATS):
                started = time.perf_counter()
                connection.execute(sql, params).fetchall()
                timings.append(time.perf_counter() - started)
    finally:
        connection.close()
    return timings


def _quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def run(*, entries: int = ENTRIES) -> dict[str, float]:
    """Build the store, time both ways, print the table and return the numbers."""
    with tempfile.TemporaryDirectory(prefix="parley-search-bench-") as tmp:
        path = Path(tmp) / "search.db"
        started = time.perf_counter()
        meetings = build(path, entries)
        build_s = time.perf_counter() - started
        parley, hits = asyncio.run(_parley_times(path))
        like = _like_times(path)
        size_mib = path.stat().st_size / 1024 / 1024
    p50, p95 = _quantile(parley, 0.50), _quantile(parley, 0.95)
    l50, l95 = _quantile(like, 0.50), _quantile(like, 0.95)
    print(
        f"{entries:,} transcript entries in {meetings:,} meetings, built in {build_s:.1f} s "
        f"({size_mib:.0f} MiB); {len(QUERIES)} queries x {REPEATS} runs, 20 hits each"
    )
    print(f"{'engine':<26}{'p50 ms':>9}{'p95 ms':>9}")
    print(f"{'parley (FTS5, ranked)':<26}{p50 * 1000:>9.1f}{p95 * 1000:>9.1f}")
    print(f"{'plain LIKE scan':<26}{l50 * 1000:>9.1f}{l95 * 1000:>9.1f}")
    print(
        f"parley p95 {p95 * 1000:.1f} ms (goal < 50 ms: {'met' if p95 < 0.05 else 'NOT met'}); "
        f"LIKE/parley: p50 {l50 / p50:.1f}x, p95 {l95 / p95:.1f}x; {hits} hits returned"
    )
    return {
        "search_entries": float(entries),
        "search_build_s": build_s,
        "search_p50_ms": p50 * 1000,
        "search_p95_ms": p95 * 1000,
        "like_p50_ms": l50 * 1000,
        "like_p95_ms": l95 * 1000,
        "like_over_search_p50": l50 / p50,
        "like_over_search_p95": l95 / p95,
    }


if __name__ == "__main__":
    run(entries=int(sys.argv[1]) if len(sys.argv) > 1 else ENTRIES)
