"""Scale mode: a worker killed mid-sync is replaced; the store and the events come out whole."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import pytest
from scale_support import (
    Delivered,
    scale_settings,
    start_worker,
    stop_worker,
    wait_finished,
    webhook_receiver,
)

from parley.runtime import Runtime
from parley.sandbox import FaultConfig, SandboxConfig, SandboxServer
from parley.storage.repositories.store import StoreRepository
from parley.sync import RunStatus

pytestmark = pytest.mark.postgres

MEETINGS = 150  # two pages of 100: the kill lands between them


async def _pages(runtime: Runtime, run_id: str) -> int:
    view = await runtime.sync.get(None, run_id)
    return int((view.checkpoint or {}).get("pages", 0))


async def _announced(delivered: list[Delivered], count: int, *, timeout: float = 30) -> None:
    """Wait until `count` distinct meetings were announced by `meeting.created` webhooks."""
    deadline = time.monotonic() + timeout
    while len({d.payload["data"]["id"] for d in list(delivered)}) < count:
        assert time.monotonic() < deadline, f"{len(delivered)} webhooks in {timeout} s"
        await asyncio.sleep(0.1)


async def test_a_worker_killed_mid_sync_leaves_a_store_a_new_worker_completes(
    scale_database_url: str, tmp_path: Path
) -> None:
    # Slow answers leave time to kill the worker between two committed pages.
    config = SandboxConfig(seed=41, meetings=MEETINGS, faults=FaultConfig(latency_ms=5))
    settings = scale_settings(
        scale_database_url, tmp_path, chorus_rate_limit=200.0, chorus_max_rate=None
    )
    with SandboxServer(config) as sandbox, webhook_receiver() as (url, delivered):
        runtime = await Runtime.start(settings)
        try:
            tenant = await runtime.tenants.get_or_create("acme")
            account = await runtime.accounts.link(tenant.id, "chorus", sandbox.token, sandbox.url)
            await runtime.webhooks.subscriptions.create(tenant.id, url, ["meeting.created"])
            run = await runtime.sync.start(tenant.id, account.id)

            first = start_worker(settings)
            deadline = time.monotonic() + 60
            while await _pages(runtime, run.id) < 1:
                assert first.poll() is None, first.communicate()[1]
                assert time.monotonic() < deadline
                await asyncio.sleep(0.02)
            first.kill()  # SIGKILL: no cleanup at all
            first.communicate()
            killed_at = await runtime.sync.get(None, run.id)

            second = start_worker(settings)
            try:
                [finished] = await wait_finished(runtime, [run.id], timeout=120)
                await _announced(delivered, MEETINGS)
            finally:
                code, err = stop_worker(second)
            resumed_digest = await runtime.sync.digest(account.id)

            # The reference: the same account synced again from scratch, uninterrupted.
            async with runtime.db.session() as session:
                store = StoreRepository(session)
                ids = await store.meeting_ids_between(account.id, None, None)
                await store.delete_meetings(account.id, ids)
            reference, _ = await runtime.sync.create(tenant.id, account.id, full=True)
            reference = await runtime.sync_executor.execute(reference.id)
            reference_digest = await runtime.sync.digest(account.id)
        finally:
            await runtime.close()

    assert code == 0, err
    assert killed_at.counts.get("pages", 0) == 1
    assert finished.status is RunStatus.COMPLETED, finished.errors
    assert finished.counts["created"] == MEETINGS
    assert finished.attempts == 2  # resumed from its checkpoint, not started over
    assert reference.status is RunStatus.COMPLETED
    assert resumed_digest == reference_digest
    # Every meeting announced, each under one webhook id (retries reuse it; nothing is doubled).
    ids_per_meeting: dict[str, set[str]] = {}
    for d in delivered:
        ids_per_meeting.setdefault(d.payload["data"]["id"], set()).add(d.webhook_id)
    assert len(ids_per_meeting) == MEETINGS
    assert Counter(len(ids) for ids in ids_per_meeting.values()) == {1: MEETINGS}


async def test_a_worker_stopped_with_sigterm_mid_sync_exits_cleanly_and_the_run_resumes(
    scale_database_url: str, tmp_path: Path
) -> None:
    config = SandboxConfig(seed=43, meetings=MEETINGS, faults=FaultConfig(latency_ms=5))
    # No grace: the running sync is interrupted at once and handed back to the queue.
    settings = scale_settings(
        scale_database_url,
        tmp_path,
        chorus_rate_limit=200.0,
        chorus_max_rate=None,
        worker_shutdown_timeout=0.0,
    )
    with SandboxServer(config) as sandbox:
        runtime = await Runtime.start(settings)
        try:
            tenant = await runtime.tenants.get_or_create("acme")
            account = await runtime.accounts.link(tenant.id, "chorus", sandbox.token, sandbox.url)
            run = await runtime.sync.start(tenant.id, account.id)
            first = start_worker(settings)
            deadline = time.monotonic() + 60
            while await _pages(runtime, run.id) < 1:
                assert first.poll() is None, first.communicate()[1]
                assert time.monotonic() < deadline
                await asyncio.sleep(0.02)
            stopped_at = time.monotonic()
            code, err = stop_worker(first)
            stop_took = time.monotonic() - stopped_at
            interrupted = await runtime.sync.get(None, run.id)

            second = start_worker(settings)
            try:
                [finished] = await wait_finished(runtime, [run.id], timeout=60)
            finally:
                stop_worker(second)
        finally:
            await runtime.close()

    assert code == 0, err
    assert stop_took < 10
    assert interrupted.status is not RunStatus.COMPLETED
    assert finished.status is RunStatus.COMPLETED, finished.errors
    assert finished.counts["created"] == MEETINGS
    assert finished.attempts == 2
