"""The Chorus connector: `ChorusProvider` (one linked account) and `ChorusFactory`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sized
from typing import Any, Protocol, TypeVar

import httpx

from parley.errors import ProviderNotFoundError, ProviderResponseError
from parley.http import ContinuationKeyPaginator, HttpOptions, RateLimitState, dedupe
from parley.providers.base import (
    Credentials,
    MediaKind,
    MeetingFilters,
    ProviderInfo,
    ProviderPage,
)
from parley.providers.chorus.client import ChorusClient, engagement_params
from parley.providers.chorus.conversation import meeting_from_doc
from parley.providers.chorus.info import CHORUS_INFO
from parley.providers.chorus.listing import meeting_from_row
from parley.providers.chorus.listing_json import MeetingJsonMemo, links_key
from parley.providers.chorus.mapping import RecordingUrl, engagement_row_of
from parley.providers.chorus.people import map_team, map_user
from parley.providers.chorus.position import parse_position
from parley.providers.chorus.schemas import user_rows
from parley.unified import EncodedMeeting, Meeting, Team, User

__all__ = ["ChorusFactory", "ChorusProvider"]

logger = logging.getLogger("parley.providers.chorus")

T = TypeVar("T")
R = TypeVar("R")


class _Listed(Protocol):
    @property
    def id(self) -> str: ...


H = TypeVar("H", bound=_Listed)
#: one fetched page: Chorus's continuation key, its rows, and the rows mapped
_Fetched = tuple[str | None, Sized, list[H]]


def _id_of(item: _Listed) -> str:
    return item.id


#: Encoded list rows of every account in this process (see `listing_json`).
_ENCODED = MeetingJsonMemo()


def _map_rows(rows: Iterable[R], build: Callable[[R], T]) -> list[T]:
    items = []
    for row in rows:
        try:
            items.append(build(row))
        except ProviderResponseError as exc:
            # One unaddressable row (no id) must not cost the caller the rest of the page.
            logger.warning("skipping a Chorus row: %s", exc.message)
    return items


class ChorusProvider:
    """Chorus for one linked account: Chorus HTTP in, unified models out."""

    info: ProviderInfo = CHORUS_INFO

    def __init__(self, client: ChorusClient, *, recording_url: RecordingUrl | None = None) -> None:
        self._client = client
        self._recording_url = recording_url

    async def check(self) -> User:
        """Validate the token with `GET /api/v1/users/me`; return the token's own user."""
        return map_user(await self._client.me())

    @staticmethod
    def _params(filters: MeetingFilters, key: str | None) -> dict[str, str]:
        params = engagement_params(filters)
        if key is not None:
            params["continuation_key"] = key
        return params

    async def _listing(
        self,
        position: str | None,
        fetch: Callable[[str | None], Awaitable[_Fetched[H]]],
        paginator: ContinuationKeyPaginator | None = None,
    ) -> ProviderPage[H]:
        """One page from `position`: rows listed just before it dropped, loops of keys ended.

        A page that held nothing but repeats is skipped (its key is followed), so a page is
        only empty at the end of the listing. `paginator` (the iterator's) remembers every key
        of a whole listing, so even a cycle of keys ends.
        """
        at = parse_position(position)
        # The paginator starts having seen the key we sent, so an echoed key ends the listing.
        paginator = paginator or ContinuationKeyPaginator(at.key)
        while True:
            key, rows, items = await fetch(at.key)
            listed = list(dedupe(items, key=_id_of))
            fresh = [item for item in listed if not at.drops(item.id)]
            if not paginator.has_more(key, rows):
                return ProviderPage(items=fresh, next_position=None)
            after = at.after(paginator.current_key or "", (item.id for item in listed))
            if fresh:
                return ProviderPage(items=fresh, next_position=after.encode())
            at = after

    async def list_meetings_page(
        self, filters: MeetingFilters, position: str | None = None
    ) -> ProviderPage[Meeting]:
        """One `/v3/engagements` page from `position` (see `position.py`), each meeting once."""
        return await self._meetings_page(filters, position, None)

    async def _meetings_page(
        self,
        filters: MeetingFilters,
        position: str | None,
        paginator: ContinuationKeyPaginator | None,
    ) -> ProviderPage[Meeting]:
        async def fetch(key: str | None) -> _Fetched[Meeting]:
            page = await self._client.engagements(self._params(filters, key))
            rows = page.engagements or []
            return page.continuation_key, rows, _map_rows(rows, self._engagement_meeting)

        return await self._listing(position, fetch, paginator)

    def _engagement_meeting(self, row: Mapping[str, Any]) -> Meeting:
        return meeting_from_row(row, self._recording_url)

    async def list_meetings_json_page(
        self, filters: MeetingFilters, position: str | None = None
    ) -> ProviderPage[EncodedMeeting]:
        """`list_meetings_page`, each meeting already encoded as JSON (the list route's answer)."""
        links, link = links_key(self._recording_url), self._recording_url

        async def fetch(key: str | None) -> _Fetched[EncodedMeeting]:
            page = await self._client.engagement_rows(self._params(filters, key))
            encoded = _map_rows(page.rows, lambda raw: _ENCODED.encode(raw, link, links))
            return page.continuation_key, page.rows, encoded

        return await self._listing(position, fetch)

    async def iter_meetings(self, filters: MeetingFilters) -> AsyncIterator[Meeting]:
        """Every matching meeting exactly once, newest first, following continuation keys."""
        position: str | None = None
        seen: set[Any] = set()
        paginator = ContinuationKeyPaginator()
        while True:
            page = await self._meetings_page(filters, position, paginator)
            for meeting in dedupe(page.items, key=_id_of, seen=seen):
                yield meeting
            if page.next_position is None:
                return
            position = page.next_position

    async def _engagement_row(self, meeting_id: str) -> Mapping[str, Any] | None:
        page = await self._client.engagements(
            {"engagement_id": meeting_id, "with_trackers": "true"}
        )
        rows = page.engagements or []
        return next((r for r in rows if str(r.get("engagement_id")) == meeting_id), None)

    async def get_meeting(self, meeting_id: str, *, listed: Meeting | None = None) -> Meeting:
        """The full meeting: the conversation merged with its engagement row.

        `listed` (a list-level Meeting) supplies the row from its `remote_data`, saving a call.
        """
        row = engagement_row_of(listed.remote_data) if listed is not None else None
        if row is not None:
            doc = await self._client.conversation(meeting_id)
            return meeting_from_doc(row, doc, self._recording_url)
        doc_result, row_result = await asyncio.gather(
            self._client.conversation(meeting_id),
            self._engagement_row(meeting_id),
            return_exceptions=True,
        )
        if isinstance(row_result, BaseException):
            raise row_result
        if isinstance(doc_result, ProviderNotFoundError) and row_result is not None:
            # Listed but without a conversation (e.g. never recorded): what Chorus knows.
            return meeting_from_row(row_result, self._recording_url)
        if isinstance(doc_result, BaseException):
            raise doc_result
        return meeting_from_doc(row_result, doc_result, self._recording_url)

    async def get_meetings(
        self, meetings: Iterable[Meeting | str], *, concurrency: int = 16
    ) -> list[Meeting]:
        """Full meetings for many listed ones (or ids), fetched concurrently, in input order."""
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        gate = asyncio.Semaphore(concurrency)

        async def one(item: Meeting | str) -> Meeting:
            async with gate:
                if isinstance(item, str):
                    return await self.get_meeting(item)
                return await self.get_meeting(item.id, listed=item)

        tasks = [asyncio.create_task(one(item)) for item in meetings]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            # The first failure decides; do not leave the others running behind the caller.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    async def list_users(self) -> list[User]:
        """All users from `GET /v3/users` (bare array, `{"users": [...]}` or JSON:API)."""
        return _map_rows(user_rows(await self._client.users()), map_user)

    async def get_user(self, user_id: str) -> User:
        """One user, resolved from the list (Chorus has no get-user endpoint)."""
        for user in await self.list_users():
            if user.id == user_id:
                return user
        raise ProviderNotFoundError(
            f"Chorus has no user {user_id!r} visible to this token (looked up in GET /v3/users)."
        )

    async def list_teams(self) -> list[Team]:
        """All teams from `GET /api/v1/teams`."""
        body = await self._client.teams()
        rows = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(rows, list):
            raise ProviderResponseError("Chorus sent /api/v1/teams without a `data` array.")
        return _map_rows((r for r in rows if isinstance(r, Mapping)), map_team)

    async def get_team(self, team_id: str) -> Team:
        """One team from `GET /api/v1/teams/{id}`."""
        body = await self._client.team(team_id)
        if not isinstance(body, Mapping):
            raise ProviderResponseError("Chorus sent a team document that is not an object.")
        return map_team(body)

    async def media_url(self, meeting_id: str, kind: MediaKind) -> str:
        """A fresh, short-lived Chorus URL of the meeting's audio or video."""
        info = await self._client.media_info(meeting_id)
        if not isinstance(info, Mapping):
            raise ProviderResponseError("Chorus sent media info that is not a JSON object.")
        served = _served_kind(info)
        if kind == "video" and served == "audio":
            raise ProviderNotFoundError(
                f"Chorus meeting {meeting_id} has no video recording (audio only); "
                "ask for kind=audio."
            )
        # Chorus serves video when it has it; its file carries the audio track too.
        url = info.get(f"{kind}_url") or info.get("url") or info.get("download_url")
        if not isinstance(url, str) or not url:
            raise ProviderResponseError(f"Chorus sent no media URL for meeting {meeting_id}.")
        return url

    async def raw_request(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Pass-through to Chorus with the token injected; the answer verbatim (proxy)."""
        return await self._client.send_raw(
            method, path, params=params, content=content, headers=headers
        )

    def rate_limit_state(self) -> RateLimitState:
        """This account's rate budget (for RateLimit-* response headers)."""
        return self._client.rate_limit_state()

    async def aclose(self) -> None:
        """Close the client's connections."""
        await self._client.aclose()


def _served_kind(info: Mapping[str, Any]) -> str | None:
    kind = info.get("kind")
    if isinstance(kind, str) and kind:
        return kind.lower()
    media_type = info.get("media_type") or info.get("content_type")
    if isinstance(media_type, str) and "/" in media_type:
        return media_type.split("/", 1)[0].lower()
    return None


class ChorusFactory:
    """Builds a `ChorusProvider` bound to one account's token."""

    info: ProviderInfo = CHORUS_INFO

    def connect(
        self,
        credentials: Credentials,
        *,
        base_url: str | None = None,
        limiter_key: str,
        http: HttpOptions,
        recording_url: RecordingUrl | None = None,
    ) -> ChorusProvider:
        """A provider for these credentials (`base_url` overrides https://chorus.ai)."""
        client = ChorusClient(
            credentials,
            base_url=base_url or self.info.default_base_url,
            limiter_key=limiter_key,
            http=http,
        )
        return ChorusProvider(client, recording_url=recording_url)
