"""Team analytics inputs: one row per counted meeting, one per topic it matched.

Derived from the synced copy (`meetings`, `transcript_entries`) when a meeting is stored,
so a report is a `GROUP BY` over these small rows instead of a pass over every transcript.
Only meetings that count (completed, with a transcript) have a row; a deleted meeting takes
its rows with it (foreign keys, `ON DELETE CASCADE`). Topic rows repeat the meeting's owner,
week and start so the topic totals need no join.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.storage.tables import Base

__all__ = ["MeetingStats", "MeetingTopic"]

#: What a report filters on and sums, after its group key, in the covering indexes.
_SUMMED = (
    "start_time",
    "duration",
    "owner_talk",
    "guest_talk",
    "total_talk",
    "longest_monologue",
)
_TOPIC = ("start_time", "mentions")


class MeetingStats(Base):
    """One counted meeting's analytics inputs (seconds unrounded; see `insights.analytics`)."""

    __tablename__ = "meeting_stats"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "meeting_id"],
            ["meetings.account_id", "meetings.id"],
            name="fk_meeting_stats_meeting",
            ondelete="CASCADE",
        ),
        # Covering indexes: a report reads one of them alone, already in its group order.
        Index("ix_meeting_stats_owner", "account_id", "owner_user_id", *_SUMMED, "owner_name"),
        Index("ix_meeting_stats_week", "account_id", "week", *_SUMMED),
    )

    account_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    meeting_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    owner_user_id: Mapped[str | None] = mapped_column(String(200))
    owner_name: Mapped[str | None] = mapped_column(String(500))
    start_time: Mapped[datetime | None]
    #: The ISO date of the Monday (UTC) of the meeting's start.
    week: Mapped[str | None] = mapped_column(String(10))
    duration: Mapped[float] = mapped_column(Float)
    owner_talk: Mapped[float] = mapped_column(Float)
    guest_talk: Mapped[float] = mapped_column(Float)
    total_talk: Mapped[float] = mapped_column(Float)
    longest_monologue: Mapped[float] = mapped_column(Float)


class MeetingTopic(Base):
    """A tracker that matched in a counted meeting, with its mentions."""

    __tablename__ = "meeting_topics"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "meeting_id"],
            ["meeting_stats.account_id", "meeting_stats.meeting_id"],
            name="fk_meeting_topics_meeting_stats",
            ondelete="CASCADE",
        ),
        Index("ix_meeting_topics_owner", "account_id", "owner_user_id", "name", *_TOPIC),
        Index("ix_meeting_topics_week", "account_id", "week", "name", *_TOPIC),
    )

    account_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    meeting_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(500), primary_key=True)
    mentions: Mapped[int] = mapped_column(Integer)
    owner_user_id: Mapped[str | None] = mapped_column(String(200))
    start_time: Mapped[datetime | None]
    week: Mapped[str | None] = mapped_column(String(10))
