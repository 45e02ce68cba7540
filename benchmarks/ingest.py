"""Ingest "Parley only" with insights on vs off, beside SQLite's single-writer ceiling.

One sandbox's Chorus answers are recorded once over HTTP, then replayed in process
(`benchmarks/tape.py`) into fresh SQLite stores, in the same run:

- insights off: the sync executor with no page hooks;
- insights on: every page hook the Runtime registers (keyword triggers, CRM, analytics, deal
  risk) with 100 keyword rules of 3 phrases and 1,000 CRM contacts in place (goal >= 0.8x);
- the ceiling: the rows the "off" sync stored (meetings, attendees, transcript entries)
  written again into an empty copy of the same schema with raw `sqlite3` and no Python in
  the way beyond `executemany`, a page of 100 meetings per transaction, the FTS5 index filled
  by one `INSERT … SELECT` per page as the store writer does (ADR 0006's measurement).
  Goal: Parley >= 0.5x the ceiling; the old absolute goal of 1,000 meetings/s is printed too.

`python -m benchmarks.ingest [MEETINGS]` (default 1,000; PARLEY_BENCH_INGEST_MEETINGS);
`python -m benchmarks.ingest split [MEETINGS]`: each page hook alone, to see where the cost is.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks import keywords
from benchmarks.sync import _linked, _settings, remote_sandbox
from benchmarks.tape import Recorder, Replayer, Tape
from parley.accounts import IntegratedAccountService
from parley.insights.rules import RuleChange
from parley.runtime import Runtime
from parley.sandbox.config import FaultConfig, SandboxConfig
from parley.sandbox.org import build_org
from parley.storage.page_hooks import PageHook
from parley.sync import RunExecutor, SyncOptions

__all__ = ["run"]

MEETINGS = 1_000
RULES = 100
CONTACTS = 1_000
PAGE = 100


def _rules() -> list[tuple[list[str], str]]:
    """Rules as `benchmarks/keywords.py` makes them: words said in at most 1% of the sandbox's
    entries, their prefixes, pairs of them and words never said; a third for guests only."""
    return [
        (list(rule.phrases), rule.speaker_type)
        for rule in keywords._rules(keywords._transcripts(100), RULES)
    ]


def _contacts() -> list[dict[str, object]]:
    """The sandbox's real guests first (so they match), then others up to CONTACTS."""
    org = build_org(SandboxConfig(seed=2025, meetings=MEETINGS))
    emails = [c.email for company in org.companies for c in company.contacts]
    emails += [f"person{n}@elsewhere{n % 97}.example" for n in range(CONTACTS - len(emails))]
    return [
        {"external_id": f"c{n}", "emails": [e], "name": e} for n, e in enumerate(emails[:CONTACTS])
    ]


async def _insights(runtime: Runtime, tenant_id: str, account_id: str) -> None:
    for n, (phrases, speaker) in enumerate(_rules()):
        change = RuleChange(
            name=f"rule {n}",
            phrases=phrases,
            integrated_account_id=account_id,
            speaker_type=speaker,
        )
        await runtime.keywords.rules.create(tenant_id, change)
    await runtime.crm.batch("contact", tenant_id, account_id, {"contacts": _contacts()})
    if runtime.keywords.local_queue is not None:
        await runtime.keywords.local_queue.join()  # the (empty) backfills end before timing


def _hooks(runtime: Runtime) -> tuple[PageHook, ...]:
    # The same hooks, in the same order, as Runtime.__init__ gives its sync executor.
    return (runtime.keywords.triggers, runtime.crm, runtime.analytics, runtime.deals)


async def _replay(
    directory: Path, url: str, token: str, tape: Tape, *, insights: bool, only: int | None = None
) -> tuple[float, int]:
    runtime = await Runtime.start(_settings(directory, unpaced=True))
    try:
        tenant_id, account_id = await _linked(runtime, url, token)
        if insights:
            await _insights(runtime, tenant_id, account_id)
        http = replace(runtime.http, transport=Replayer(tape))
        accounts = IntegratedAccountService(runtime.db, runtime.vault, runtime.settings, http)
        options = SyncOptions.from_settings(runtime.settings)
        hooks = _hooks(runtime) if insights else ()
        if only is not None:
            hooks = hooks[only : only + 1]
        executor = RunExecutor(runtime.db, accounts.use, options, hooks=hooks)
        started = time.perf_counter()
        run, _ = await runtime.sync.create(tenant_id, account_id, trigger="bench")
        done = await executor.execute(run.id)
        wall = time.perf_counter() - started
    finally:
        await runtime.close()
    if done.status.value != "completed":
        raise RuntimeError(f"the benchmark sync failed: {done.errors}")
    return wall, done.counts.get("created", 0)


def ceiling(source: Path, directory: Path) -> tuple[float, int]:
    """Raw sqlite3 write of `source`'s meetings, attendees and entries into an empty copy."""
    target = directory / "ceiling.db"
    shutil.copy(source, target)
    with sqlite3.connect(source) as src:
        tables = {}
        for table in ("meetings", "attendees", "transcript_entries"):
            columns = [r[1] for r in src.execute(f"PRAGMA table_info({table})")]
            if table == "transcript_entries":
                columns.remove("id")  # the driver assigns it, as in the store writer
            quoted = ", ".join(f'"{c}"' for c in columns)
            rows = src.execute(f"SELECT {quoted} FROM {table}").fetchall()
            tables[table] = (
                quoted,
                len(columns),
                rows,
                columns.index("id" if table == "meetings" else "meeting_id"),
            )
        ids = [r[0] for r in src.execute("SELECT id FROM meetings ORDER BY start_time, id")]
        account = src.execute("SELECT account_id FROM meetings LIMIT 1").fetchone()[0]
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    for table in ("transcript_entries", "attendees", "meetings"):
        db.execute(f"DELETE FROM {table}")
    db.execute("INSERT INTO transcript_fts(transcript_fts) VALUES ('delete-all')")
    db.execute("VACUUM")
    by_meeting: dict[str, dict[str, list[tuple[object, ...]]]] = {}
    for table, (_, _, rows, at) in tables.items():
        for row in rows:
            by_meeting.setdefault(str(row[at]), {}).setdefault(table, []).append(row)
    pages = [ids[i : i + PAGE] for i in range(0, len(ids), PAGE)]
    prepared = [
        {t: [r for m in page for r in by_meeting.get(m, {}).get(t, [])] for t in tables}
        for page in pages
    ]
    started = time.perf_counter()
    for page, rows in zip(pages, prepared, strict=True):
        db.execute("BEGIN")
        for table, (quoted, width, _, _) in tables.items():
            marks = ", ".join("?" * width)
            db.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows[table])
        db.execute(
            "INSERT INTO transcript_fts (rowid, text) SELECT id, text FROM transcript_entries "
            f"WHERE account_id = ? AND meeting_id IN ({', '.join('?' * len(page))})",
            (account, *page),
        )
        db.execute("COMMIT")
    wall = time.perf_counter() - started
    db.close()
    return wall, len(ids)


def run(*, meetings: int | None = None) -> dict[str, float]:
    """Record once, replay off / on, measure the ceiling; print side by side."""
    count = meetings or int(os.environ.get("PARLEY_BENCH_INGEST_MEETINGS", MEETINGS))
    tape: Tape = {}
    with tempfile.TemporaryDirectory() as tmp, remote_sandbox(count, FaultConfig()) as served:
        url, token = served
        root = Path(tmp)
        record = root / "record"
        record.mkdir()
        asyncio.run(_record(record, url, token, tape))
        results = {}
        for name, on in (("off", False), ("on", True)):
            directory = root / name
            directory.mkdir()
            wall, created = asyncio.run(_replay(directory, url, token, tape, insights=on))
            results[name] = created / wall
        raw_wall, raw_count = ceiling(root / "off" / "bench.db", root)
    top = raw_count / raw_wall
    off, on = results["off"], results["on"]
    met = {True: "met", False: "NOT met"}
    print(
        "\n".join(
            [
                f"ingest, Parley only, first sync of {count} meetings (recorded answers replayed)",
                f"   insights off {off:.0f} meetings/s | insights on ({RULES} rules x 3 phrases, "
                f"{CONTACTS} contacts, deal risk, analytics) {on:.0f} meetings/s: "
                f"on/off {on / off:.2f} (goal >= 0.8: {met[on / off >= 0.8]})",
                f"   SQLite single-writer ceiling (raw sqlite3, same rows, {PAGE} per "
                f"transaction, FTS5): {top:.0f} meetings/s; Parley (off) / ceiling "
                f"{off / top:.2f} (goal >= 0.5: {met[off / top >= 0.5]}), "
                f"on / ceiling {on / top:.2f}",
                f"   old absolute goal >= 1,000 meetings/s: {met[off >= 1000]} "
                f"({off / 1000:.0%} of it; the ceiling itself is {top / 1000:.0%} of it)",
            ]
        )
    )
    return {
        "ingest_off_per_s": off,
        "ingest_on_per_s": on,
        "ingest_on_over_off": on / off,
        "ceiling_per_s": top,
        "ingest_over_ceiling": off / top,
    }


async def _record(directory: Path, url: str, token: str, tape: Tape) -> None:
    """A first sync over HTTP whose every Chorus answer is kept on `tape`."""
    runtime = await Runtime.start(_settings(directory, unpaced=True))
    try:
        tenant_id, account_id = await _linked(runtime, url, token)
        http = replace(runtime.http, transport=Recorder(tape))
        accounts = IntegratedAccountService(runtime.db, runtime.vault, runtime.settings, http)
        executor = RunExecutor(
            runtime.db, accounts.use, SyncOptions.from_settings(runtime.settings)
        )
        run_view, _ = await runtime.sync.create(tenant_id, account_id, trigger="bench")
        await executor.execute(run_view.id)
    finally:
        await runtime.close()


def split(meetings: int) -> None:
    """Each page hook alone (the seeded rules and contacts in place): where the cost is."""
    tape: Tape = {}
    with tempfile.TemporaryDirectory() as tmp, remote_sandbox(meetings, FaultConfig()) as served:
        root = Path(tmp)
        (root / "record").mkdir()
        asyncio.run(_record(root / "record", *served, tape))
        for n, name in enumerate(("none", "keywords", "crm", "analytics", "deals")):
            (root / name).mkdir()
            only = None if n == 0 else n - 1
            replay = _replay(root / name, *served, tape, insights=n > 0, only=only)
            wall, created = asyncio.run(replay)
            print(f"   hooks: {name:<9} {created / wall:.0f} meetings/s")


if __name__ == "__main__":
    if sys.argv[1:2] == ["split"]:
        split(int(sys.argv[2]) if sys.argv[2:] else 500)
    else:
        run(meetings=int(sys.argv[1]) if sys.argv[1:] else None)
