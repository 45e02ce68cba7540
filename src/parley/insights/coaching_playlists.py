"""Coaching playlists: named, ordered lists of clips and whole meetings of one account.

- Every user of the account sees its playlists, each with only the items on meetings that
  user may see (`item_count` counts those); a playlist of another account, or of another
  tenant, is a 404.
- Its owner (the app user who made it; None: the developer) and the developer's API key
  change it: rename, describe, add, move, annotate and remove items, delete it. Anyone
  else who can see it gets a 403.
- An item is added on a meeting the caller may see (404 otherwise), at the end. Positions
  are 0..n-1 without gaps over every item: moving one shifts those in between, removing one
  closes the gap. Each change to a playlist's items first writes the playlist row, so
  concurrent changes to one playlist take turns.
"""

from __future__ import annotations

import builtins
import hashlib
import json
from datetime import datetime
from typing import Any

from parley.errors import InvalidCursorError, InvalidRequestError, NotFoundError
from parley.insights.coaching_views import (
    MAX_DESCRIPTION,
    MAX_ITEMS,
    MAX_NAME,
    MAX_NOTE,
    UNSET,
    PlaylistItemView,
    PlaylistView,
    Viewer,
    account_not_found,
    item_view,
    meeting_id_field,
    meeting_not_found,
    not_owner,
    optional_text,
    playlist_not_found,
    seconds,
    text_field,
)
from parley.insights.snippet_feed import ListCursors
from parley.storage import Database, new_id, utcnow
from parley.storage.repositories.coaching import (
    CoachingRepository,
    ItemRow,
    MeetingFacts,
    PlaylistKey,
)
from parley.storage.tables_coaching import CoachingPlaylist, CoachingPlaylistItem

__all__ = ["PlaylistService"]


def _item_not_found(item_id: str) -> NotFoundError:
    return NotFoundError(f"No item {item_id!r} in this playlist.", code="playlist_item_not_found")


def _digest(tenant_id: str, viewer: Viewer) -> str:
    blob = json.dumps([tenant_id, "coaching_playlists", viewer.account_id, viewer.app_user_id])
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _clip(
    start_time: Any, end_time: Any, meeting: MeetingFacts
) -> tuple[float | None, float | None]:
    """An item's bounds: none (the whole meeting), a start, or a start and a later end."""
    start = None if start_time is None else seconds(start_time, "start_time", meeting)
    if end_time is None:
        return start, None
    if start is None:
        raise InvalidRequestError(
            "end_time needs a start_time (leave both out for the whole meeting).",
            param="end_time",
        )
    end = seconds(end_time, "end_time", meeting)
    if end <= start:
        raise InvalidRequestError("end_time must be after start_time.", param="end_time")
    return start, end


def _position(value: Any, count: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
        raise InvalidRequestError(
            f"position must be an integer from 0 to {count - 1} (this playlist has {count} items).",
            param="position",
        )
    return value


class PlaylistService:
    """A tenant's coaching playlists and their items, as one `Viewer` sees them."""

    def __init__(self, db: Database, cursors: ListCursors, *, public_url: str) -> None:
        self._db = db
        self._cursors = cursors
        self._public_url = public_url

    async def create(
        self,
        tenant_id: str,
        account_id: str,
        name: Any,
        description: Any = None,
        *,
        owner: str | None,
    ) -> PlaylistView:
        """A new, empty playlist of the account, owned by `owner` (None: the developer)."""
        name = text_field(name, "name", MAX_NAME)
        description = optional_text(description, "description", MAX_DESCRIPTION)
        async with self._db.session() as session:
            repo = CoachingRepository(session)
            if not await repo.account_exists(tenant_id, account_id):
                raise account_not_found(account_id)
            now = utcnow()
            row = CoachingPlaylist(
                id=new_id(),
                tenant_id=tenant_id,
                integrated_account_id=account_id,
                name=name,
                description=description,
                owner_app_user_id=owner,
                created_at=now,
                updated_at=now,
            )
            await repo.add_playlist(row)
        return PlaylistView.of(row, 0, [])

    async def list(
        self, tenant_id: str, viewer: Viewer, *, limit: int, cursor: str | None = None
    ) -> tuple[builtins.list[PlaylistView], str | None]:
        """A page of playlists, newest first (of the viewer's account when it has one)."""
        digest = _digest(tenant_id, viewer)
        after = None if cursor is None else self._key(self._cursors.decode(cursor, digest))
        async with self._db.session() as session:
            repo = CoachingRepository(session)
            if viewer.account_id is not None and not await repo.account_exists(
                tenant_id, viewer.account_id
            ):
                raise account_not_found(viewer.account_id)
            rows = await repo.playlists(tenant_id, viewer.account_id, after=after, limit=limit + 1)
            more = len(rows) > limit
            rows = rows[:limit]
            counts = await repo.visible_item_counts([r.id for r in rows], viewer.visible)
        following = None
        if more and rows:
            following = self._cursors.encode([rows[-1].created_at.isoformat(), rows[-1].id], digest)
        return [PlaylistView.of(row, counts[row.id]) for row in rows], following

    async def library(
        self, tenant_id: str, viewer: Viewer, *, limit: int = 50
    ) -> builtins.list[PlaylistView]:
        """The newest `limit` playlists, each with its visible items (a library page)."""
        async with self._db.session() as session:
            repo = CoachingRepository(session)
            if viewer.account_id is not None and not await repo.account_exists(
                tenant_id, viewer.account_id
            ):
                raise account_not_found(viewer.account_id)
            rows = await repo.playlists(tenant_id, viewer.account_id, after=None, limit=limit)
            items = await repo.items_of([row.id for row in rows], viewer.visible)
        return [self._view(row, items[row.id]) for row in rows]

    async def get(self, tenant_id: str, playlist_id: str, viewer: Viewer) -> PlaylistView:
        """The playlist with the items the viewer may see, in order."""
        async with self._db.session() as session:
            repo = CoachingRepository(session)
            row = await self._playlist(repo, tenant_id, playlist_id, viewer)
            items = await repo.items(row.id, viewer.visible)
        return self._view(row, items)

    async def update(
        self, tenant_id: str, playlist_id: str, viewer: Viewer, *, name: Any, description: Any
    ) -> PlaylistView:
        """Rename or re-describe (`UNSET`: unchanged; a null description clears it)."""
        new_name = UNSET if name is UNSET else text_field(name, "name", MAX_NAME)
        new_description = (
            UNSET
            if description is UNSET
            else optional_text(description, "description", MAX_DESCRIPTION)
        )
        async with self._db.session() as session:
            repo = CoachingRepository(session)
            row = await self._playlist(repo, tenant_id, playlist_id, viewer, write=True)
            if new_name is not UNSET:
                row.name = new_name
            if new_description is not UNSET:
                row.description = new_description
            row.updated_at = utcnow()
            await session.flush()
            items = await repo.items(row.id, viewer.visible)
        return self._view(row, items)

    async def delete(self, tenant_id: str, playlist_id: str, viewer: Viewer) -> None:
        """Delete the playlist and every item of it."""
        async with self._db.session() as session:
            repo = CoachingRepository(session)
            row = await self._playlist(repo, tenant_id, playlist_id, viewer, write=True)
            await repo.delete_playlist(row)

    async def add_item(
        self,
        tenant_id: str,
        playlist_id: str,
        viewer: Viewer,
        meeting_id: Any,
        *,
        start_time: Any = None,
        end_time: Any = None,
        note: Any = None,
    ) -> PlaylistItemView:
        """Append a clip (`start_time`[..`end_time`]) or a whole meeting (neither)."""
        meeting_id = meeting_id_field(meeting_id)
        note = optional_text(note, "note", MAX_NOTE)
        async with self._db.session() as session:
            repo = CoachingRepository(session)
            now = utcnow()
            row = await self._playlist(repo, tenant_id, playlist_id, viewer, lock=now)
            meeting = await repo.meeting(row.integrated_account_id, meeting_id, viewer.visible)
            if meeting is None:
                raise meeting_not_found(meeting_id)
            start, end = _clip(start_time, end_time, meeting)
            count = len(await repo.all_items(row.id))
            if count >= MAX_ITEMS:
                raise InvalidRequestError(
                    f"A playlist holds at most {MAX_ITEMS} items.", code="playlist_full"
                )
            item = CoachingPlaylistItem(
                id=new_id(),
                playlist_id=row.id,
                tenant_id=tenant_id,
                integrated_account_id=row.integrated_account_id,
                meeting_id=meeting_id,
                position=count,
                start_time=start,
                end_time=end,
                note=note,
                created_at=now,
                updated_at=now,
            )
            await repo.add_item(item)
        return item_view(self._public_url, ItemRow(item, meeting))

    async def update_item(
        self,
        tenant_id: str,
        playlist_id: str,
        item_id: str,
        viewer: Viewer,
        *,
        position: Any = UNSET,
        note: Any = UNSET,
    ) -> PlaylistItemView:
        """Move the item to `position` (the others shift) and/or change its note."""
        new_note = UNSET if note is UNSET else optional_text(note, "note", MAX_NOTE)
        async with self._db.session() as session:
            repo = CoachingRepository(session)
            now = utcnow()
            row = await self._playlist(repo, tenant_id, playlist_id, viewer, lock=now)
            items = await repo.all_items(row.id)
            item, meeting = await self._item(repo, row, items, item_id, viewer)
            if position is not UNSET:
                target = _position(position, len(items))
                items.remove(item)
                items.insert(target, item)
                for index, each in enumerate(items):
                    if each.position != index:
                        each.position = index
            if new_note is not UNSET:
                item.note = new_note
            item.updated_at = now
            await session.flush()
        return item_view(self._public_url, ItemRow(item, meeting))

    async def delete_item(
        self, tenant_id: str, playlist_id: str, item_id: str, viewer: Viewer
    ) -> None:
        """Remove the item; those after it move up one."""
        async with self._db.session() as session:
            repo = CoachingRepository(session)
            row = await self._playlist(repo, tenant_id, playlist_id, viewer, lock=utcnow())
            items = await repo.all_items(row.id)
            item, _ = await self._item(repo, row, items, item_id, viewer)
            await repo.delete_item(item)
            for index, each in enumerate(each for each in items if each is not item):
                if each.position != index:
                    each.position = index

    # -- helpers ----------------------------------------------------------------------

    async def _playlist(
        self,
        repo: CoachingRepository,
        tenant_id: str,
        playlist_id: str,
        viewer: Viewer,
        *,
        write: bool = False,
        lock: datetime | None = None,
    ) -> CoachingPlaylist:
        """The viewer's playlist (404 otherwise); to change, its owner's (403 otherwise).

        `lock`: a change to its items, stamped then; the row is written first, so that the
        item positions read next are not changed by anyone else before the commit.
        """
        if lock is None:
            row = await repo.playlist(tenant_id, playlist_id)
        else:
            write = True
            row = await repo.locked_playlist(tenant_id, playlist_id, lock)
        if row is None or (
            viewer.account_id is not None and row.integrated_account_id != viewer.account_id
        ):
            raise playlist_not_found(playlist_id)
        if write and not viewer.is_admin and row.owner_app_user_id != viewer.app_user_id:
            raise not_owner("playlist")
        return row

    @staticmethod
    async def _item(
        repo: CoachingRepository,
        playlist: CoachingPlaylist,
        items: builtins.list[CoachingPlaylistItem],
        item_id: str,
        viewer: Viewer,
    ) -> tuple[CoachingPlaylistItem, MeetingFacts]:
        """The item and its meeting, when the viewer may see it (404 otherwise)."""
        item = next((each for each in items if each.id == item_id), None)
        if item is None:
            raise _item_not_found(item_id)
        meeting = await repo.meeting(
            playlist.integrated_account_id, item.meeting_id, viewer.visible
        )
        if meeting is None:
            raise _item_not_found(item_id)
        return item, meeting

    def _view(self, row: CoachingPlaylist, items: builtins.list[ItemRow]) -> PlaylistView:
        views = [item_view(self._public_url, item) for item in items]
        return PlaylistView.of(row, len(views), views)

    @staticmethod
    def _key(key: builtins.list[Any]) -> PlaylistKey:
        try:
            created, playlist_id = key
            return datetime.fromisoformat(created), str(playlist_id)
        except (TypeError, ValueError):
            raise InvalidCursorError("Malformed cursor.", param="next_cursor") from None
