"""Account services over the real Chorus connector, against the sandbox on a real socket."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest

from parley.accounts import AccountServices, AccountStatus
from parley.config import Settings
from parley.errors import InvalidRequestError, ProviderAuthError, ProviderUnavailableError
from parley.http import HttpOptions, RetryPolicy, TokenBucketLimiter
from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.security import Vault
from parley.storage import Database

QUICK = RetryPolicy(max_attempts=2, max_total_time=5.0, base_delay=0.01, max_delay=0.05)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """One small fault-free Chorus sandbox for the module."""
    with SandboxServer(SandboxConfig(seed=11, meetings=5)) as server:
        yield server


@pytest.fixture
def chorus_services(database: Database, vault: Vault, settings: Settings) -> AccountServices:
    """Account services with the real provider registry."""
    http = HttpOptions(limiter=TokenBucketLimiter(200.0), policy=QUICK, timeout=30.0)
    return AccountServices.build(database, vault, settings, http)


def _new_token(sandbox: SandboxServer) -> str:
    token = f"sbx_{secrets.token_hex(16)}"
    response = httpx.post(f"{sandbox.url}/_sandbox/tokens", json={"token": token})
    response.raise_for_status()
    return token


def _revoke(sandbox: SandboxServer, token: str) -> None:
    httpx.delete(f"{sandbox.url}/_sandbox/tokens/{token}").raise_for_status()


async def test_linking_a_sandbox_token_records_its_user(
    chorus_services: AccountServices, sandbox: SandboxServer
) -> None:
    tenant = await chorus_services.tenants.get_or_create("acme")

    account = await chorus_services.accounts.link(tenant.id, "chorus", sandbox.token, sandbox.url)

    assert account.status is AccountStatus.ACTIVE
    assert account.settings.base_url == sandbox.url
    assert account.remote_user is not None
    assert account.remote_user.id
    assert account.remote_user.email


async def test_a_token_chorus_refuses_is_a_validation_error(
    chorus_services: AccountServices, sandbox: SandboxServer
) -> None:
    tenant = await chorus_services.tenants.get_or_create("acme")

    with pytest.raises(InvalidRequestError) as caught:
        await chorus_services.accounts.link(tenant.id, "chorus", "sbx_wrong", sandbox.url)

    assert caught.value.code == "validation_error"
    assert "401" in caught.value.message
    assert await chorus_services.accounts.list(tenant.id) == []


async def test_a_revoked_token_turns_the_account_needs_reauth(
    chorus_services: AccountServices, sandbox: SandboxServer
) -> None:
    tenant = await chorus_services.tenants.get_or_create("acme")
    token = _new_token(sandbox)
    account = await chorus_services.accounts.link(tenant.id, "chorus", token, sandbox.url)
    _revoke(sandbox, token)

    with pytest.raises(ProviderAuthError):
        async with chorus_services.accounts.use(tenant.id, account.id) as provider:
            await provider.list_users()

    view = await chorus_services.accounts.get(tenant.id, account.id)
    assert view.status is AccountStatus.NEEDS_REAUTH
    assert view.last_error is not None
    assert view.last_error.remote_status == 401
    assert token not in view.model_dump_json()
    assert (await chorus_services.accounts.validate(tenant.id, account.id)).status == (
        AccountStatus.NEEDS_REAUTH
    )
    fresh = _new_token(sandbox)
    rotated = await chorus_services.accounts.update(tenant.id, account.id, api_token=fresh)
    assert rotated.status is AccountStatus.ACTIVE


async def test_the_link_token_flow_links_a_sandbox_account(
    chorus_services: AccountServices, sandbox: SandboxServer
) -> None:
    tenant = await chorus_services.tenants.get_or_create("acme")
    token, _ = await chorus_services.link_tokens.create(tenant.id, "chorus", None)

    account = await chorus_services.link_tokens.complete(token, sandbox.token, sandbox.url)

    async with chorus_services.accounts.use(tenant.id, account.id) as provider:
        users = await provider.list_users()
    assert account.remote_user is not None
    assert account.remote_user.id in {u.id for u in users}


async def test_an_unreachable_host_is_a_provider_error_and_stores_nothing(
    chorus_services: AccountServices, unused_tcp_port: int
) -> None:
    tenant = await chorus_services.tenants.get_or_create("acme")

    with pytest.raises(ProviderUnavailableError):
        await chorus_services.accounts.link(
            tenant.id, "chorus", "sbx_any", f"http://127.0.0.1:{unused_tcp_port}"
        )

    assert await chorus_services.accounts.list(tenant.id) == []
