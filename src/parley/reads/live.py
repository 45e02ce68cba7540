"""Live reads (`source=live`): the provider read through for one account, in unified shapes.

Owns what every live list shares: resolving the caller's account to a provider, checking the
filters the provider can honour, the cursor digest that binds a cursor to the account,
resource and filters, page assembly over the provider's own pages (`paging.assemble_page`)
and the meetings list's encoded fast path. Routes parse, call one of these and render.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from parley.errors import UnsupportedFilterError
from parley.providers.base import (
    EncodedMeetingLister,
    MediaKind,
    MeetingFilters,
    Provider,
    ProviderPage,
)
from parley.reads.cursor import CursorCodec, CursorState, filters_digest
from parley.reads.paging import assemble_page, whole_list_page
from parley.unified import EncodedMeeting, Meeting, Team, Transcript, User, transcript_of

__all__ = [
    "EncodedMeetingsPage",
    "LiveAccount",
    "LivePage",
    "LiveReader",
    "OpenAccount",
    "meeting_filter_values",
]

T = TypeVar("T")

#: (tenant id, account id) -> a provider bound to the tenant's account (404 when not theirs).
OpenAccount = Callable[[str, str], AbstractAsyncContextManager[Provider]]
Fetch = Callable[[str | None], Awaitable[ProviderPage[T]]]


@dataclass(frozen=True)
class LiveAccount:
    """A resolved integrated account and its provider, for the length of one request."""

    id: str
    provider: Provider


@dataclass(frozen=True)
class LivePage(Generic[T]):
    """One page of a live list and the cursor of the next (None at the end)."""

    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class EncodedMeetingsPage(LivePage[EncodedMeeting]):
    """A page of list-level meetings the provider answered already encoded as JSON."""


def meeting_filter_values(filters: MeetingFilters) -> dict[str, Any]:
    """The filters by their API parameter names (None when not given)."""
    return {
        "start_time_after": filters.start_time_after,
        "start_time_before": filters.start_time_before,
        "user_id": ",".join(filters.user_ids) or None,
        "team_id": ",".join(filters.team_ids) or None,
        "participant_email": filters.participant_email,
        "type": filters.type,
        "min_duration": filters.min_duration,
    }


class LiveReader:
    """Reads of the provider, paged with signed cursors like every other list."""

    def __init__(self, open_account: OpenAccount, cursors: CursorCodec) -> None:
        self._open = open_account
        self._cursors = cursors

    @asynccontextmanager
    async def account(self, tenant_id: str, account_id: str) -> AsyncIterator[LiveAccount]:
        """The tenant's account with its provider for the block (404 when not theirs)."""
        async with self._open(tenant_id, account_id) as provider:
            yield LiveAccount(account_id, provider)

    # -- meetings ---------------------------------------------------------------------------

    async def list_meetings(
        self,
        account: LiveAccount,
        filters: MeetingFilters,
        *,
        limit: int,
        cursor: str | None = None,
        expand_transcript: bool = False,
    ) -> LivePage[Meeting] | EncodedMeetingsPage:
        """Meetings, newest first; already encoded when the provider can and no expand."""
        provider = account.provider
        given = meeting_filter_values(filters)
        _check_supported(provider, given)
        bound = {**given, "remote_query": dict(filters.remote_query)}
        if not expand_transcript and isinstance(provider, EncodedMeetingLister):
            lister = provider

            async def encoded(position: str | None) -> ProviderPage[EncodedMeeting]:
                return await lister.list_meetings_json_page(filters, position)

            page = await self._page(account, "meetings", bound, encoded, limit, cursor)
            return EncodedMeetingsPage(page.items, page.next_cursor)

        async def models(position: str | None) -> ProviderPage[Meeting]:
            return await provider.list_meetings_page(filters, position)

        listed = await self._page(account, "meetings", bound, models, limit, cursor)
        if not expand_transcript:
            return listed
        return LivePage(await provider.get_meetings(listed.items), listed.next_cursor)

    async def get_meeting(self, account: LiveAccount, meeting_id: str) -> Meeting:
        """The full meeting."""
        return await account.provider.get_meeting(meeting_id)

    async def list_transcripts(
        self, account: LiveAccount, meeting_id: str, *, limit: int, cursor: str | None = None
    ) -> LivePage[Transcript]:
        """The transcripts of one meeting (its one transcript), paged like every list."""

        async def fetch(_: str | None) -> ProviderPage[Transcript]:
            meeting = await account.provider.get_meeting(meeting_id)
            return ProviderPage([transcript_of(meeting)], None)

        bound = {"meeting_id": meeting_id}
        return await self._page(account, "transcripts", bound, fetch, limit, cursor)

    async def media_url(self, account: LiveAccount, meeting_id: str, kind: MediaKind) -> str:
        """A freshly minted provider URL of the meeting's media."""
        return await account.provider.media_url(meeting_id, kind)

    # -- users and teams ----------------------------------------------------------------

    async def list_users(
        self, account: LiveAccount, *, limit: int, cursor: str | None = None
    ) -> LivePage[User]:
        """Users, in the provider's order (one unpaginated provider list, paged here)."""
        fetch = _whole(account.provider.list_users)
        return await self._page(account, "users", {}, fetch, limit, cursor)

    async def list_teams(
        self, account: LiveAccount, *, limit: int, cursor: str | None = None
    ) -> LivePage[Team]:
        """Teams, in the provider's order (one unpaginated provider list, paged here)."""
        fetch = _whole(account.provider.list_teams)
        return await self._page(account, "teams", {}, fetch, limit, cursor)

    async def get_user(self, account: LiveAccount, user_id: str) -> User:
        """One user."""
        return await account.provider.get_user(user_id)

    async def get_team(self, account: LiveAccount, team_id: str) -> Team:
        """One team."""
        return await account.provider.get_team(team_id)

    # -- paging -------------------------------------------------------------------------

    async def _page(
        self,
        account: LiveAccount,
        resource: str,
        bound: Mapping[str, Any],
        fetch: Fetch[T],
        limit: int,
        cursor: str | None,
    ) -> LivePage[T]:
        """`limit` records from where `cursor` points; the cursor binds the filters."""
        digest = filters_digest(account.id, resource, bound)
        start = CursorState(None, 0)
        if cursor:
            start = self._cursors.decode(cursor, digest)
        assembled = await assemble_page(fetch, start, limit)
        following = assembled.next_state
        encoded = None if following is None else self._cursors.encode(following, digest)
        return LivePage(assembled.items, encoded)


def _whole(list_all: Callable[[], Awaitable[list[T]]]) -> Fetch[T]:
    """A fetcher over an unpaginated provider list, read once the cursor was checked."""

    async def fetch(position: str | None) -> ProviderPage[T]:
        return await whole_list_page(await list_all())(position)

    return fetch


def _check_supported(provider: Provider, given: Mapping[str, Any]) -> None:
    for name, value in given.items():
        if value is not None and name not in provider.info.meeting_filters:
            raise UnsupportedFilterError(
                f"{provider.info.name} cannot filter meetings by {name!r}.", param=name
            )
