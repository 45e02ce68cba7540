"""The library page's model: an account's coaching playlists as the caller may see them.

A web-level presenter over `runtime.coaching.playlists`, with the scope the API applies
(`runtime.callers`): every playlist of the account, each with only the items on meetings the
caller may see, in order; each item links to the playback page at its start.
"""

from __future__ import annotations

from dataclasses import dataclass

from parley.insights.callers import Caller
from parley.insights.coaching_views import PlaylistItemView, PlaylistView, Viewer
from parley.insights.page_links import playback_page
from parley.runtime import Runtime
from parley.web.playback_model import playback_scope
from parley.web.templating import clock

__all__ = ["LibraryItem", "LibraryPage", "LibraryPlaylist", "library_page"]

#: Playlists one page shows (newest first).
LIBRARY_SIZE = 50


@dataclass(frozen=True, slots=True)
class LibraryItem:
    """One playable item: a clip or a whole meeting."""

    id: str
    position: int
    title: str
    span: str
    note: str | None
    href: str
    start: float | None


@dataclass(frozen=True, slots=True)
class LibraryPlaylist:
    """A playlist and the items the caller may see."""

    id: str
    name: str
    description: str | None
    owner: str
    items: list[LibraryItem]


@dataclass(frozen=True, slots=True)
class LibraryPage:
    """Everything the library template renders."""

    account_id: str
    playlists: list[LibraryPlaylist]


def _span(item: PlaylistItemView) -> str:
    if item.start_time is None:
        return f"Whole meeting ({clock(item.meeting_duration)})"
    if item.end_time is None:
        return f"From {clock(item.start_time)}"
    return f"{clock(item.start_time)} to {clock(item.end_time)}"


def _item(account_id: str, item: PlaylistItemView) -> LibraryItem:
    return LibraryItem(
        id=item.id,
        position=item.position,
        title=item.meeting_title or item.meeting_id,
        span=_span(item),
        note=item.note,
        href=playback_page(account_id, item.meeting_id, item.start_time),
        start=item.start_time,
    )


def _playlist(view: PlaylistView) -> LibraryPlaylist:
    return LibraryPlaylist(
        id=view.id,
        name=view.name,
        description=view.description,
        owner=view.owner_app_user_id or "the developer",
        items=[_item(view.integrated_account_id, item) for item in view.items or []],
    )


async def library_page(runtime: Runtime, caller: Caller, account_id: str | None) -> LibraryPage:
    """The account's playlists for `caller` (a scoped token's own account by default)."""
    reading = await playback_scope(runtime, caller, account_id)
    account = str(reading.account_id)
    viewer = Viewer(account, reading.app_user_id, reading.visible)
    views = await runtime.coaching.playlists.library(caller.tenant.id, viewer, limit=LIBRARY_SIZE)
    return LibraryPage(account_id=account, playlists=[_playlist(view) for view in views])
