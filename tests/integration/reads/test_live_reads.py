"""Live reads over the Chorus sandbox on a real socket: paging, cursors, the encoded path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest

from parley.errors import InvalidCursorError
from parley.http import HttpOptions, RetryPolicy, TokenBucketLimiter
from parley.providers.base import Credentials, MeetingFilters, Provider
from parley.providers.chorus import ChorusFactory
from parley.reads.cursor import CursorCodec
from parley.reads.live import EncodedMeetingsPage, LiveAccount, LivePage, LiveReader
from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.security import Vault
from parley.unified import Meeting

MEETINGS = 60


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(seed=5, meetings=MEETINGS)) as server:
        yield server


@pytest.fixture
def reader(sandbox: SandboxServer, vault: Vault) -> LiveReader:
    options = HttpOptions(
        limiter=TokenBucketLimiter(200.0),
        policy=RetryPolicy(max_attempts=20, base_delay=0.01, max_delay=0.2),
        timeout=60.0,
    )

    @asynccontextmanager
    async def open_account(tenant_id: str, account_id: str) -> AsyncIterator[Provider]:
        assert (tenant_id, account_id) == ("tenant", "acc")
        provider = ChorusFactory().connect(
            Credentials(api_token=sandbox.token),
            base_url=sandbox.url,
            limiter_key=account_id,
            http=options,
        )
        try:
            yield provider
        finally:
            await provider.aclose()

    return LiveReader(open_account, CursorCodec(vault.signer(b"cursor")))


async def test_meetings_page_through_every_meeting_once_on_the_encoded_path(
    reader: LiveReader,
) -> None:
    seen: list[str] = []
    cursor: str | None = None
    async with reader.account("tenant", "acc") as account:
        while True:
            page = await reader.list_meetings(account, MeetingFilters(), limit=17, cursor=cursor)
            assert isinstance(page, EncodedMeetingsPage)
            seen += [m.id for m in page.items]
            if (cursor := page.next_cursor) is None:
                break

    assert len(seen) == len(set(seen)) == MEETINGS


async def test_expanded_meetings_are_full_models(reader: LiveReader) -> None:
    async with reader.account("tenant", "acc") as account:
        page = await reader.list_meetings(
            account, MeetingFilters(), limit=2, expand_transcript=True
        )

    assert not isinstance(page, EncodedMeetingsPage)
    assert [type(m) for m in page.items] == [Meeting, Meeting]
    assert all(m.transcript is not None for m in page.items)
    assert page.next_cursor is not None


async def test_a_cursor_is_bound_to_the_filters_it_was_made_for(reader: LiveReader) -> None:
    async with reader.account("tenant", "acc") as account:
        first = await reader.list_meetings(account, MeetingFilters(), limit=5)
        assert first.next_cursor is not None
        other = MeetingFilters(participant_email="someone@example.com")
        with pytest.raises(InvalidCursorError):
            await reader.list_meetings(account, other, limit=5, cursor=first.next_cursor)


async def test_users_are_paged_with_cursors(reader: LiveReader) -> None:
    async with reader.account("tenant", "acc") as account:
        everyone = await reader.list_users(account, limit=500)
        first = await reader.list_users(account, limit=2)
        assert first.next_cursor is not None
        rest = await reader.list_users(account, limit=500, cursor=first.next_cursor)

    assert [u.id for u in first.items + rest.items] == [u.id for u in everyone.items]


async def _a_meeting_id(reader: LiveReader, account: LiveAccount) -> str:
    page = await reader.list_meetings(account, MeetingFilters(), limit=1)
    return page.items[0].id


async def test_a_meeting_has_one_transcript_and_no_next_page(reader: LiveReader) -> None:
    async with reader.account("tenant", "acc") as account:
        meeting_id = await _a_meeting_id(reader, account)
        page = await reader.list_transcripts(account, meeting_id, limit=1)

    assert isinstance(page, LivePage)
    assert [(t.id, t.meeting.id) for t in page.items] == [(meeting_id, meeting_id)]
    assert page.next_cursor is None


async def test_transcripts_refuse_a_forged_or_foreign_cursor(reader: LiveReader) -> None:
    async with reader.account("tenant", "acc") as account:
        meetings = await reader.list_meetings(account, MeetingFilters(), limit=1)
        meeting_id = meetings.items[0].id
        for cursor in ("forged", meetings.next_cursor):
            with pytest.raises(InvalidCursorError):
                await reader.list_transcripts(account, meeting_id, limit=5, cursor=cursor)
