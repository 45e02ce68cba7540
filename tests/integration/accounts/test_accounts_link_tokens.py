"""Link tokens: random, stored hashed, single use, expiring; completion validates live first."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from accounts_fakes import FakeChorus
from sqlalchemy import update

from parley.accounts import AccountServices, TenantView
from parley.errors import InvalidRequestError, NotFoundError, ParleyError
from parley.storage import Database, LinkToken, utcnow


async def _expire_all(database: Database) -> None:
    async with database.session() as session:
        await session.execute(update(LinkToken).values(expires_at=utcnow() - timedelta(seconds=1)))


async def test_create_returns_a_random_token_that_expires_after_the_ttl(
    services: AccountServices, tenant: TenantView
) -> None:
    before = utcnow()

    token, link = await services.link_tokens.create(tenant.id, "chorus", None)
    other, _ = await services.link_tokens.create(tenant.id, "chorus", None)

    assert token.startswith("plt_")
    assert len(token) >= 36
    assert token != other
    assert before + timedelta(seconds=3600) <= link.expires_at
    assert link.expires_at <= utcnow() + timedelta(seconds=3600)
    assert (link.tenant_id, link.integration, link.used_at) == (tenant.id, "chorus", None)
    assert services.link_tokens.link_url(token) == f"http://parley.test/link/{token}"


async def test_tokens_are_stored_hashed(
    services: AccountServices,
    tenant: TenantView,
    stored_values: Callable[[], Awaitable[list[Any]]],
) -> None:
    token, _ = await services.link_tokens.create(tenant.id, "chorus", None)

    assert not any(isinstance(v, str) and token in v for v in await stored_values())


async def test_peek_shows_a_usable_token(services: AccountServices, tenant: TenantView) -> None:
    token, link = await services.link_tokens.create(
        tenant.id, "chorus", "https://app.example.com/done"
    )

    assert await services.link_tokens.peek(token) == link
    assert link.redirect_uri == "https://app.example.com/done"


@pytest.mark.parametrize("token", ["", "plt_unknown", "prl_wrong_kind", "plt_" + "x" * 400])
async def test_an_unknown_token_is_invalid(services: AccountServices, token: str) -> None:
    with pytest.raises(NotFoundError) as caught:
        await services.link_tokens.peek(token)

    assert (caught.value.status, caught.value.code) == (404, "link_token_invalid")


async def test_completing_links_the_account_and_spends_the_token(
    services: AccountServices, chorus: FakeChorus, tenant: TenantView
) -> None:
    token, _ = await services.link_tokens.create(tenant.id, "chorus", "https://app.example/x?a=1")

    account = await services.link_tokens.complete(token, chorus.accept(), "http://127.0.0.1:1")

    assert account.tenant_id == tenant.id
    assert account.status == "active"
    assert account.settings.base_url == "http://127.0.0.1:1"
    with pytest.raises(NotFoundError) as caught:
        await services.link_tokens.peek(token)
    assert caught.value.code == "link_token_invalid"
    with pytest.raises(NotFoundError):
        await services.link_tokens.complete(token, chorus.accept())
    assert [a.id for a in await services.accounts.list(tenant.id)] == [account.id]


async def test_refused_credentials_leave_the_token_usable(
    services: AccountServices, chorus: FakeChorus, tenant: TenantView
) -> None:
    token, link = await services.link_tokens.create(tenant.id, "chorus", None)

    with pytest.raises(InvalidRequestError) as caught:
        await services.link_tokens.complete(token, "wrong-token")

    assert caught.value.code == "validation_error"
    assert await services.link_tokens.peek(token) == link
    assert await services.accounts.list(tenant.id) == []
    account = await services.link_tokens.complete(token, chorus.accept())
    assert account.status == "active"


async def test_an_expired_token_can_neither_be_peeked_nor_completed(
    services: AccountServices, chorus: FakeChorus, tenant: TenantView, database: Database
) -> None:
    token, _ = await services.link_tokens.create(tenant.id, "chorus", None)
    await _expire_all(database)

    with pytest.raises(NotFoundError) as caught:
        await services.link_tokens.peek(token)
    assert caught.value.code == "link_token_invalid"
    with pytest.raises(NotFoundError, match="not valid"):
        await services.link_tokens.complete(token, chorus.accept())
    assert chorus.connections == []


async def test_a_token_expiring_during_the_check_stores_nothing(
    services: AccountServices, chorus: FakeChorus, tenant: TenantView, database: Database
) -> None:
    token, _ = await services.link_tokens.create(tenant.id, "chorus", None)
    valid = chorus.accept()
    original_check = chorus.connect

    def connect_then_expire(*args: Any, **kwargs: Any) -> Any:
        provider = original_check(*args, **kwargs)
        check = provider.check

        async def slow_check() -> Any:
            await _expire_all(database)
            return await check()

        provider.check = slow_check  # type: ignore[method-assign]
        return provider

    chorus.connect = connect_then_expire  # type: ignore[method-assign]

    with pytest.raises(ParleyError) as caught:
        await services.link_tokens.complete(token, valid)

    assert caught.value.code == "link_token_invalid"
    assert await services.accounts.list(tenant.id) == []


async def test_two_concurrent_completions_link_exactly_one_account(
    services: AccountServices, chorus: FakeChorus, tenant: TenantView
) -> None:
    token, _ = await services.link_tokens.create(tenant.id, "chorus", None)

    results = await asyncio.gather(
        services.link_tokens.complete(token, chorus.accept()),
        services.link_tokens.complete(token, chorus.accept()),
        return_exceptions=True,
    )

    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 1
    assert isinstance(errors[0], NotFoundError)
    assert errors[0].code == "link_token_invalid"
    assert len(await services.accounts.list(tenant.id)) == 1


async def test_the_redirect_carries_the_new_account_id(
    services: AccountServices, chorus: FakeChorus, tenant: TenantView
) -> None:
    token, link = await services.link_tokens.create(
        tenant.id, "chorus", "https://app.example.com/linked?state=abc"
    )
    account = await services.link_tokens.complete(token, chorus.accept())

    target = services.link_tokens.redirect_target(link, account)

    assert target == (
        f"https://app.example.com/linked?state=abc&integrated_account_id={account.id}"
    )


@pytest.mark.parametrize(
    ("integration", "redirect_uri", "param"),
    [("gong", None, "integration"), ("chorus", "javascript:alert(1)", "redirect_uri")],
)
async def test_bad_link_token_requests_name_the_parameter(
    services: AccountServices,
    tenant: TenantView,
    integration: str,
    redirect_uri: str | None,
    param: str,
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await services.link_tokens.create(tenant.id, integration, redirect_uri)

    assert caught.value.param == param


async def test_a_link_token_for_an_unknown_tenant_is_refused(services: AccountServices) -> None:
    with pytest.raises(NotFoundError) as caught:
        await services.link_tokens.create("no-such-tenant", "chorus", None)

    assert caught.value.code == "tenant_not_found"
