"""Listing and bulk fetching against the sandbox over HTTP: paging, faults, hidden limits."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, cast

import pytest
from tests.integration.providers.chorus.conftest import playback

from parley.providers.base import MeetingFilters
from parley.providers.chorus import ChorusProvider
from parley.sandbox.config import FaultConfig, SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.unified import Meeting, MeetingStatus, MeetingType

Connect = Callable[..., AbstractAsyncContextManager[ChorusProvider]]


def served_ids(sandbox: SandboxServer) -> list[str]:
    """Every meeting id the sandbox holds, newest first."""
    return [m.id for m in sandbox.state.store.newest_first()]


def token_stats(sandbox: SandboxServer) -> dict[str, Any]:
    tokens = cast(dict[str, Any], sandbox.stats()["tokens"])
    return cast(dict[str, Any], tokens[sandbox.token])


@pytest.mark.parametrize(
    ("meetings", "last_page"),
    [(0, "empty"), (1, "null"), (100, "echo"), (101, "empty"), (250, "echo"), (300, "null")],
)
async def test_every_meeting_is_listed_exactly_once_whatever_the_page_boundary(
    connect: Connect, meetings: int, last_page: Any
) -> None:
    config = SandboxConfig(seed=3, meetings=meetings, last_page=last_page)
    with SandboxServer(config) as sandbox:
        async with connect(sandbox) as provider:
            listed = [m.id async for m in provider.iter_meetings(MeetingFilters())]

        assert listed == served_ids(sandbox)
        # One request per page plus the one that finds the end (none after it).
        assert token_stats(sandbox)["requests"] == math.ceil(meetings / 100) + 1


async def test_page_positions_walk_the_same_meetings(
    connect: Connect, sandbox: SandboxServer
) -> None:
    async with connect(sandbox) as provider:
        walked: list[str] = []
        position = None
        while True:
            page = await provider.list_meetings_page(MeetingFilters(), position)
            walked += [m.id for m in page.items]
            if page.next_position is None:
                break
            position = page.next_position

    assert walked == served_ids(sandbox)


async def test_filters_are_honoured_by_chorus(connect: Connect, sandbox: SandboxServer) -> None:
    async with connect(sandbox) as provider:
        everything = [m async for m in provider.iter_meetings(MeetingFilters())]
        owner = everything[0].owner
        assert owner is not None
        assert owner.user_id is not None
        calls = [m async for m in provider.iter_meetings(MeetingFilters(type="call"))]
        mine = [m async for m in provider.iter_meetings(MeetingFilters(user_ids=(owner.user_id,)))]
        start = everything[40].start_time
        recent = [m async for m in provider.iter_meetings(MeetingFilters(start_time_after=start))]

    assert calls
    assert all(m.type is MeetingType.CALL for m in calls)
    assert len(calls) == sum(m.type is MeetingType.CALL for m in everything)
    assert mine
    assert all(m.owner and m.owner.user_id == owner.user_id for m in mine)
    assert [m.id for m in recent] == [m.id for m in everything[:41]]


def _by_id(meetings: list[Meeting]) -> dict[str, dict[str, Any]]:
    return {m.id: m.model_dump(mode="json") for m in meetings}


async def test_listing_and_full_fetches_survive_5xx_429_and_truncation(
    connect: Connect,
) -> None:
    with SandboxServer(SandboxConfig(seed=5, meetings=150)) as sandbox:
        async with connect(sandbox) as provider:
            clean_list = [m async for m in provider.iter_meetings(MeetingFilters())]
            clean_full = await provider.get_meetings(clean_list[:12])
            clean_teams = await provider.list_teams()

        # 20% injected 5xx, a hidden limit the client's start rate overshoots, 5% bodies cut
        # in half; no Retry-After, so backoff paces the retries.
        sandbox.set_faults(
            FaultConfig(
                error_rate=0.2,
                rate_limit_rps=5,
                rate_limit_retry_after=False,
                truncate_rate=0.05,
            )
        )
        sandbox.reset_stats()
        # A floor under the adaptive rate keeps a burst of 429s from stalling this test.
        async with connect(sandbox, rate=30.0, min_rate=3.0) as provider:
            # The sandbox serves transcripts one at a time, which alone can keep a slow machine
            # under the limit; a burst of 30 cheap team reads, sent at the start rate of 30/s
            # whatever the response times, makes sure 429s happen.
            (listed, full), teams = await asyncio.gather(
                _list_then_fetch(provider, 12),
                asyncio.gather(*(provider.list_teams() for _ in range(30))),
            )
        stats = sandbox.stats()

    assert [m.id for m in listed] == served_ids(sandbox)
    assert _by_id(listed) == _by_id(clean_list)
    assert _by_id(full) == _by_id(clean_full)
    assert all(t == clean_teams for t in teams)
    assert cast(int, stats["errors_injected"]) > 0
    assert cast(int, stats["rate_limited"]) > 0


async def _list_then_fetch(
    provider: ChorusProvider, count: int
) -> tuple[list[Meeting], list[Meeting]]:
    listed = [m async for m in provider.iter_meetings(MeetingFilters())]
    return listed, await provider.get_meetings(listed[:count])


async def test_a_hidden_rate_limit_is_found_and_respected(connect: Connect) -> None:
    faults = FaultConfig(rate_limit_rps=8)
    with SandboxServer(SandboxConfig(seed=9, meetings=60, faults=faults)) as sandbox:
        async with connect(sandbox, rate=4.0) as provider:
            listed = [m async for m in provider.iter_meetings(MeetingFilters())]
            full = await provider.get_meetings(listed[:16])
        stats = token_stats(sandbox)

    assert [m.id for m in full] == [m.id for m in listed[:16]]
    assert all(m.transcript for m in full if m.status is MeetingStatus.COMPLETED)
    assert stats["max_requests_per_second"] <= 8
    # The limiter learns the limit from a few 429s, then stays under it.
    assert stats["rate_limited"] <= 0.15 * stats["requests"]


async def _walk(provider: ChorusProvider, json_pages: bool) -> list[tuple[Any, str | None]]:
    pages: list[tuple[Any, str | None]] = []
    position = None
    while True:
        if json_pages:
            encoded = await provider.list_meetings_json_page(MeetingFilters(), position)
            items = [json.loads(m.whole()) for m in encoded.items]
            page: Any = encoded
        else:
            page = await provider.list_meetings_page(MeetingFilters(), position)
            items = [m.model_dump(mode="json") for m in page.items]
        pages.append((items, page.next_position))
        if page.next_position is None:
            return pages
        position = page.next_position


async def test_json_pages_hold_the_meetings_of_model_pages(
    connect: Connect, sandbox: SandboxServer
) -> None:
    async with connect(sandbox, recording_url=playback) as provider:
        models = await _walk(provider, json_pages=False)
        encoded = await _walk(provider, json_pages=True)
        again = await _walk(provider, json_pages=True)  # from the memo this time

    assert encoded == models
    assert again == models
    assert sum(len(items) for items, _ in encoded) == len(served_ids(sandbox))


async def test_json_pages_survive_5xx_429_and_truncated_bodies(connect: Connect) -> None:
    with SandboxServer(SandboxConfig(seed=11, meetings=250)) as sandbox:
        async with connect(sandbox) as provider:
            clean = await _walk(provider, json_pages=True)
        sandbox.set_faults(FaultConfig(error_rate=0.2, rate_limit_rps=5, truncate_rate=0.3))
        async with connect(sandbox, rate=30.0, min_rate=3.0) as provider:
            faulty = await _walk(provider, json_pages=True)
        stats = sandbox.stats()

    assert faulty == clean
    assert cast(int, stats["errors_injected"]) > 0
    assert cast(int, stats["truncated"]) > 0
