"""Storage adapter: the async database, the schema, migrations and per-table repositories."""

from __future__ import annotations

from parley.storage.columns import JsonType, UtcDateTime, new_id, utcnow
from parley.storage.db import MIGRATIONS_DIR, Database, alembic_config, normalize_url, rowcount
from parley.storage.repositories import (
    ApiKeyRepository,
    IntegratedAccountRepository,
    LinkTokenRepository,
    SealedRow,
    TenantRepository,
)
from parley.storage.tables import ApiKey, Base, IntegratedAccount, LinkToken, Tenant
from parley.storage.tables_analytics import MeetingStats, MeetingTopic
from parley.storage.tables_coaching import (
    CoachingComment,
    CoachingPlaylist,
    CoachingPlaylistItem,
)
from parley.storage.tables_crm import (
    CrmCompany,
    CrmCompanyDomain,
    CrmContact,
    CrmContactEmail,
    CrmMatch,
)
from parley.storage.tables_deals import Deal, DealMeeting, RiskSettingsRow
from parley.storage.tables_events import (
    Event,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from parley.storage.tables_insights import KeywordRuleRow, SnippetRow
from parley.storage.tables_ratelimit import ApiRateLimit, RateBudget
from parley.storage.tables_scoping import UserMapping
from parley.storage.tables_store import (
    StoredAttendee,
    StoredMeeting,
    StoredTeam,
    StoredTranscriptEntry,
    StoredUser,
)
from parley.storage.tables_sync import SyncRun, SyncState

__all__ = [
    "MIGRATIONS_DIR",
    "ApiKey",
    "ApiKeyRepository",
    "ApiRateLimit",
    "Base",
    "CoachingComment",
    "CoachingPlaylist",
    "CoachingPlaylistItem",
    "CrmCompany",
    "CrmCompanyDomain",
    "CrmContact",
    "CrmContactEmail",
    "CrmMatch",
    "Database",
    "Deal",
    "DealMeeting",
    "Event",
    "IntegratedAccount",
    "IntegratedAccountRepository",
    "JsonType",
    "KeywordRuleRow",
    "LinkToken",
    "LinkTokenRepository",
    "MeetingStats",
    "MeetingTopic",
    "RateBudget",
    "RiskSettingsRow",
    "SealedRow",
    "SnippetRow",
    "StoredAttendee",
    "StoredMeeting",
    "StoredTeam",
    "StoredTranscriptEntry",
    "StoredUser",
    "SyncRun",
    "SyncState",
    "Tenant",
    "TenantRepository",
    "UserMapping",
    "UtcDateTime",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "alembic_config",
    "new_id",
    "normalize_url",
    "rowcount",
    "utcnow",
]
