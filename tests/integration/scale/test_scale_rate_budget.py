"""Scale mode: one rate budget per key, shared by every process through PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import math
import time

import pytest
from scale_support import HERE, python_process, token_stats

from parley.http.refusals import CLUSTER
from parley.sandbox import FaultConfig, SandboxConfig, SandboxServer
from parley.storage import Database
from parley.storage.rate_budgets import PostgresRateLimiter

pytestmark = pytest.mark.postgres

BUDGET = 8.0  # requests per second, shared by both processes
HIDDEN_LIMIT = 10  # the sandbox refuses more than this in any rolling second
PER_PROCESS = 16


def test_two_processes_sharing_a_key_stay_within_one_budget(scale_database_url: str) -> None:
    faults = FaultConfig(rate_limit_rps=HIDDEN_LIMIT)
    with SandboxServer(SandboxConfig(seed=3, meetings=5, faults=faults)) as sandbox:
        args = [scale_database_url, sandbox.url, sandbox.token, "chorus:acct", str(BUDGET)]
        children = [
            python_process(str(HERE / "scale_limiter_client.py"), *args, str(PER_PROCESS))
            for _ in range(2)
        ]
        try:
            for child in children:
                assert child.stdout is not None
                assert child.stdout.readline().strip() == "ready"
            started = time.monotonic()
            for child in children:
                assert child.stdin is not None
                child.stdin.write("go\n")
                child.stdin.flush()
            outputs = [child.communicate(timeout=60) for child in children]
            elapsed = time.monotonic() - started
        finally:
            for child in children:
                child.kill() if child.poll() is None else None
        stats = token_stats(sandbox, sandbox.token)

    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert json.loads(out.splitlines()[-1])["statuses"] == [200] * PER_PROCESS
    assert stats["rate_limited"] == 0
    assert stats["max_received_per_second"] <= HIDDEN_LIMIT
    # Together, not each, at the budget: two private budgets would take half the time.
    assert elapsed >= (2 * PER_PROCESS - 1) / BUDGET * 0.9


async def test_a_429_seen_by_one_process_pauses_and_slows_the_others(
    scale_database_url: str,
) -> None:
    # Two limiters on two engines share nothing but the database, like two processes.
    async with Database(scale_database_url) as one, Database(scale_database_url) as other:
        first = PostgresRateLimiter(one.engine, 20.0)
        second = PostgresRateLimiter(other.engine, 20.0)
        for _ in range(20):
            await second.acquire("acct")
        before = second.rate("acct")

        for _ in range(CLUSTER):  # a limit: 429s clustering at the highest count
            await first.on_rate_limited("acct", 1.0)
        started = time.monotonic()
        await second.acquire("acct")
        waited = time.monotonic() - started

    assert waited >= 0.9
    assert second.rate("acct") < before
    assert second.state("acct").limit < math.floor(before)


async def test_the_shared_rate_grows_under_demand_up_to_the_cap(scale_database_url: str) -> None:
    async with Database(scale_database_url) as database:
        limiter = PostgresRateLimiter(database.engine, 10.0, max_rate=25.0)
        started = time.monotonic()
        await asyncio.gather(*(limiter.acquire("acct") for _ in range(60)))
        elapsed = time.monotonic() - started

    assert limiter.rate("acct") == 25.0
    # Faster than the starting rate alone (60 sends at 10/s take 5.9 s), never above the cap.
    assert (60 - 1) / 25.0 <= elapsed < (60 - 1) / 10.0


async def test_a_429_below_a_count_already_accepted_neither_slows_nor_pauses(
    scale_database_url: str,
) -> None:
    async with Database(scale_database_url) as database:
        limiter = PostgresRateLimiter(database.engine, 20.0)
        for _ in range(50):  # 2.5 s at 20/s: completed buckets of ~20 accepted sends
            await limiter.acquire("acct")
        await asyncio.sleep(0.5)  # half the window empties: this 429 is not about the rate
        await limiter.acquire("acct")
        before = limiter.rate("acct")

        await limiter.on_rate_limited("acct", 1.0)
        started = time.monotonic()
        await limiter.acquire("acct")
        waited = time.monotonic() - started

    assert limiter.rate("acct") == before
    assert waited < 0.5


async def test_sporadic_429s_while_sending_at_the_rate_keep_it(scale_database_url: str) -> None:
    async with Database(scale_database_url) as database:
        limiter = PostgresRateLimiter(database.engine, 20.0, max_rate=20.0)
        for _ in range(40):
            await limiter.acquire("acct")
        # Then one 429 in every 16 sends (6 %), for three more seconds: four of them, enough
        # for a cluster if they were taken for a limit.
        for sent in range(64):
            await limiter.acquire("acct")
            if sent % 16 == 15:
                await limiter.on_rate_limited("acct", 1.0)

    assert limiter.rate("acct") == 20.0
