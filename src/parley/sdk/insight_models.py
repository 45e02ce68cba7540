"""Typed answers for the insight routes: snippets and keyword rules, deals
and risk settings, user mappings and scoped tokens (shapes of the design contract,
`insights.md` §1, §2, §4), and the coaching library (`faces.md` §3). Unknown fields are
kept, missing optional ones are None, so the SDK reads what the server ships even where it
refines these shapes.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from parley.sdk.models import SdkModel
from parley.unified.base import UtcDateTime

__all__ = [
    "CoachingComment",
    "CoachingPlaylist",
    "CoachingPlaylistItem",
    "Deal",
    "DealRisk",
    "KeywordRule",
    "RiskEvidence",
    "RiskSettings",
    "RiskSignal",
    "RuleBackfill",
    "ScopedToken",
    "Snippet",
    "SnippetEntry",
    "UserMapping",
]


class RuleBackfill(SdkModel):
    #: `queued`, `running`, `completed` or `failed`
    status: str
    meetings_scanned: int = 0
    snippets: int = 0


class KeywordRule(SdkModel):
    id: str
    name: str
    phrases: list[str]
    integrated_account_id: str | None = None
    #: `any`, `user` or `guest`
    speaker_type: str = "any"
    context_seconds: float = 15
    enabled: bool = True
    notify_backfill: bool = False
    created_at: UtcDateTime | None = None
    updated_at: UtcDateTime | None = None
    backfill: RuleBackfill | None = None


class SnippetEntry(SdkModel):
    index: int
    speaker_name: str | None = None
    speaker_type: str | None = None
    start_time: float | None = None
    end_time: float | None = None
    text: str


class Snippet(SdkModel):
    """Matched transcript entries of one rule in one meeting, with their context."""

    id: str
    rule_id: str
    rule_name: str | None = None
    integrated_account_id: str
    meeting_id: str
    meeting_title: str | None = None
    meeting_start_time: UtcDateTime | None = None
    phrases: list[str] = Field(default_factory=list)
    entry_indexes: list[int] = Field(default_factory=list)
    speaker_name: str | None = None
    speaker_type: str | None = None
    user_id: str | None = None
    start_time: float | None = None
    end_time: float | None = None
    text: str = ""
    highlight: str = ""
    context: list[SnippetEntry] = Field(default_factory=list)
    playback_url: str | None = None
    created_at: UtcDateTime | None = None


class RiskEvidence(SdkModel):
    meeting_id: str
    meeting_start_time: UtcDateTime | None = None
    start_time: float | None = None
    text: str | None = None
    tracker: str | None = None
    playback_url: str | None = None


class RiskSignal(SdkModel):
    type: str
    weight: float
    summary: str
    evidence: list[RiskEvidence] = Field(default_factory=list)


class DealRisk(SdkModel):
    score: float
    #: `low`, `medium` or `high`
    level: str
    signals: list[RiskSignal] = Field(default_factory=list)


class Deal(SdkModel):
    """A CRM opportunity seen in meetings, with its explained risk."""

    id: str
    integrated_account_id: str
    name: str | None = None
    account_name: str | None = None
    stage: str | None = None
    meeting_count: int = 0
    first_meeting_at: UtcDateTime | None = None
    last_meeting_at: UtcDateTime | None = None
    customer_emails: list[str] = Field(default_factory=list)
    risk: DealRisk
    computed_at: UtcDateTime | None = None


class RiskSettings(SdkModel):
    """The tenant's deal-risk settings: weights, thresholds, name lists (kept as sent)."""

    stalled_days: int | None = None
    weights: dict[str, Any] | None = None


class UserMapping(SdkModel):
    app_user_id: str
    integrated_account_id: str
    provider_user_id: str | None = None
    email: str | None = None
    #: `member`, `manager` or `admin`
    role: str
    resolved: bool = False


class ScopedToken(SdkModel):
    """A `pst_…` token acting as one app user of one account (reads, and the coaching library)."""

    token: str
    expires_at: UtcDateTime


class CoachingPlaylistItem(SdkModel):
    """A clip (`start_time`..`end_time`) or a whole meeting (both None) in a playlist."""

    id: str
    playlist_id: str
    meeting_id: str
    meeting_title: str | None = None
    meeting_start_time: UtcDateTime | None = None
    meeting_duration: float | None = None
    position: int
    start_time: float | None = None
    end_time: float | None = None
    note: str | None = None
    playback_url: str | None = None
    created_at: UtcDateTime | None = None
    updated_at: UtcDateTime | None = None


class CoachingPlaylist(SdkModel):
    """A coaching playlist; `items` on a get (the visible ones, in order), None in a list."""

    id: str
    integrated_account_id: str
    name: str
    description: str | None = None
    owner_app_user_id: str | None = None
    item_count: int = 0
    items: list[CoachingPlaylistItem] | None = None
    created_at: UtcDateTime | None = None
    updated_at: UtcDateTime | None = None


class CoachingComment(SdkModel):
    """Feedback at `start_time` seconds of a meeting; `author_app_user_id` None: the developer."""

    id: str
    integrated_account_id: str
    meeting_id: str
    start_time: float
    text: str
    author_app_user_id: str | None = None
    created_at: UtcDateTime | None = None
