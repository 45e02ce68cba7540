"""`parley rules add` killed with SIGKILL mid-backfill: the backfill resumes, nothing twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from benchmarks.backfill import TENANT, build
from sqlalchemy import func, select

from parley.config import Settings
from parley.insights.backfill import Backfiller
from parley.storage import Database, KeywordRuleRow, SnippetRow

MEETINGS = 2_000


async def test_a_killed_backfill_resumes_after_its_last_batch_without_duplicates(
    tmp_path: Path, settings: Settings
) -> None:
    path = tmp_path / "kill.db"
    await asyncio.to_thread(build, path, MEETINGS)
    url = f"sqlite+aiosqlite:///{path}"
    assert settings.secret_key is not None
    env = {
        **os.environ,
        "PARLEY_DATABASE_URL": url,
        "PARLEY_SECRET_KEY": settings.secret_key.get_secret_value(),
    }
    cli = subprocess.Popen(
        [sys.executable, "-m", "parley.cli", "rules", "add", "Pricing", "--phrase", "pricing",
         "--phrase", "integrat*", "--tenant", "bench"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    async with Database(url) as db:
        try:
            rule_id = await _wait_for_a_committed_batch(db, cli)
        finally:
            cli.send_signal(signal.SIGKILL)
            cli.wait(timeout=30)
        async with db.session() as session:
            killed = await session.get(KeywordRuleRow, rule_id)
            assert killed is not None
            scanned_when_killed = killed.backfill_meetings_scanned

        outcome = await Backfiller(db, lambda a, m, s: "").run(rule_id, 1)
        resumed_ids = await _snippet_ids(db)
        # From scratch, for comparison: the same snippets, the same ids.
        async with db.session() as session:
            rule = await session.get(KeywordRuleRow, rule_id)
            assert rule is not None
            rule.backfill_status, rule.backfill_position = "queued", None
            rule.backfill_meetings_scanned = rule.backfill_snippets = 0
        again = await Backfiller(db, lambda a, m, s: "").run(rule_id, 1)
        fresh_ids = await _snippet_ids(db)

    assert killed.backfill_status == "running"
    assert 0 < scanned_when_killed < MEETINGS
    assert outcome.status == "completed"
    assert outcome.meetings_scanned == MEETINGS
    assert outcome.snippets == len(resumed_ids) == again.snippets
    assert resumed_ids == fresh_ids


async def _snippet_ids(db: Database) -> list[str]:
    async with db.session() as session:
        ids = list(await session.scalars(select(SnippetRow.id).order_by(SnippetRow.id)))
        count = await session.scalar(select(func.count()).select_from(SnippetRow))
    assert count == len(set(ids))
    return ids


async def _wait_for_a_committed_batch(db: Database, cli: subprocess.Popen[bytes]) -> str:
    for _ in range(3000):
        assert cli.poll() is None, "the CLI ended before it could be killed"
        async with db.session() as session:
            row = await session.scalar(
                select(KeywordRuleRow).where(KeywordRuleRow.tenant_id == TENANT)
            )
            if row is not None and row.backfill_meetings_scanned > 0:
                return row.id
        await asyncio.sleep(0.01)
    raise AssertionError("no backfill batch committed within a minute")
