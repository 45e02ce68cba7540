"""The coaching library's queries: playlists, their items and comments (faces.md §3).

Every read of an item or a comment joins the stored meeting it is about, so a `visible`
clause over `meetings` (per-user scoping, `storage.scope`) is ANDed inside the query, and an
item or comment on a meeting the sync has since deleted is hidden from everyone. A playlist
itself is not scoped: every user of its account sees it, with only the items it may see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.storage.db import rowcount
from parley.storage.tables import IntegratedAccount
from parley.storage.tables_coaching import CoachingComment, CoachingPlaylist, CoachingPlaylistItem
from parley.storage.tables_store import StoredMeeting

__all__ = ["CoachingRepository", "ItemRow", "MeetingFacts", "PlaylistKey"]

#: Where the playlist list continues: (created_at, id) of the last playlist listed.
PlaylistKey = tuple[datetime, str]


@dataclass(frozen=True, slots=True)
class MeetingFacts:
    """What the library checks and shows of a stored meeting."""

    id: str
    title: str | None
    start_time: datetime | None
    duration: float | None


@dataclass(frozen=True, slots=True)
class ItemRow:
    """A playlist item with the meeting it plays."""

    item: CoachingPlaylistItem
    meeting: MeetingFacts


def _on_meeting(account: Any, meeting: Any) -> ColumnElement[bool]:
    m = StoredMeeting
    return and_(m.account_id == account, m.id == meeting)


def _facts(meeting: StoredMeeting) -> MeetingFacts:
    return MeetingFacts(meeting.id, meeting.title, meeting.start_time, meeting.duration)


class CoachingRepository:
    """Coaching rows inside one session; every lookup is bound to a tenant."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # -- meetings ---------------------------------------------------------------------

    async def meeting(
        self, account_id: str, meeting_id: str, visible: ColumnElement[bool] | None
    ) -> MeetingFacts | None:
        """The stored meeting if `visible` (a clause over `meetings`; None: any) lets it through."""
        m = StoredMeeting
        statement = select(m).where(m.account_id == account_id, m.id == meeting_id)
        if visible is not None:
            statement = statement.where(visible)
        row = (await self._session.scalars(statement)).first()
        return None if row is None else _facts(row)

    async def account_exists(self, tenant_id: str, account_id: str) -> bool:
        """True when the integrated account is the tenant's."""
        statement = select(IntegratedAccount.id).where(
            IntegratedAccount.id == account_id, IntegratedAccount.tenant_id == tenant_id
        )
        return (await self._session.scalar(statement)) is not None

    # -- comments ---------------------------------------------------------------------

    async def add_comment(self, comment: CoachingComment) -> None:
        """Insert a comment (flushed, so a failure surfaces here)."""
        self._session.add(comment)
        await self._session.flush()

    async def comment(self, tenant_id: str, comment_id: str) -> CoachingComment | None:
        """One comment of the tenant (None: no such comment, or another tenant's)."""
        c = CoachingComment
        statement = select(c).where(c.id == comment_id, c.tenant_id == tenant_id)
        return cast(CoachingComment | None, await self._session.scalar(statement))

    async def comments(
        self,
        tenant_id: str,
        account_id: str,
        meeting_id: str,
        visible: ColumnElement[bool] | None,
    ) -> list[CoachingComment]:
        """A meeting's comments in time order, when `visible` lets its meeting through."""
        c = CoachingComment
        statement = (
            select(c)
            .join(StoredMeeting, _on_meeting(c.integrated_account_id, c.meeting_id))
            .where(c.tenant_id == tenant_id, c.integrated_account_id == account_id)
            .where(c.meeting_id == meeting_id)
            .order_by(c.start_time, c.created_at, c.id)
        )
        if visible is not None:
            statement = statement.where(visible)
        return list(await self._session.scalars(statement))

    async def delete_comment(self, comment: CoachingComment) -> None:
        """Delete the comment."""
        await self._session.delete(comment)

    # -- playlists --------------------------------------------------------------------

    async def add_playlist(self, playlist: CoachingPlaylist) -> None:
        """Insert a playlist."""
        self._session.add(playlist)
        await self._session.flush()

    async def playlist(self, tenant_id: str, playlist_id: str) -> CoachingPlaylist | None:
        """One playlist of the tenant (None: no such playlist, or another tenant's)."""
        p = CoachingPlaylist
        statement = select(p).where(p.id == playlist_id, p.tenant_id == tenant_id)
        return cast(CoachingPlaylist | None, await self._session.scalar(statement))

    async def locked_playlist(
        self, tenant_id: str, playlist_id: str, now: datetime
    ) -> CoachingPlaylist | None:
        """The playlist, its row written first (`updated_at`) so that every change to its
        items is serialised: PostgreSQL holds the row lock, SQLite the write lock, until
        commit, and positions are read only after it."""
        p = CoachingPlaylist
        touched = await self._session.execute(
            update(p)
            .where(p.id == playlist_id, p.tenant_id == tenant_id)
            .values(updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if not rowcount(touched):
            return None
        statement = (
            select(p)
            .where(p.id == playlist_id, p.tenant_id == tenant_id)
            .execution_options(populate_existing=True)
        )
        return cast(CoachingPlaylist | None, await self._session.scalar(statement))

    async def playlists(
        self,
        tenant_id: str,
        account_id: str | None,
        *,
        after: PlaylistKey | None,
        limit: int,
    ) -> list[CoachingPlaylist]:
        """The tenant's playlists (of one account, when given), newest first, after `after`."""
        p = CoachingPlaylist
        statement = select(p).where(p.tenant_id == tenant_id)
        if account_id is not None:
            statement = statement.where(p.integrated_account_id == account_id)
        if after is not None:
            statement = statement.where(tuple_(p.created_at, p.id) < tuple_(*after))
        statement = statement.order_by(p.created_at.desc(), p.id.desc()).limit(limit)
        return list(await self._session.scalars(statement))

    async def visible_item_counts(
        self, playlist_ids: Sequence[str], visible: ColumnElement[bool] | None
    ) -> dict[str, int]:
        """How many items of each playlist play a meeting `visible` lets through."""
        if not playlist_ids:
            return {}
        i = CoachingPlaylistItem
        statement = (
            select(i.playlist_id, func.count())
            .join(StoredMeeting, _on_meeting(i.integrated_account_id, i.meeting_id))
            .where(i.playlist_id.in_(list(playlist_ids)))
            .group_by(i.playlist_id)
        )
        if visible is not None:
            statement = statement.where(visible)
        counts = dict.fromkeys(playlist_ids, 0)
        for playlist_id, count in await self._session.execute(statement):
            counts[playlist_id] = int(count)
        return counts

    async def delete_playlist(self, playlist: CoachingPlaylist) -> None:
        """Delete the playlist and its items."""
        i = CoachingPlaylistItem
        await self._session.execute(delete(i).where(i.playlist_id == playlist.id))
        await self._session.delete(playlist)

    # -- items ------------------------------------------------------------------------

    async def items(self, playlist_id: str, visible: ColumnElement[bool] | None) -> list[ItemRow]:
        """The playlist's items on meetings `visible` lets through, in position order."""
        return (await self.items_of([playlist_id], visible))[playlist_id]

    async def items_of(
        self, playlist_ids: Sequence[str], visible: ColumnElement[bool] | None
    ) -> dict[str, list[ItemRow]]:
        """`items` of several playlists in one query, by playlist id."""
        found: dict[str, list[ItemRow]] = {pid: [] for pid in playlist_ids}
        if not playlist_ids:
            return found
        i = CoachingPlaylistItem
        statement = (
            select(i, StoredMeeting)
            .join(StoredMeeting, _on_meeting(i.integrated_account_id, i.meeting_id))
            .where(i.playlist_id.in_(list(playlist_ids)))
            .order_by(i.playlist_id, i.position, i.id)
        )
        if visible is not None:
            statement = statement.where(visible)
        for item, meeting in await self._session.execute(statement):
            found[item.playlist_id].append(ItemRow(item, _facts(meeting)))
        return found

    async def all_items(self, playlist_id: str) -> list[CoachingPlaylistItem]:
        """Every item of the playlist (seen or not by anyone), in position order."""
        i = CoachingPlaylistItem
        statement = select(i).where(i.playlist_id == playlist_id).order_by(i.position, i.id)
        return list(await self._session.scalars(statement))

    async def add_item(self, item: CoachingPlaylistItem) -> None:
        """Insert an item."""
        self._session.add(item)
        await self._session.flush()

    async def delete_item(self, item: CoachingPlaylistItem) -> None:
        """Delete an item (the caller renumbers the rest)."""
        await self._session.delete(item)
        await self._session.flush()
