"""Deal risk: one row per CRM opportunity of an account, its meetings, the tenant's settings.

`deals.risk` holds the clock-free signals and the latest completed meeting (what `stalled`
is judged from at each read); `base_score` is the sum of those signals' weights and
`stall_at` when the deal counts as stalled, so a list filters and sorts on the score *at
the time of the read* in SQL. `score` and `level` are as of `computed_at`; a rise of
`level` is what sends `deal_risk.raised`, and `last_raised_level` is the level that event
carried. `deal_meetings` maps a stored meeting to its opportunity; it has no foreign key to
`meetings`, so a deal still finds the meeting a sync just deleted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.storage.columns import utcnow
from parley.storage.tables import Base

__all__ = ["Deal", "DealMeeting", "RiskSettingsRow"]

_ACCOUNT_FK = "integrated_accounts.id"


class Deal(Base):
    """One CRM opportunity of one account, as last computed."""

    __tablename__ = "deals"
    __table_args__ = (
        Index("ix_deals_account_id_last_meeting_at", "account_id", "last_meeting_at"),
        Index("ix_deals_stall_at", "stall_at"),
    )

    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), primary_key=True
    )
    opportunity_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(1000))
    account_name: Mapped[str | None] = mapped_column(String(1000))
    stage: Mapped[str | None] = mapped_column(String(200))
    meeting_count: Mapped[int] = mapped_column(Integer)
    first_meeting_at: Mapped[datetime | None]
    last_meeting_at: Mapped[datetime | None]
    customer_emails: Mapped[list[str]]
    risk: Mapped[dict[str, Any]]
    base_score: Mapped[int] = mapped_column(Integer)
    stall_at: Mapped[datetime | None]
    score: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))
    last_raised_level: Mapped[str | None] = mapped_column(String(16))
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class DealMeeting(Base):
    """A stored meeting's opportunity (a meeting belongs to at most one deal)."""

    __tablename__ = "deal_meetings"
    __table_args__ = (
        Index("ix_deal_meetings_account_id_opportunity_id", "account_id", "opportunity_id"),
    )

    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey(_ACCOUNT_FK, ondelete="CASCADE"), primary_key=True
    )
    meeting_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    opportunity_id: Mapped[str] = mapped_column(String(200))


class RiskSettingsRow(Base):
    """A tenant's deal-risk settings document (absent: the defaults)."""

    __tablename__ = "risk_settings"

    tenant_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    settings: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
