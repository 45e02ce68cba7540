"""Chorus paging quirks over real HTTP: every meeting exactly once on every list path.

Some Chorus deployments start a page with the last rows of the previous one, and answer the
empty last page with the continuation key they were asked with. The live unified list (the
encoded fast path and the model path, at any `limit`), a sync and the connector's iterator
must each give every sandbox meeting once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_stack import Stack, stack_settings, start_stack

from parley.http import HttpOptions, TokenBucketLimiter
from parley.providers.base import Credentials, MeetingFilters
from parley.providers.chorus import ChorusFactory
from parley.sandbox.config import QuirkConfig, SandboxConfig

MEETINGS = 230
QUIRKS = [
    pytest.param("page_overlap=1", id="overlap-1"),
    pytest.param("page_overlap=3", id="overlap-3"),
    pytest.param("repeat_last_key", id="repeat-last-key"),
    pytest.param("page_overlap=3,repeat_last_key", id="overlap-3-repeat-last-key"),
]
MEETINGS_PATH = "/unified/conversational-intelligence/meetings"


@pytest.fixture(scope="module")
def quirky_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose provider budget does not slow the listing down (SQLite)."""
    tmp: Path = tmp_path_factory.mktemp("quirks")
    settings = stack_settings(tmp, f"sqlite+aiosqlite:///{tmp / 'parley.db'}")
    settings = settings.model_copy(update={"chorus_rate_limit": 200.0})
    running = start_stack(settings, SandboxConfig(seed=13, meetings=MEETINGS))
    try:
        yield running
    finally:
        running.api.stop()
        running.sandbox.stop()


@pytest.fixture
def quirk(request: pytest.FixtureRequest, quirky_stack: Stack) -> Iterator[str]:
    quirky_stack.sandbox.set_quirks(request.param)
    try:
        yield request.param
    finally:
        quirky_stack.sandbox.set_quirks(QuirkConfig())


def _sandbox_ids(stack: Stack) -> list[str]:
    return [m.id for m in stack.sandbox.state.store.newest_first()]


def _list_all(client: httpx.Client, account_id: str, **params: Any) -> list[str]:
    ids: list[str] = []
    query: dict[str, Any] = {"integrated_account_id": account_id, **params}
    for _ in range(MEETINGS + 5):
        response = client.get(MEETINGS_PATH, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        ids.extend(m["id"] for m in body["result"])
        if body["next_cursor"] is None:
            return ids
        query = {"integrated_account_id": account_id, "next_cursor": body["next_cursor"]}
    raise AssertionError("the listing never ended")


@pytest.mark.parametrize("quirk", QUIRKS, indirect=True)
@pytest.mark.parametrize("limit", [1, 7, 100, 500])
def test_the_live_list_gives_every_meeting_once(
    quirky_stack: Stack, quirk: str, limit: int
) -> None:
    with quirky_stack.client() as client:
        account_id = quirky_stack.link_account(client)
        ids = _list_all(client, account_id, limit=limit)

    assert ids == _sandbox_ids(quirky_stack)


@pytest.mark.parametrize("quirk", QUIRKS, indirect=True)
def test_the_live_list_with_full_meetings_gives_every_meeting_once(
    quirky_stack: Stack, quirk: str
) -> None:
    with quirky_stack.client() as client:
        account_id = quirky_stack.link_account(client)
        ids = _list_all(client, account_id, limit=100, expand="transcript")

    assert ids == _sandbox_ids(quirky_stack)


def _wait_finished(client: httpx.Client, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        run: dict[str, Any] = client.get(f"/sync-runs/{run_id}").json()
        if run["status"] in ("completed", "failed") or time.monotonic() > deadline:
            return run
        time.sleep(0.1)


@pytest.mark.parametrize("quirk", QUIRKS, indirect=True)
def test_a_sync_stores_every_meeting_once(quirky_stack: Stack, quirk: str) -> None:
    with quirky_stack.client() as client:
        account_id = quirky_stack.link_account(client)
        started = client.post(f"/integrated-accounts/{account_id}/sync", json={"full": True})
        assert started.status_code == 202, started.text
        run = _wait_finished(client, started.json()["id"])
        stored = _list_all(client, account_id, limit=500, source="store")

    assert run["status"] == "completed", run["errors"]
    assert run["counts"]["created"] == MEETINGS
    assert sorted(stored) == sorted(_sandbox_ids(quirky_stack))


@pytest.mark.parametrize("quirk", QUIRKS, indirect=True)
def test_the_connector_iterator_yields_every_meeting_once(quirky_stack: Stack, quirk: str) -> None:
    sandbox = quirky_stack.sandbox

    async def listed() -> list[str]:
        http = HttpOptions(limiter=TokenBucketLimiter(200.0))
        provider = ChorusFactory().connect(
            Credentials(sandbox.token), base_url=sandbox.url, limiter_key="quirks", http=http
        )
        try:
            return [m.id async for m in provider.iter_meetings(MeetingFilters())]
        finally:
            await provider.aclose()

    assert asyncio.run(listed()) == _sandbox_ids(quirky_stack)
