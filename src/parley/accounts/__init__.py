"""Account services: tenants, API keys, link tokens, integrated accounts and their statuses."""

from __future__ import annotations

from parley.accounts.api_keys import ApiKeyService
from parley.accounts.integrated_accounts import (
    IntegratedAccountService,
    ProviderLookup,
    StatusHook,
    VerifiedAccount,
)
from parley.accounts.link_tokens import LinkTokenService
from parley.accounts.media_links import MediaClaim, MediaLinks, MediaLinkService
from parley.accounts.rotation import RotationResult, key_usage, rotate_credentials
from parley.accounts.services import AccountServices
from parley.accounts.tenants import TenantService
from parley.accounts.urls import RecordingLinks, unified_recording_links
from parley.accounts.views import (
    AccountErrorView,
    AccountSettingsView,
    AccountStatus,
    ApiKeyView,
    IntegratedAccountView,
    LinkTokenView,
    RemoteUserView,
    TenantView,
)

__all__ = [
    "AccountErrorView",
    "AccountServices",
    "AccountSettingsView",
    "AccountStatus",
    "ApiKeyService",
    "ApiKeyView",
    "IntegratedAccountService",
    "IntegratedAccountView",
    "LinkTokenService",
    "LinkTokenView",
    "MediaClaim",
    "MediaLinkService",
    "MediaLinks",
    "ProviderLookup",
    "RecordingLinks",
    "RemoteUserView",
    "RotationResult",
    "StatusHook",
    "TenantService",
    "TenantView",
    "VerifiedAccount",
    "key_usage",
    "rotate_credentials",
    "unified_recording_links",
]
