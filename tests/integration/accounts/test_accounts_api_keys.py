"""Tenants and API keys: created by name, shown once, stored hashed, revocable."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from parley.accounts import AccountServices, TenantView
from parley.errors import AuthenticationError, InvalidRequestError, NotFoundError
from parley.security import hash_secret
from parley.storage import ApiKey, Database, utcnow


async def test_get_or_create_returns_the_same_tenant(services: AccountServices) -> None:
    first = await services.tenants.get_or_create("acme")
    second = await services.tenants.get_or_create("  acme ")

    assert first == second
    assert [t.name for t in await services.tenants.list()] == ["acme"]


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
async def test_tenant_names_must_be_sensible(services: AccountServices, name: str) -> None:
    with pytest.raises(InvalidRequestError):
        await services.tenants.get_or_create(name)


async def test_a_new_key_is_shown_once_and_stored_as_a_hash(
    services: AccountServices, stored_values: Callable[[], Awaitable[list[Any]]]
) -> None:
    plaintext, view = await services.api_keys.create_key("acme")

    assert plaintext.startswith("prl_")
    assert plaintext.startswith(view.prefix)
    assert plaintext not in view.model_dump_json()
    values = await stored_values()
    assert hash_secret(plaintext) in values
    assert not any(isinstance(v, str) and plaintext in v for v in values)


async def test_a_key_authenticates_as_its_tenant(services: AccountServices) -> None:
    plaintext, view = await services.api_keys.create_key("acme")

    tenant = await services.api_keys.authenticate(plaintext)

    assert tenant.name == "acme"
    assert tenant.id == view.tenant_id


async def test_authentication_records_last_use_at_most_once_a_minute(
    services: AccountServices, database: Database
) -> None:
    plaintext, _ = await services.api_keys.create_key("acme")

    await services.api_keys.authenticate(plaintext)
    [first] = await services.api_keys.list((await services.tenants.get_or_create("acme")).id)
    await services.api_keys.authenticate(plaintext)
    [second] = await services.api_keys.list(first.tenant_id)

    assert first.last_used_at is not None
    assert second.last_used_at == first.last_used_at

    async with database.session() as session:
        stale = utcnow() - timedelta(minutes=5)
        await session.execute(update(ApiKey).values(last_used_at=stale))
    await services.api_keys.authenticate(plaintext)
    [third] = await services.api_keys.list(first.tenant_id)
    assert third.last_used_at is not None
    assert third.last_used_at > stale + timedelta(minutes=4)


@pytest.mark.parametrize(
    "presented",
    ["", "Bearer x", "prl_", "prl_short", "sk_live_abc", "prl_" + "A" * 43, "prl_" + "x" * 500],
)
async def test_unknown_or_malformed_keys_are_refused(
    services: AccountServices, presented: str
) -> None:
    await services.api_keys.create_key("acme")

    with pytest.raises(AuthenticationError, match=r"^Invalid API key\.$"):
        await services.api_keys.authenticate(presented)


async def test_a_key_with_the_right_prefix_but_wrong_rest_is_refused(
    services: AccountServices,
) -> None:
    plaintext, _ = await services.api_keys.create_key("acme")

    with pytest.raises(AuthenticationError):
        await services.api_keys.authenticate(
            plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")
        )


async def test_a_revoked_key_no_longer_authenticates(services: AccountServices) -> None:
    plaintext, view = await services.api_keys.create_key("acme")

    revoked = await services.api_keys.revoke(view.tenant_id, view.id)

    assert revoked.revoked_at is not None
    with pytest.raises(AuthenticationError):
        await services.api_keys.authenticate(plaintext)
    again = await services.api_keys.revoke(view.tenant_id, view.id)
    assert again.revoked_at == revoked.revoked_at


async def test_revoking_another_tenants_key_is_not_found(
    services: AccountServices, other_tenant: TenantView
) -> None:
    plaintext, view = await services.api_keys.create_key("acme")

    with pytest.raises(NotFoundError) as caught:
        await services.api_keys.revoke(other_tenant.id, view.id)

    assert caught.value.code == "api_key_not_found"
    assert (await services.api_keys.authenticate(plaintext)).name == "acme"


async def test_each_tenant_lists_only_its_own_keys(services: AccountServices) -> None:
    _, acme_key = await services.api_keys.create_key("acme", name="ci")
    await services.api_keys.create_key("globex")

    keys = await services.api_keys.list(acme_key.tenant_id)

    assert [(k.id, k.name) for k in keys] == [(acme_key.id, "ci")]
