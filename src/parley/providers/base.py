"""The Provider protocol: what every connector offers the services above it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Literal, Protocol, TypeVar, runtime_checkable

import httpx

from parley.http.client import HttpOptions
from parley.unified import EncodedMeeting, Meeting, Team, User

__all__ = [
    "Credentials",
    "EncodedMeetingLister",
    "MediaKind",
    "MeetingFilters",
    "Provider",
    "ProviderFactory",
    "ProviderInfo",
    "ProviderPage",
    "RecordingUrl",
]

T = TypeVar("T")
MediaKind = Literal["video", "audio"]
#: builds Parley's own stable recording link for a meeting id and media kind
RecordingUrl = Callable[[str, MediaKind], str]


@dataclass(frozen=True)
class ProviderInfo:
    """Static facts about a provider: host, auth, limits and what it can do (data, no I/O)."""

    slug: str
    name: str
    default_base_url: str
    auth: str
    page_size: int
    default_rate_limit: float
    #: resource -> operations, e.g. {"meetings": ("list", "get")}
    capabilities: Mapping[str, tuple[str, ...]]
    #: unified list filters the provider honours natively for meetings
    meeting_filters: frozenset[str]
    #: the hosts an account's base URL may name (over https): `example.com` exactly, or
    #: `*.example.com` for any subdomain; none declared, only PARLEY_EGRESS_ALLOW entries
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Credentials:
    """A linked account's secret; never printed (repr hides it)."""

    api_token: str = field(repr=False)


@dataclass(frozen=True)
class MeetingFilters:
    """Unified meeting filters, already validated by the caller."""

    start_time_after: datetime | None = None
    start_time_before: datetime | None = None
    user_ids: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()
    participant_email: str | None = None
    type: str | None = None
    min_duration: float | None = None
    with_trackers: bool = True
    #: passed to the provider untouched (`remote_query[x]=y`)
    remote_query: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderPage(Generic[T]):
    """One provider page and the provider's own opaque position of the next one."""

    items: list[T]
    next_position: str | None


class Provider(Protocol):
    """A connector bound to one linked account: provider HTTP in, unified models out."""

    info: ProviderInfo

    async def check(self) -> User:
        """Validate the credentials; return the token's own user."""
        ...

    async def list_meetings_page(
        self, filters: MeetingFilters, position: str | None = None
    ) -> ProviderPage[Meeting]:
        """One provider page of list-level meetings (no transcript)."""
        ...

    def iter_meetings(self, filters: MeetingFilters) -> AsyncIterator[Meeting]:
        """Every meeting matching the filters exactly once, newest first."""
        ...

    async def get_meeting(self, meeting_id: str, *, listed: Meeting | None = None) -> Meeting:
        """The full meeting (`listed`: its list-level form, saving a lookup when known)."""
        ...

    async def get_meetings(
        self, meetings: Iterable[Meeting | str], *, concurrency: int = 16
    ) -> list[Meeting]:
        """Full meetings for many, fetched concurrently within the rate budget, in order."""
        ...

    async def list_users(self) -> list[User]:
        """All users."""
        ...

    async def get_user(self, user_id: str) -> User:
        """One user (resolved from the list when the provider has no get)."""
        ...

    async def list_teams(self) -> list[Team]:
        """All teams."""
        ...

    async def get_team(self, team_id: str) -> Team:
        """One team."""
        ...

    async def media_url(self, meeting_id: str, kind: MediaKind) -> str:
        """A freshly minted, short-lived provider URL of the meeting's media."""
        ...

    async def raw_request(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Pass-through: the provider's answer verbatim (credentials injected), for the proxy."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class ProviderFactory(Protocol):
    """Builds a connector bound to one account."""

    info: ProviderInfo

    def connect(
        self,
        credentials: Credentials,
        *,
        base_url: str | None = None,
        limiter_key: str,
        http: HttpOptions,
        recording_url: RecordingUrl | None = None,
    ) -> Provider:
        """A Provider for these credentials (base_url overrides the default host)."""
        ...


@runtime_checkable
class EncodedMeetingLister(Protocol):
    """Optional: a provider that lists meetings already encoded as JSON (the list route's fast
    path). Each page holds what `list_meetings_page` gives for the same call, encoded."""

    async def list_meetings_json_page(
        self, filters: MeetingFilters, position: str | None = None
    ) -> ProviderPage[EncodedMeeting]:
        """One provider page of list-level meetings as JSON."""
        ...
