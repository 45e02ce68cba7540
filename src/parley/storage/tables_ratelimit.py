"""Shared rate budgets (scale mode): one row per limiter key, updated atomically per send."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.storage.columns import utcnow
from parley.storage.tables import Base

__all__ = ["ApiRateLimit", "RateBudget"]


class RateBudget(Base):
    """A key's pacing state, shared by every process (times are database-clock epoch seconds)."""

    __tablename__ = "rate_budgets"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: Current pacing rate, requests per second.
    rate: Mapped[float] = mapped_column(Float)
    #: Learned ceiling (None: unbounded) and slow-start threshold (None: still in slow start).
    ceiling: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    #: The next free send slot; a send takes it and moves it 1/rate later.
    next_at: Mapped[float] = mapped_column(Float)
    paused_until: Mapped[float] = mapped_column(Float)
    #: When the last 429 that changed the rate came (0: never).
    limited_at: Mapped[float] = mapped_column(Float)
    #: Sends in the current and previous one-window buckets (a sliding-window estimate).
    window_start: Mapped[float] = mapped_column(Float)
    window_sends: Mapped[int] = mapped_column(Integer)
    previous_sends: Mapped[int] = mapped_column(Integer)
    #: 429s in the same two buckets (by arrival), to tell sporadic 429s from a limit
    window_refused: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    previous_refused: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Most requests accepted in one completed bucket lately, and when it was reached.
    peak: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    peak_at: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    #: Edge 429s in the open suspicion, when it closes, and the count it was opened at.
    suspects: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    suspect_until: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    suspect_level: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    #: Long-run share of sporadic 429s per send (an average over ~30 windows of sends).
    noise: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiRateLimit(Base):
    """One API key's request budget for Parley's own API (scale mode), shared by processes.

    `key` is the SHA-256 of the presented bearer credential, never the credential.
    """

    __tablename__ = "api_rate_limits"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The bucket's theoretical arrival time (GCRA), database-clock epoch seconds: past means
    #: a full bucket, `burst / rate` ahead means empty.
    tat: Mapped[float] = mapped_column(Float, index=True)
