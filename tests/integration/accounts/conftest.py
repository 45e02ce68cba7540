"""Account-service fixtures: the stand-in provider and services wired over the test database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from accounts_fakes import FakeChorus, MakeServices, StatusLog

from parley.accounts import AccountServices, TenantView
from parley.config import Settings
from parley.http import HttpOptions, TokenBucketLimiter
from parley.security import Vault
from parley.storage import Base, Database


@pytest.fixture
def chorus() -> FakeChorus:
    """The stand-in provider."""
    return FakeChorus()


@pytest.fixture
def http_options() -> HttpOptions:
    """Shared HTTP options (unused by the fake; identity is what tests check)."""
    return HttpOptions(limiter=TokenBucketLimiter(1000.0))


@pytest.fixture
def status_log() -> StatusLog:
    """Records the status-change hook's calls."""
    return StatusLog()


@pytest.fixture
def make_services(
    database: Database,
    settings: Settings,
    http_options: HttpOptions,
    chorus: FakeChorus,
    status_log: StatusLog,
) -> MakeServices:
    """Builds account services over the test database and the fake (another vault: `vault=`)."""

    def make(vault: Vault, **overrides: Any) -> AccountServices:
        options: dict[str, Any] = {"providers": chorus.lookup, "on_status_change": status_log}
        return AccountServices.build(
            database, vault, settings, http_options, **{**options, **overrides}
        )

    return make


@pytest.fixture
def services(make_services: MakeServices, vault: Vault) -> AccountServices:
    """Every account service over the test database and the fake provider."""
    return make_services(vault)


@pytest.fixture
async def tenant(services: AccountServices) -> TenantView:
    """A tenant called acme."""
    return await services.tenants.get_or_create("acme")


@pytest.fixture
async def other_tenant(services: AccountServices) -> TenantView:
    """A second tenant, for isolation tests."""
    return await services.tenants.get_or_create("globex")


@pytest.fixture
def stored_values(database: Database) -> Callable[[], Awaitable[list[Any]]]:
    """Reads every value of every row of every table (for "no plaintext secret" checks)."""

    async def read() -> list[Any]:
        values: list[Any] = []
        async with database.session() as session:
            for table in Base.metadata.sorted_tables:
                for row in await session.execute(table.select()):
                    values.extend(row._mapping.values())
        return values

    return read
