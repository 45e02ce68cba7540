"""The synced copy: meetings, attendees, transcript entries, users and teams per account.

Rows are keyed by (account_id, provider id). `data` holds the unified object as JSON (for a
meeting: without its transcript, which lives in `transcript_entries`), `content_hash` the
SHA-256 of its canonical JSON, so a sync tells created / updated / unchanged apart.
Transcript search indexes `transcript_entries.text`: an FTS5 table `transcript_fts` on
SQLite (filled by the store writer per page since migration 0004; delete and update
triggers) and a generated `text_tsv` tsvector column on PostgreSQL (migration 0002; neither
is mapped here).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from parley.storage.columns import utcnow
from parley.storage.tables import Base

__all__ = [
    "StoredAttendee",
    "StoredMeeting",
    "StoredTeam",
    "StoredTranscriptEntry",
    "StoredUser",
]

_ACCOUNT_FK = "integrated_accounts.id"


class StoredMeeting(Base):
    """One meeting of one account, as last synced."""

    __tablename__ = "meetings"
    __table_args__ = (
        Index("ix_meetings_account_id_start_time", "account_id", "start_time"),
        Index("ix_meetings_account_id_updated_at", "account_id", "updated_at"),
        Index("ix_meetings_account_id_owner_user_id", "account_id", "owner_user_id"),
    )

    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    title: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(32))
    start_time: Mapped[datetime | None]
    duration: Mapped[float | None] = mapped_column(Float)
    owner_user_id: Mapped[str | None] = mapped_column(String(200))
    #: `Meeting.is_private` (migration 0008): a scoped read shows it to owner and admins.
    is_private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: True once the full meeting (transcript, speakers, trackers) has been fetched.
    has_details: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When our copy last changed (what `updated_after` filters on).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class StoredAttendee(Base):
    """An attendee of a stored meeting (for `participant_email` and user filters)."""

    __tablename__ = "attendees"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "meeting_id"],
            ["meetings.account_id", "meetings.id"],
            name="fk_attendees_meeting",
            ondelete="CASCADE",
        ),
        Index("ix_attendees_account_id_email", "account_id", "email"),
        Index("ix_attendees_account_id_user_id", "account_id", "user_id"),
    )

    account_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    meeting_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    attendee_id: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(320))
    type: Mapped[str] = mapped_column(String(32))


class StoredTranscriptEntry(Base):
    """One utterance of a stored meeting's transcript; `id` is the search index's rowid."""

    __tablename__ = "transcript_entries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "meeting_id"],
            ["meetings.account_id", "meetings.id"],
            name="fk_transcript_entries_meeting",
            ondelete="CASCADE",
        ),
        UniqueConstraint("account_id", "meeting_id", "index"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(String(36))
    meeting_id: Mapped[str] = mapped_column(String(200))
    index: Mapped[int] = mapped_column(Integer)
    speaker_id: Mapped[str | None] = mapped_column(String(200))
    speaker_name: Mapped[str | None] = mapped_column(String(500))
    speaker_type: Mapped[str] = mapped_column(String(32))
    #: The Parley/Chorus user behind the speaker, when the speaker is internal.
    user_id: Mapped[str | None] = mapped_column(String(200))
    start_time: Mapped[float | None] = mapped_column(Float)
    end_time: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)


class StoredUser(Base):
    """A provider user of one account."""

    __tablename__ = "users"

    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320))
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class StoredTeam(Base):
    """A provider team of one account."""

    __tablename__ = "teams"

    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
