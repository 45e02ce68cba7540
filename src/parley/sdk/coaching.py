"""`client.coaching`: the coaching library's playlists and comments (faces.md §3).

`Coaching` (for `Client`) and `AsyncCoaching` (for `AsyncClient`) offer the same methods;
lists answer a paginator, everything else the typed answer (awaited on the async client).
A scoped token writes here as its app user; with the API key, `app_user_id=` on a create
names the app user acting (absent: you, the developer). `integrated_account_id` defaults to
the client's; routes on one playlist or comment need none.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from parley.sdk import insight_models as im
from parley.sdk import specs
from parley.sdk.base import ClientConfig
from parley.sdk.calls import AsyncPaginator, Call, Paginator
from parley.unified import Page

__all__ = [
    "AsyncCoaching",
    "AsyncCoachingComments",
    "AsyncCoachingPlaylists",
    "Coaching",
    "CoachingComments",
    "CoachingPlaylists",
]

T = TypeVar("T")
JSON = dict[str, Any]


class _Runner(Protocol):
    config: ClientConfig

    def _one(self, call: Call[T]) -> T: ...

    def _many(self, call: Call[Page[T]]) -> Paginator[T]: ...

    def _account(self, given: str | None) -> str: ...


class _AsyncRunner(Protocol):
    config: ClientConfig

    async def _one(self, call: Call[T]) -> T: ...

    def _many(self, call: Call[Page[T]]) -> AsyncPaginator[T]: ...

    def _account(self, given: str | None) -> str: ...


def _given(body: JSON) -> JSON:
    return {k: v for k, v in body.items() if v is not None}


class CoachingPlaylists:
    def __init__(self, client: _Runner) -> None:
        self._c = client

    def create(
        self,
        name: str,
        integrated_account_id: str | None = None,
        *,
        description: str | None = None,
        app_user_id: str | None = None,
    ) -> im.CoachingPlaylist:
        """An empty playlist, owned by the app user acting (or by you)."""
        account = self._c._account(integrated_account_id)
        body = {"integrated_account_id": account, "name": name, "description": description}
        return self._c._one(specs.playlist_create(_given({**body, "app_user_id": app_user_id})))

    def list(
        self, integrated_account_id: str | None = None, *, limit: int | None = None
    ) -> Paginator[im.CoachingPlaylist]:
        """Playlists, newest first, without items (`item_count`: the visible ones)."""
        account = integrated_account_id or self._c.config.integrated_account_id
        return self._c._many(specs.playlists_list(account, limit))

    def get(
        self, playlist_id: str, integrated_account_id: str | None = None
    ) -> im.CoachingPlaylist:
        """The playlist with its visible items, in order."""
        return self._c._one(specs.playlist_get(playlist_id, integrated_account_id))

    def update(
        self, playlist_id: str, integrated_account_id: str | None = None, **body: Any
    ) -> im.CoachingPlaylist:
        """`name=…`, `description=…` (None clears it)."""
        return self._c._one(specs.playlist_update(playlist_id, integrated_account_id, body))

    def delete(self, playlist_id: str, integrated_account_id: str | None = None) -> JSON:
        return self._c._one(specs.playlist_delete(playlist_id, integrated_account_id))

    def add_item(
        self,
        playlist_id: str,
        meeting_id: str,
        *,
        start_time: float | None = None,
        end_time: float | None = None,
        note: str | None = None,
        integrated_account_id: str | None = None,
    ) -> im.CoachingPlaylistItem:
        """A clip (`start_time`, optional `end_time`) or the whole meeting, at the end."""
        body = {"meeting_id": meeting_id, "start_time": start_time, "end_time": end_time}
        call = specs.item_add(playlist_id, integrated_account_id, _given({**body, "note": note}))
        return self._c._one(call)

    def update_item(
        self, playlist_id: str, item_id: str, integrated_account_id: str | None = None, **body: Any
    ) -> im.CoachingPlaylistItem:
        """`position=…` (the others shift), `note=…` (None clears it)."""
        call = specs.item_update(playlist_id, item_id, integrated_account_id, body)
        return self._c._one(call)

    def delete_item(
        self, playlist_id: str, item_id: str, integrated_account_id: str | None = None
    ) -> JSON:
        return self._c._one(specs.item_delete(playlist_id, item_id, integrated_account_id))


class CoachingComments:
    def __init__(self, client: _Runner) -> None:
        self._c = client

    def create(
        self,
        meeting_id: str,
        start_time: float,
        text: str,
        integrated_account_id: str | None = None,
        *,
        app_user_id: str | None = None,
    ) -> im.CoachingComment:
        """A comment at `start_time` seconds, by the app user acting (or by you)."""
        body = {
            "integrated_account_id": self._c._account(integrated_account_id),
            "meeting_id": meeting_id,
            "start_time": start_time,
            "text": text,
            "app_user_id": app_user_id,
        }
        return self._c._one(specs.comment_create(_given(body)))

    def list(
        self, meeting_id: str, integrated_account_id: str | None = None
    ) -> Paginator[im.CoachingComment]:
        """The meeting's comments by `start_time`."""
        account = integrated_account_id or self._c.config.integrated_account_id
        return self._c._many(specs.comments_list(account, meeting_id))

    def delete(self, comment_id: str, integrated_account_id: str | None = None) -> JSON:
        """By its author or by you."""
        return self._c._one(specs.comment_delete(comment_id, integrated_account_id))


class Coaching:
    """`client.coaching.playlists` and `client.coaching.comments`."""

    def __init__(self, client: _Runner) -> None:
        self.playlists = CoachingPlaylists(client)
        self.comments = CoachingComments(client)


class AsyncCoachingPlaylists:
    def __init__(self, client: _AsyncRunner) -> None:
        self._c = client

    async def create(
        self,
        name: str,
        integrated_account_id: str | None = None,
        *,
        description: str | None = None,
        app_user_id: str | None = None,
    ) -> im.CoachingPlaylist:
        """An empty playlist, owned by the app user acting (or by you)."""
        account = self._c._account(integrated_account_id)
        body = {"integrated_account_id": account, "name": name, "description": description}
        call = specs.playlist_create(_given({**body, "app_user_id": app_user_id}))
        return await self._c._one(call)

    def list(
        self, integrated_account_id: str | None = None, *, limit: int | None = None
    ) -> AsyncPaginator[im.CoachingPlaylist]:
        """Playlists, newest first, without items (`item_count`: the visible ones)."""
        account = integrated_account_id or self._c.config.integrated_account_id
        return self._c._many(specs.playlists_list(account, limit))

    async def get(
        self, playlist_id: str, integrated_account_id: str | None = None
    ) -> im.CoachingPlaylist:
        """The playlist with its visible items, in order."""
        return await self._c._one(specs.playlist_get(playlist_id, integrated_account_id))

    async def update(
        self, playlist_id: str, integrated_account_id: str | None = None, **body: Any
    ) -> im.CoachingPlaylist:
        """`name=…`, `description=…` (None clears it)."""
        return await self._c._one(specs.playlist_update(playlist_id, integrated_account_id, body))

    async def delete(self, playlist_id: str, integrated_account_id: str | None = None) -> JSON:
        return await self._c._one(specs.playlist_delete(playlist_id, integrated_account_id))

    async def add_item(
        self,
        playlist_id: str,
        meeting_id: str,
        *,
        start_time: float | None = None,
        end_time: float | None = None,
        note: str | None = None,
        integrated_account_id: str | None = None,
    ) -> im.CoachingPlaylistItem:
        """A clip (`start_time`, optional `end_time`) or the whole meeting, at the end."""
        body = {"meeting_id": meeting_id, "start_time": start_time, "end_time": end_time}
        call = specs.item_add(playlist_id, integrated_account_id, _given({**body, "note": note}))
        return await self._c._one(call)

    async def update_item(
        self, playlist_id: str, item_id: str, integrated_account_id: str | None = None, **body: Any
    ) -> im.CoachingPlaylistItem:
        """`position=…` (the others shift), `note=…` (None clears it)."""
        call = specs.item_update(playlist_id, item_id, integrated_account_id, body)
        return await self._c._one(call)

    async def delete_item(
        self, playlist_id: str, item_id: str, integrated_account_id: str | None = None
    ) -> JSON:
        return await self._c._one(specs.item_delete(playlist_id, item_id, integrated_account_id))


class AsyncCoachingComments:
    def __init__(self, client: _AsyncRunner) -> None:
        self._c = client

    async def create(
        self,
        meeting_id: str,
        start_time: float,
        text: str,
        integrated_account_id: str | None = None,
        *,
        app_user_id: str | None = None,
    ) -> im.CoachingComment:
        """A comment at `start_time` seconds, by the app user acting (or by you)."""
        body = {
            "integrated_account_id": self._c._account(integrated_account_id),
            "meeting_id": meeting_id,
            "start_time": start_time,
            "text": text,
            "app_user_id": app_user_id,
        }
        return await self._c._one(specs.comment_create(_given(body)))

    def list(
        self, meeting_id: str, integrated_account_id: str | None = None
    ) -> AsyncPaginator[im.CoachingComment]:
        """The meeting's comments by `start_time`."""
        account = integrated_account_id or self._c.config.integrated_account_id
        return self._c._many(specs.comments_list(account, meeting_id))

    async def delete(self, comment_id: str, integrated_account_id: str | None = None) -> JSON:
        """By its author or by you."""
        return await self._c._one(specs.comment_delete(comment_id, integrated_account_id))


class AsyncCoaching:
    """`client.coaching.playlists` and `client.coaching.comments`."""

    def __init__(self, client: _AsyncRunner) -> None:
        self.playlists = AsyncCoachingPlaylists(client)
        self.comments = AsyncCoachingComments(client)
