"""Server-side linking: validated live before anything is stored, stored only encrypted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from accounts_fakes import FakeChorus, StatusLog

from parley.accounts import AccountServices, AccountStatus, TenantView
from parley.errors import InvalidRequestError, ProviderForbiddenError, ProviderUnavailableError
from parley.storage import Database


async def test_linking_a_valid_token_stores_an_active_account(
    services: AccountServices, chorus: FakeChorus, tenant: TenantView, status_log: StatusLog
) -> None:
    token = chorus.accept(user_id="u-42")

    account = await services.accounts.link(tenant.id, "chorus", token)

    assert account.status is AccountStatus.ACTIVE
    assert account.tenant_id == tenant.id
    assert account.integration == "chorus"
    assert account.settings.base_url == "https://chorus.ai"  # PARLEY_CHORUS_BASE_URL default
    assert account.remote_user is not None
    assert account.remote_user.model_dump() == {
        "id": "u-42",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
    }
    assert account.last_error is None
    assert account.last_validated_at is not None
    assert account.created_at.tzinfo is not None
    assert status_log.changes == [(account.id, None, AccountStatus.ACTIVE)]
    assert await services.accounts.get(tenant.id, account.id) == account


async def test_the_check_uses_the_given_base_url_and_the_shared_http_options(
    services: AccountServices, chorus: FakeChorus, tenant: TenantView, http_options: Any
) -> None:
    token = chorus.accept()

    account = await services.accounts.link(
        tenant.id, "chorus", f" {token}\n", "https://EU.chorus.example/"
    )

    assert account.settings.base_url == "https://eu.chorus.example"
    [connection] = chorus.connections
    assert connection.token == token
    assert connection.base_url == "https://eu.chorus.example"
    assert connection.http is http_options
    assert connection.limiter_key == account.id
    assert connection.closed


async def test_a_refused_token_is_a_validation_error_and_nothing_is_stored(
    services: AccountServices, tenant: TenantView, status_log: StatusLog
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await services.accounts.link(tenant.id, "chorus", "not-a-valid-token")

    error = caught.value
    assert (error.status, error.code, error.param) == (400, "validation_error", "api_token")
    assert "Chorus" in error.message
    assert "HTTP 401" in error.message
    assert "not-a-valid-token" not in error.message
    assert await services.accounts.list(tenant.id) == []
    assert status_log.changes == []


async def test_a_forbidden_token_is_a_validation_error_too(
    services: AccountServices, chorus: FakeChorus, tenant: TenantView
) -> None:
    chorus.failures.append(ProviderForbiddenError("Chorus: forbidden.", remote_status=403))

    with pytest.raises(InvalidRequestError, match="HTTP 403") as caught:
        await services.accounts.link(tenant.id, "chorus", chorus.accept())

    assert caught.value.code == "validation_error"
    assert await services.accounts.list(tenant.id) == []


async def test_a_transient_provider_failure_is_raised_as_is_and_nothing_is_stored(
    services: AccountServices, chorus: FakeChorus, tenant: TenantView
) -> None:
    outage = ProviderUnavailableError("Chorus is unavailable (503).", remote_status=503)
    chorus.failures.append(outage)

    with pytest.raises(ProviderUnavailableError) as caught:
        await services.accounts.link(tenant.id, "chorus", chorus.accept())

    assert caught.value is outage
    assert await services.accounts.list(tenant.id) == []
    assert chorus.open_connections == 0


@pytest.mark.parametrize(
    ("integration", "token", "base_url", "param"),
    [
        ("gong", "t", None, "integration"),
        ("chorus", "   ", None, "api_token"),
        ("chorus", "tok\u00e9n", None, "api_token"),
        ("chorus", "tok\nen", None, "api_token"),
        ("chorus", "t", "ftp://chorus.example", "base_url"),
        ("chorus", "t", "chorus.example", "base_url"),
        ("chorus", "t", "https://user:pass@chorus.example", "base_url"),
        ("chorus", "t", "https://chorus.example/?x=1", "base_url"),
    ],
)
async def test_malformed_link_requests_name_the_parameter(
    services: AccountServices,
    chorus: FakeChorus,
    tenant: TenantView,
    integration: str,
    token: str,
    base_url: str | None,
    param: str,
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await services.accounts.link(tenant.id, integration, token, base_url)

    assert caught.value.param == param
    assert chorus.connections == []


async def test_views_never_carry_the_token(
    services: AccountServices, chorus: FakeChorus, tenant: TenantView
) -> None:
    token = chorus.accept()

    account = await services.accounts.link(tenant.id, "chorus", token)

    assert token not in account.model_dump_json()
    assert token not in repr(account)
    assert all(token not in a.model_dump_json() for a in await services.accounts.list(tenant.id))


async def test_the_database_holds_no_plaintext_token_after_linking(
    services: AccountServices,
    chorus: FakeChorus,
    tenant: TenantView,
    database: Database,
    stored_values: Callable[[], Awaitable[list[Any]]],
) -> None:
    token = chorus.accept()

    await services.accounts.link(tenant.id, "chorus", token)

    for value in await stored_values():
        if isinstance(value, bytes):
            assert token.encode() not in value
        else:
            assert token not in str(value)
    if database.dialect == "sqlite":
        await database.dispose()  # checkpoint: every page is now in the file or its WAL
        path = Path(database.url.split(":///", 1)[1])
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                assert token.encode() not in file.read_bytes()
