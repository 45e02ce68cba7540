"""Scale mode: an API key's request budget is one, whichever API process answers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
import pytest
from scale_support import scale_settings
from sqlalchemy import text

from parley.api.app import create_app
from parley.config import Settings
from parley.runtime import Runtime
from parley.storage import Database
from parley.storage.api_rate_limits import PostgresKeyRateLimiter

pytestmark = pytest.mark.postgres


@asynccontextmanager
async def api_process(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """One API instance (its own runtime, engine and pool) on the shared database."""
    runtime = await Runtime.start(settings)
    try:
        transport = httpx.ASGITransport(app=create_app(settings, runtime=runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
            yield client
    finally:
        await runtime.close()


async def _key(settings: Settings, tenant: str) -> str:
    runtime = await Runtime.start(settings)
    try:
        key, _ = await runtime.api_keys.create_key(tenant)
        return key
    finally:
        await runtime.close()


async def test_two_api_processes_share_each_keys_budget(
    scale_database_url: str, tmp_path: Path
) -> None:
    settings = scale_settings(scale_database_url, tmp_path, api_rate_limit=0.001, api_rate_burst=3)
    key, other = await _key(settings, "acme"), await _key(settings, "globex")
    async with AsyncExitStack() as stack:
        one = await stack.enter_async_context(api_process(settings))
        two = await stack.enter_async_context(api_process(settings))

        async def get(client: httpx.AsyncClient, credential: str) -> httpx.Response:
            headers = {"Authorization": f"Bearer {credential}"}
            return await client.get("/integrated-accounts", headers=headers)

        spent = [(await get(c, key)).status_code for c in (one, two, one)]
        refused = [await get(c, key) for c in (two, one)]
        others = [(await get(c, other)).status_code for c in (two, one)]

    assert spent == [200, 200, 200]
    for response in refused:
        assert response.status_code == 429
        assert response.json()["error"]["code"] == "rate_limited"
        assert int(response.headers["retry-after"]) >= 1
    assert others == [200, 200]
    async with Database(scale_database_url) as database, database.session() as session:
        stored = (await session.execute(text("SELECT key FROM api_rate_limits"))).scalars().all()
    # Two rows, one per key, known by a hash only.
    assert len(stored) == 2
    assert all(re.fullmatch(r"[0-9a-f]{64}", k) for k in stored)
    assert key not in stored
    assert other not in stored


async def test_full_buckets_are_pruned(scale_database_url: str) -> None:
    async with Database(scale_database_url) as database:
        # A million per second: a bucket refills within microseconds, then it is prunable.
        limiter = PostgresKeyRateLimiter(database.engine, 1e6, 1, prune_interval=0)
        assert await limiter.admit("sprayed") == 0
        assert await limiter.admit("next") == 0
        async with database.session() as session:
            keys = (await session.execute(text("SELECT key FROM api_rate_limits"))).scalars()
            assert "sprayed" not in set(keys)


async def test_a_key_is_refused_once_its_shared_burst_is_spent(scale_database_url: str) -> None:
    async with Database(scale_database_url) as database:
        first = PostgresKeyRateLimiter(database.engine, 0.001, 2)
        second = PostgresKeyRateLimiter(database.engine, 0.001, 2)
        waits = [await limiter.admit("k") for limiter in (first, second, first, second)]

    assert waits[:2] == [0, 0]
    assert all(990 < wait <= 1000 for wait in waits[2:])
