"""Static facts about Chorus: host, auth, limits, capabilities and native filters (data only)."""

from __future__ import annotations

from types import MappingProxyType

from parley.providers.base import ProviderInfo

__all__ = ["CHORUS_INFO", "FILTER_PARAMS", "TYPE_VALUES"]

#: unified meeting filter -> the `/v3/engagements` query parameter that honours it natively
FILTER_PARAMS: MappingProxyType[str, str] = MappingProxyType(
    {
        "start_time_after": "min_date",
        "start_time_before": "max_date",
        "user_id": "user_id",
        "team_id": "team_id",
        "participant_email": "participants_email",
        "type": "engagement_type",
        "min_duration": "min_duration",
    }
)

#: unified meeting type -> Chorus `engagement_type`; any other value cannot be honoured
TYPE_VALUES: MappingProxyType[str, str] = MappingProxyType({"meeting": "meeting", "call": "dialer"})

CHORUS_INFO = ProviderInfo(
    slug="chorus",
    name="Chorus",
    default_base_url="https://chorus.ai",
    # The raw personal API token, no scheme word, as Chorus's own docs show it.
    auth="raw-token",
    page_size=100,
    # Chorus publishes no limit; one third-party client reports 10/min on 429, so start at a
    # conservative rate and let the adaptive limiter back off further on the first 429.
    default_rate_limit=10.0,
    capabilities=MappingProxyType(
        {
            "meetings": ("list", "get"),
            "transcripts": ("get",),
            "recordings": ("get",),
            "users": ("list", "get", "me"),
            "teams": ("list", "get"),
            "proxy": ("get", "post", "put", "patch", "delete"),
        }
    ),
    meeting_filters=frozenset(FILTER_PARAMS),
    hosts=("chorus.ai", "*.chorus.ai"),
)
