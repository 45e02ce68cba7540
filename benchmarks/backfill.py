"""A keyword rule's backfill over 10,000 stored meetings (goal: ≤ 30 s on 2 cores).

Builds a migrated SQLite file holding `meetings` (default 10,000) of the sandbox's synthetic
sales calls with their transcript entries (raw sqlite3, one transaction), creates a rule of
3 phrases (a word, a two-word phrase, a prefix) through `RuleService`, and times
`Backfiller.run` to `completed`: batches of stored entry rows read back, matched, snippets
written, progress updated per batch. Printed: the time, meetings/s and the snippets found.

    python -m benchmarks.backfill [meetings]
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from parley.insights.backfill import Backfiller
from parley.insights.rules import RuleChange, RuleService
from parley.insights.triggers import MatcherCache
from parley.sandbox.config import SandboxConfig
from parley.sandbox.state import SandboxState
from parley.storage import Database

__all__ = ["run"]

MEETINGS = 10_000
GOAL_S = 30.0
ACCOUNT = "00000000-0000-4000-8000-000000000001"
TENANT = "00000000-0000-4000-8000-000000000002"
PHRASES = ["pricing", "next steps", "integrat*"]
_SPEAKER = {"rep": "user", "cust": "guest"}


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def build(path: Path, meetings: int) -> int:
    """A migrated SQLite file with `meetings` stored calls; returns their entries."""

    async def migrate() -> None:
        async with Database(f"sqlite+aiosqlite:///{path}") as db:
            await db.migrate()

    asyncio.run(migrate())
    state = SandboxState(SandboxConfig(seed=2024, meetings=500))
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    entries, made, index = 0, 0, 0
    now = _stamp(datetime.now(UTC))
    with connection:
        connection.execute("INSERT INTO tenants VALUES (?, 'bench', ?)", (TENANT, now))
        connection.execute(
            "INSERT INTO integrated_accounts (id, tenant_id, integration, status, "
            "credentials_ciphertext, key_id, settings, created_at, updated_at) "
            "VALUES (?, ?, 'chorus', 'active', x'00', 'k', '{}', ?, ?)",
            (ACCOUNT, TENANT, now, now),
        )
        while made < meetings:
            meeting = state.store.meeting(index % 500)
            index += 1
            utterances = state.store.transcript(meeting).utterances
            if not utterances:
                continue
            mid = f"{meeting.id}-{index}"
            data = {"id": mid, "title": meeting.subject}
            row = (ACCOUNT, mid, meeting.subject, "completed", "meeting", _stamp(meeting.start_dt),
                   float(meeting.duration), None, 1, "", json.dumps(data), now, now)  # fmt: skip
            lines = [
                (ACCOUNT, mid, u.index, str(u.speaker.cluster_id), u.speaker.name,
                 _SPEAKER.get(u.speaker.type, "unknown"), None, u.start, u.start + u.length,
                 u.text)
                for u in utterances
            ]  # fmt: skip
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
            entries += len(lines)
            made += 1
    connection.close()
    return entries


class _Noted:
    async def enqueue(self, rule_id: str, version: int) -> None:
        del rule_id, version


async def _backfill(path: Path) -> tuple[float, int, int]:
    async with Database(f"sqlite+aiosqlite:///{path}") as db:
        rules = RuleService(db, _Noted(), MatcherCache())
        rule = await rules.create(TENANT, RuleChange(name="bench", phrases=PHRASES))
        backfiller = Backfiller(db, lambda a, m, s: f"/m/{m}#t={s}")
        started = time.perf_counter()
        outcome = await backfiller.run(rule.id, 1)
        elapsed = time.perf_counter() - started
        assert outcome.status == "completed", outcome
        return elapsed, outcome.meetings_scanned, outcome.snippets


def run(*, meetings: int = MEETINGS) -> dict[str, float]:
    """Build the store, time one rule's backfill, print and return the numbers."""
    with tempfile.TemporaryDirectory(prefix="parley-backfill-bench-") as tmp:
        path = Path(tmp) / "backfill.db"
        started = time.perf_counter()
        entries = build(path, meetings)
        build_s = time.perf_counter() - started
        elapsed, scanned, snippets = asyncio.run(_backfill(path))
    print(
        f"{meetings:,} stored meetings ({entries:,} entries), built in {build_s:.1f} s; "
        f"rule {PHRASES}"
    )
    print(
        f"backfill: {elapsed:.1f} s ({scanned / elapsed:,.0f} meetings/s), {snippets:,} "
        f"snippets (goal ≤ {GOAL_S:.0f} s: {'met' if elapsed <= GOAL_S else 'NOT met'})"
    )
    return {
        "backfill_meetings": float(scanned),
        "backfill_entries": float(entries),
        "backfill_s": elapsed,
        "backfill_snippets": float(snippets),
    }


if __name__ == "__main__":
    run(meetings=int(sys.argv[1]) if len(sys.argv) > 1 else MEETINGS)
