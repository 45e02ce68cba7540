"""The SDK's typed answers for Parley's own resources (accounts, sync, search, webhooks,
analytics, CRM); meetings, transcripts, users and teams are the `parley.unified` models.

These mirror the API's documented shapes (docs/api.md) and accept fields they do not list
(`extra="allow"`), so a newer server does not break an older SDK.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from parley.unified.base import UtcDateTime

__all__ = [
    "Activity",
    "ActivityAttendee",
    "AnalyticsReport",
    "AnalyticsRow",
    "AnalyticsTopic",
    "BatchError",
    "BatchResult",
    "Company",
    "Contact",
    "DeliveryAttempt",
    "IntegratedAccount",
    "SdkModel",
    "SearchHit",
    "SyncRun",
    "UnmatchedAttendee",
    "Webhook",
    "WebhookDelivery",
]


class SdkModel(BaseModel):
    """Base of the SDK's models: unknown fields are kept (`model_extra`), not refused."""

    model_config = ConfigDict(extra="allow")


class IntegratedAccount(SdkModel):
    """A linked provider account (credentials never included)."""

    id: str
    tenant_id: str
    integration: str
    #: `active`, `needs_reauth`, `validation_error` or `disabled`
    status: str
    settings: dict[str, Any] = Field(default_factory=dict)
    remote_user: dict[str, Any] | None = None
    last_error: dict[str, Any] | None = None
    created_at: UtcDateTime
    updated_at: UtcDateTime
    last_validated_at: UtcDateTime | None = None


class SyncRun(SdkModel):
    """One sync run (`queued` -> `running` -> `completed` | `failed`)."""

    id: str
    integrated_account_id: str
    status: str
    full: bool = False
    trigger: str | None = None
    window_start: UtcDateTime | None = None
    window_end: UtcDateTime | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    errors: list[dict[str, Any]] = Field(default_factory=list)
    checkpoint: dict[str, Any] | None = None
    attempts: int = 0
    created_at: UtcDateTime | None = None
    started_at: UtcDateTime | None = None
    finished_at: UtcDateTime | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed")


class SearchHit(SdkModel):
    """One matching transcript entry of `GET /search`."""

    integrated_account_id: str
    meeting_id: str
    meeting_title: str | None = None
    meeting_start_time: UtcDateTime | None = None
    index: int
    speaker_name: str | None = None
    speaker_type: str
    user_id: str | None = None
    start_time: float | None = None
    end_time: float | None = None
    text: str
    snippet: str
    playback_url: str | None = None
    score: float


class Webhook(SdkModel):
    """A webhook subscription; `secret` (`whsec_…`) only in the answer that created it."""

    id: str
    url: str
    events: list[str]
    enabled: bool
    created_at: UtcDateTime
    disabled_at: UtcDateTime | None = None
    secret: str | None = None


class DeliveryAttempt(SdkModel):
    id: str
    attempted_at: UtcDateTime
    status_code: int | None = None
    error: str | None = None
    duration_ms: int


class WebhookDelivery(SdkModel):
    """One event to one subscription, with every attempt (`payload` on a get)."""

    id: str
    webhook_id: str
    #: the `webhook-id` header of every attempt
    event_id: str
    event_type: str
    #: `pending`, `succeeded` or `failed`
    status: str
    next_attempt_at: UtcDateTime | None = None
    last_attempt_at: UtcDateTime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    created_at: UtcDateTime
    delivered_at: UtcDateTime | None = None
    attempts: list[DeliveryAttempt] = Field(default_factory=list)
    payload: dict[str, Any] | None = None


class AnalyticsTopic(SdkModel):
    name: str
    meetings: int
    mentions: int


class AnalyticsRow(SdkModel):
    """One user, team or week of a team analytics report (or its totals)."""

    key: str | None = None
    name: str | None = None
    meetings: int
    total_duration: float
    avg_duration: float
    talk_ratio: float
    customer_talk_ratio: float
    longest_monologue: float
    topics: list[AnalyticsTopic] = Field(default_factory=list)


class AnalyticsReport(SdkModel):
    """Every row of a report (the SDK follows the pages) and its totals."""

    result: list[AnalyticsRow]
    totals: AnalyticsRow
    next_cursor: str | None = None
    result_count: int = 0


class Contact(SdkModel):
    external_id: str
    integrated_account_id: str
    emails: list[str]
    name: str | None = None
    company_external_id: str | None = None
    metadata: dict[str, Any] | None = None
    created_at: UtcDateTime
    updated_at: UtcDateTime


class Company(SdkModel):
    external_id: str
    integrated_account_id: str
    domains: list[str]
    name: str | None = None
    metadata: dict[str, Any] | None = None
    created_at: UtcDateTime
    updated_at: UtcDateTime


class BatchError(SdkModel):
    """A refused batch row: its index and the error object (`{status, code, message, …}`)."""

    index: int
    error: dict[str, Any]


class BatchResult(SdkModel):
    created: int
    updated: int
    errors: list[BatchError] = Field(default_factory=list)


class ActivityAttendee(SdkModel):
    name: str | None = None
    email: str | None = None
    is_host: bool = False


class Activity(SdkModel):
    """One stored meeting in a contact's or company's call log."""

    meeting_id: str
    title: str | None = None
    start_time: UtcDateTime | None = None
    end_time: UtcDateTime | None = None
    duration: float | None = None
    status: str
    #: `email` or `domain`
    matched_by: str
    attendee: ActivityAttendee
    owner: dict[str, Any] | None = None
    summary: str | None = None
    action_items: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    web_url: str | None = None
    audio_recording_url: str | None = None
    video_recording_url: str | None = None
    playback_url: str | None = None
    transcript_url: str | None = None


class UnmatchedAttendee(SdkModel):
    email: str
    name: str | None = None
    company_name: str | None = None
    meetings: int
    last_seen: UtcDateTime | None = None
