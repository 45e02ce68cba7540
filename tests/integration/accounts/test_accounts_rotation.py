"""Master key rotation: every credential re-sealed with the new key; the old key can go."""

from __future__ import annotations

import pytest
from accounts_fakes import FakeChorus, MakeServices

from parley.accounts import AccountServices, TenantView, key_usage, rotate_credentials
from parley.errors import ParleyError
from parley.security import Keyring, Vault, generate_secret_key
from parley.storage import Database


async def test_rotation_reencrypts_every_row_and_the_old_key_can_then_be_dropped(
    services: AccountServices,
    make_services: MakeServices,
    chorus: FakeChorus,
    tenant: TenantView,
    database: Database,
    vault: Vault,
) -> None:
    tokens = [chorus.accept() for _ in range(5)]
    accounts = [await services.accounts.link(tenant.id, "chorus", t) for t in tokens]
    new_secret = generate_secret_key()
    old_id = vault.current_key_id
    both = Vault(Keyring([Keyring.parse(new_secret).current, *vault.keyring]))
    assert await key_usage(database) == {old_id: 5}

    result = await rotate_credentials(database, both, batch_size=2)

    assert (result.rotated, result.key_id) == (5, both.current_key_id)
    assert result.in_use == {both.current_key_id: 5}
    assert result.old_keys_droppable
    new_only = make_services(Vault(Keyring.parse(new_secret)))
    for account, token in zip(accounts, tokens, strict=True):
        async with new_only.accounts.use(tenant.id, account.id):
            pass
        assert chorus.connections[-1].token == token
    again = await rotate_credentials(database, both)
    assert again.rotated == 0


async def test_credentials_sealed_with_a_dropped_key_fail_clearly(
    services: AccountServices, make_services: MakeServices, chorus: FakeChorus, tenant: TenantView
) -> None:
    account = await services.accounts.link(tenant.id, "chorus", chorus.accept())
    stranger = make_services(Vault(Keyring.parse(generate_secret_key())))

    with pytest.raises(ParleyError) as caught:
        async with stranger.accounts.use(tenant.id, account.id):
            pass

    assert caught.value.code == "unknown_secret_key"
    assert account.id in caught.value.message


async def test_rotation_stops_on_a_key_it_does_not_have(
    services: AccountServices, chorus: FakeChorus, tenant: TenantView, database: Database
) -> None:
    await services.accounts.link(tenant.id, "chorus", chorus.accept())
    unrelated = Vault(Keyring.parse(generate_secret_key()))

    with pytest.raises(ParleyError) as caught:
        await rotate_credentials(database, unrelated)

    assert caught.value.code == "unknown_secret_key"
