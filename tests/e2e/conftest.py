"""End-to-end fixtures: the whole stack over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import browser  # noqa: F401  (the browser tests' fixture)
from e2e_stack import BACKENDS, Stack, database_url, run_async, stack_settings, start_stack

from parley.sandbox.config import SandboxConfig


@pytest.fixture(scope="module", params=BACKENDS)
def stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: Any,
) -> Iterator[Stack]:
    """A module-wide stack on SQLite, then on PostgreSQL when configured."""
    tmp = tmp_path_factory.mktemp("stack")
    url, pg_name = database_url(request.param, tmp, postgres_server)
    running = start_stack(stack_settings(tmp, url), SandboxConfig(seed=11, meetings=230))
    try:
        yield running
    finally:
        running.api.stop()
        running.sandbox.stop()
        if pg_name is not None and postgres_server is not None:
            run_async(postgres_server.drop(pg_name))
