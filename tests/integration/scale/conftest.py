"""Scale-mode fixtures: a fresh migrated PostgreSQL database per test, real subprocesses.

Every test here needs PostgreSQL (PARLEY_TEST_POSTGRES_URL) and skips without it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from parley.storage import Database

SKIP_REASON = (
    "scale mode needs PostgreSQL: set PARLEY_TEST_POSTGRES_URL "
    "(e.g. postgresql://postgres@127.0.0.1:5432/test) to run it"
)


@pytest.fixture
def scale_database_url(postgres_server: Any) -> Iterator[str]:
    """The URL of a brand-new PostgreSQL database at the latest schema, dropped afterwards."""
    if postgres_server is None:
        pytest.skip(SKIP_REASON)
    name = postgres_server.new_name()
    url: str = postgres_server.url_of(name)

    async def build() -> None:
        await postgres_server.create(name)
        async with Database(url) as database:
            await database.migrate()

    asyncio.run(build())
    yield url
    asyncio.run(postgres_server.drop(name))
