"""Tenant isolation, validation, rotation of tokens, disabling, and `use()` status effects."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from accounts_fakes import FakeChorus, StatusLog

from parley.accounts import (
    AccountServices,
    AccountStatus,
    IntegratedAccountView,
    MediaLinks,
    TenantView,
    unified_recording_links,
)
from parley.config import Settings
from parley.errors import (
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    ProviderAuthError,
    ProviderForbiddenError,
    ProviderRateLimitedError,
)
from parley.security import Vault


@pytest.fixture
async def token(chorus: FakeChorus) -> str:
    return chorus.accept()


@pytest.fixture
async def account(
    services: AccountServices, tenant: TenantView, token: str
) -> IntegratedAccountView:
    return await services.accounts.link(tenant.id, "chorus", token)


async def test_another_tenants_account_is_not_found_everywhere(
    services: AccountServices, other_tenant: TenantView, account: IntegratedAccountView
) -> None:
    stranger, accounts = other_tenant.id, services.accounts
    attempts: list[Callable[[], Awaitable[object]]] = [
        lambda: accounts.get(stranger, account.id),
        lambda: accounts.delete(stranger, account.id),
        lambda: accounts.validate(stranger, account.id),
        lambda: accounts.update(stranger, account.id, disabled=True),
        lambda: accounts.update(stranger, account.id, api_token="t"),
    ]
    for attempt in attempts:
        with pytest.raises(NotFoundError) as caught:
            await attempt()
        assert caught.value.code == "integrated_account_not_found"
        assert caught.value.status == 404
    with pytest.raises(NotFoundError):
        async with services.accounts.use(other_tenant.id, account.id):
            pass
    assert await services.accounts.list(other_tenant.id) == []
    assert (await services.accounts.get(account.tenant_id, account.id)).status == "active"


async def test_list_shows_the_tenants_accounts_newest_first(
    services: AccountServices, chorus: FakeChorus, tenant: TenantView
) -> None:
    first = await services.accounts.link(tenant.id, "chorus", chorus.accept())
    second = await services.accounts.link(tenant.id, "chorus", chorus.accept())

    assert [a.id for a in await services.accounts.list(tenant.id)] == [second.id, first.id]


async def test_delete_forgets_the_account(
    services: AccountServices, account: IntegratedAccountView
) -> None:
    await services.accounts.delete(account.tenant_id, account.id)

    with pytest.raises(NotFoundError):
        await services.accounts.get(account.tenant_id, account.id)
    with pytest.raises(NotFoundError):
        await services.accounts.delete(account.tenant_id, account.id)


async def test_validate_moves_between_active_and_needs_reauth(
    services: AccountServices,
    chorus: FakeChorus,
    account: IntegratedAccountView,
    token: str,
    status_log: StatusLog,
) -> None:
    chorus.revoke(token)
    broken = await services.accounts.validate(account.tenant_id, account.id)

    assert broken.status is AccountStatus.NEEDS_REAUTH
    assert broken.last_error is not None
    assert (broken.last_error.code, broken.last_error.remote_status) == (
        "provider_auth_failed",
        401,
    )

    chorus.accept(token)
    healed = await services.accounts.validate(account.tenant_id, account.id)

    assert healed.status is AccountStatus.ACTIVE
    assert healed.last_error is None
    assert healed.last_validated_at is not None
    assert broken.last_validated_at is not None
    assert healed.last_validated_at >= broken.last_validated_at
    assert [(prev, new) for _, prev, new in status_log.changes] == [
        (None, AccountStatus.ACTIVE),
        (AccountStatus.ACTIVE, AccountStatus.NEEDS_REAUTH),
        (AccountStatus.NEEDS_REAUTH, AccountStatus.ACTIVE),
    ]


async def test_validate_reports_a_forbidden_token_as_validation_error(
    services: AccountServices, chorus: FakeChorus, account: IntegratedAccountView
) -> None:
    chorus.failures.append(ProviderForbiddenError("Chorus: forbidden.", remote_status=403))

    view = await services.accounts.validate(account.tenant_id, account.id)

    assert view.status is AccountStatus.VALIDATION_ERROR


async def test_validate_leaves_the_status_alone_on_a_transient_failure(
    services: AccountServices, chorus: FakeChorus, account: IntegratedAccountView
) -> None:
    chorus.failures.append(ProviderRateLimitedError("slow down", retry_after=3))

    with pytest.raises(ProviderRateLimitedError):
        await services.accounts.validate(account.tenant_id, account.id)

    assert (await services.accounts.get(account.tenant_id, account.id)).status == "active"


async def test_use_yields_a_provider_with_the_decrypted_token_and_closes_it(
    services: AccountServices,
    chorus: FakeChorus,
    account: IntegratedAccountView,
    token: str,
    vault: Vault,
    settings: Settings,
) -> None:
    async with services.accounts.use(account.tenant_id, account.id) as provider:
        users = await provider.list_users()

    assert users[0].id == "u-1"
    connection = chorus.connections[-1]
    assert (connection.token, connection.limiter_key) == (token, account.id)
    assert connection.base_url == "https://chorus.ai"
    assert connection.closed
    assert connection.recording_url is not None
    # By default a meeting's recording links are signed media links to its own account.
    link = connection.recording_url("m/1", "video")
    assert link.startswith("http://parley.test/media/")
    claim = MediaLinks.from_settings(vault, settings).open(link.rsplit("/", 1)[1])
    assert (claim.account_id, claim.meeting_id, claim.kind) == (account.id, "m/1", "video")


async def test_use_builds_recording_links_with_the_links_it_is_given(
    services: AccountServices, chorus: FakeChorus, account: IntegratedAccountView
) -> None:
    stable = unified_recording_links("http://parley.test")
    async with services.accounts.use(account.tenant_id, account.id, links=stable):
        pass

    recording_url = chorus.connections[-1].recording_url
    assert recording_url is not None
    assert recording_url("m/1", "video") == (
        "http://parley.test/unified/conversational-intelligence/meetings/m%2F1/recording"
        f"?kind=video&integrated_account_id={account.id}"
    )


async def test_a_provider_401_during_use_marks_needs_reauth_and_is_reraised(
    services: AccountServices,
    chorus: FakeChorus,
    account: IntegratedAccountView,
    token: str,
    status_log: StatusLog,
) -> None:
    chorus.revoke(token)

    with pytest.raises(ProviderAuthError):
        async with services.accounts.use(account.tenant_id, account.id) as provider:
            await provider.list_users()

    view = await services.accounts.get(account.tenant_id, account.id)
    assert view.status is AccountStatus.NEEDS_REAUTH
    assert view.last_error is not None
    assert view.last_error.remote_status == 401
    assert status_log.changes[-1] == (account.id, AccountStatus.ACTIVE, AccountStatus.NEEDS_REAUTH)
    assert chorus.open_connections == 0


async def test_other_errors_during_use_leave_the_status_alone(
    services: AccountServices, account: IntegratedAccountView
) -> None:
    with pytest.raises(RuntimeError):
        async with services.accounts.use(account.tenant_id, account.id):
            raise RuntimeError("caller bug")

    assert (await services.accounts.get(account.tenant_id, account.id)).status == "active"


async def test_a_disabled_account_cannot_be_used_until_reenabled(
    services: AccountServices, account: IntegratedAccountView, status_log: StatusLog
) -> None:
    disabled = await services.accounts.update(account.tenant_id, account.id, disabled=True)

    assert disabled.status is AccountStatus.DISABLED
    with pytest.raises(ConflictError) as caught:
        async with services.accounts.use(account.tenant_id, account.id):
            pass
    assert (caught.value.status, caught.value.code) == (409, "integrated_account_disabled")
    with pytest.raises(ConflictError):
        await services.accounts.validate(account.tenant_id, account.id)

    enabled = await services.accounts.update(account.tenant_id, account.id, disabled=False)

    assert enabled.status is AccountStatus.ACTIVE
    assert [new for _, _, new in status_log.changes][-2:] == ["disabled", "active"]


async def test_reenabling_an_account_whose_token_died_needs_reauth(
    services: AccountServices, chorus: FakeChorus, account: IntegratedAccountView, token: str
) -> None:
    await services.accounts.update(account.tenant_id, account.id, disabled=True)
    chorus.revoke(token)

    view = await services.accounts.update(account.tenant_id, account.id, disabled=False)

    assert view.status is AccountStatus.NEEDS_REAUTH


async def test_rotating_the_token_validates_it_first_and_then_replaces_it(
    services: AccountServices, chorus: FakeChorus, account: IntegratedAccountView, token: str
) -> None:
    chorus.revoke(token)
    await services.accounts.validate(account.tenant_id, account.id)
    fresh = chorus.accept(user_id="u-2")

    view = await services.accounts.update(account.tenant_id, account.id, api_token=fresh)

    assert view.status is AccountStatus.ACTIVE
    assert view.remote_user is not None
    assert view.remote_user.id == "u-2"
    async with services.accounts.use(account.tenant_id, account.id):
        pass
    assert chorus.connections[-1].token == fresh


async def test_a_refused_new_token_changes_nothing(
    services: AccountServices, chorus: FakeChorus, account: IntegratedAccountView, token: str
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await services.accounts.update(account.tenant_id, account.id, api_token="wrong")

    assert caught.value.code == "validation_error"
    assert await services.accounts.get(account.tenant_id, account.id) == account
    async with services.accounts.use(account.tenant_id, account.id):
        pass
    assert chorus.connections[-1].token == token


async def test_changing_the_base_url_revalidates_against_the_new_host(
    services: AccountServices, chorus: FakeChorus, account: IntegratedAccountView, token: str
) -> None:
    view = await services.accounts.update(
        account.tenant_id, account.id, base_url="http://127.0.0.1:9999/"
    )

    assert view.settings.base_url == "http://127.0.0.1:9999"
    assert chorus.connections[-1].base_url == "http://127.0.0.1:9999"
    assert chorus.connections[-1].token == token


async def test_rotating_a_disabled_accounts_token_keeps_it_disabled(
    services: AccountServices, chorus: FakeChorus, account: IntegratedAccountView
) -> None:
    await services.accounts.update(account.tenant_id, account.id, disabled=True)

    view = await services.accounts.update(account.tenant_id, account.id, api_token=chorus.accept())

    assert view.status is AccountStatus.DISABLED
