"""The coaching library: playlists of meeting clips, and timestamped comments (faces.md §3).

Every row carries its tenant and integrated account. Items and comments name a stored
meeting by (account, meeting id) without a foreign key to `meetings`: a meeting a sync
deletes hides what was said about it (every read joins `meetings`) instead of silently
renumbering a playlist or erasing a manager's feedback. `position` is an item's place in
its playlist, 0..n-1 without gaps, over every item (a scoped reader may see gaps where
items on meetings it cannot see sit). `*_app_user_id` None is the developer's own API key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from parley.storage.columns import new_id, utcnow
from parley.storage.tables import Base

__all__ = ["CoachingComment", "CoachingPlaylist", "CoachingPlaylistItem"]

_ACCOUNT_FK = "integrated_accounts.id"
_TENANT_FK = "tenants.id"


class CoachingPlaylist(Base):
    """A named training playlist of one account, owned by the app user who made it."""

    __tablename__ = "coaching_playlists"
    __table_args__ = (
        Index("ix_coaching_playlists_tenant_id_created_at", "tenant_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(
        String(36), ForeignKey(_TENANT_FK, ondelete="CASCADE", name="fk_coaching_playlists_tenant")
    )
    integrated_account_id: Mapped[str] = mapped_column(
        String(36),
        ForeignKey(_ACCOUNT_FK, ondelete="CASCADE", name="fk_coaching_playlists_account"),
        index=True,
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    owner_app_user_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CoachingPlaylistItem(Base):
    """A clip (`start_time`..`end_time`) or a whole meeting (both None) in a playlist."""

    __tablename__ = "coaching_playlist_items"
    __table_args__ = (
        Index("ix_coaching_playlist_items_playlist_id_position", "playlist_id", "position"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    playlist_id: Mapped[str] = mapped_column(
        String(36),
        ForeignKey("coaching_playlists.id", ondelete="CASCADE", name="fk_coaching_items_playlist"),
    )
    tenant_id: Mapped[str] = mapped_column(
        String(36), ForeignKey(_TENANT_FK, ondelete="CASCADE", name="fk_coaching_items_tenant")
    )
    integrated_account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey(_ACCOUNT_FK, ondelete="CASCADE", name="fk_coaching_items_account")
    )
    meeting_id: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[float | None] = mapped_column(Float)
    end_time: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CoachingComment(Base):
    """Feedback at a second of a stored meeting, by an app user (None: the developer)."""

    __tablename__ = "coaching_comments"
    __table_args__ = (
        Index(
            "ix_coaching_comments_account_meeting_start",
            "integrated_account_id",
            "meeting_id",
            "start_time",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(
        String(36),
        ForeignKey(_TENANT_FK, ondelete="CASCADE", name="fk_coaching_comments_tenant"),
        index=True,
    )
    integrated_account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey(_ACCOUNT_FK, ondelete="CASCADE", name="fk_coaching_comments_account")
    )
    meeting_id: Mapped[str] = mapped_column(String(200))
    start_time: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    author_app_user_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
