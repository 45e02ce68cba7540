"""A scripted stand-in provider for the account-service tests (tests only, never in src)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts import AccountServices, AccountStatus, IntegratedAccountView
from parley.errors import InvalidRequestError, ProviderAuthError
from parley.http import HttpOptions
from parley.providers.base import Credentials, ProviderInfo, RecordingUrl
from parley.unified import User, UserEmail

#: builds account services over the test database with another vault (see conftest)
MakeServices = Callable[..., AccountServices]

FAKE_INFO = ProviderInfo(
    slug="chorus",
    name="Chorus",
    default_base_url="https://chorus.example",
    auth="bearer",
    page_size=100,
    default_rate_limit=10.0,
    capabilities={"users": ("list",)},
    meeting_filters=frozenset(),
    hosts=("chorus.ai", "*.chorus.ai", "chorus.example", "*.chorus.example"),
)


@dataclass
class Connection:
    """What a service handed to `connect()`."""

    token: str
    base_url: str | None
    limiter_key: str
    http: HttpOptions
    recording_url: RecordingUrl | None
    closed: bool = False


@dataclass
class FakeChorus:
    """A provider factory that accepts the tokens it is told to, and fails on cue."""

    info: ProviderInfo = FAKE_INFO
    users: dict[str, User] = field(default_factory=dict)
    #: raised, in order, by the next provider calls (before the token is looked at)
    failures: list[Exception] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)

    def accept(self, token: str | None = None, *, user_id: str = "u-1") -> str:
        """Make the fake accept `token` (a fresh random one by default); returns it."""
        token = token or f"chorus-{secrets.token_hex(16)}"
        self.users[token] = User(
            id=user_id,
            first_name="Ada",
            last_name="Lovelace",
            emails=[
                UserEmail(email="other@example.com"),
                UserEmail(email="ada@example.com", is_primary=True),
            ],
        )
        return token

    def revoke(self, token: str) -> None:
        """Stop accepting `token`: later calls answer 401."""
        self.users.pop(token, None)

    def lookup(self, slug: str) -> FakeChorus:
        """The registry stand-in."""
        if slug != "chorus":
            raise InvalidRequestError(
                f"Unknown integration {slug!r}.", code="unknown_integration", param="integration"
            )
        return self

    def connect(
        self,
        credentials: Credentials,
        *,
        base_url: str | None = None,
        limiter_key: str,
        http: HttpOptions,
        recording_url: RecordingUrl | None = None,
    ) -> FakeProvider:
        connection = Connection(credentials.api_token, base_url, limiter_key, http, recording_url)
        self.connections.append(connection)
        return FakeProvider(self, connection)

    @property
    def open_connections(self) -> int:
        """Providers built but not closed."""
        return sum(not c.closed for c in self.connections)


class FakeProvider:
    """The slice of the Provider protocol the account services touch."""

    def __init__(self, chorus: FakeChorus, connection: Connection) -> None:
        self.info = chorus.info
        self._chorus = chorus
        self.connection = connection

    async def check(self) -> User:
        if self._chorus.failures:
            raise self._chorus.failures.pop(0)
        user = self._chorus.users.get(self.connection.token)
        if user is None:
            raise ProviderAuthError(
                "Chorus rejected the API token (401 Unauthorized).",
                remote_status=401,
                remote_body='{"errors": [{"status": "401", "title": "Unauthorized"}]}',
            )
        return user

    async def list_users(self) -> list[User]:
        return [await self.check()]

    async def aclose(self) -> None:
        self.connection.closed = True


@dataclass
class StatusLog:
    """Every status change the services reported, in order."""

    changes: list[tuple[str, AccountStatus | None, AccountStatus]] = field(default_factory=list)

    async def __call__(
        self, session: AsyncSession, view: IntegratedAccountView, previous: AccountStatus | None
    ) -> None:
        assert session.in_transaction()
        self.changes.append((view.id, previous, view.status))
