"""Master key rotation covers webhook signing secrets; a secret nobody can open is logged."""

from __future__ import annotations

from webhooks_support import Receiver

from parley.accounts import key_usage, rotate_credentials
from parley.config import Settings
from parley.security import Keyring, Vault, generate_secret_key
from parley.storage import Database, WebhookSubscription
from parley.webhooks import WebhookServices
from parley.webhooks.delivery import open_secret


async def test_rotation_reseals_webhook_secrets_so_the_old_key_can_go(
    database: Database, vault: Vault, webhooks: WebhookServices, tenant_id: str
) -> None:
    created = await webhooks.subscriptions.create(tenant_id, "https://app.example/h", ["*"])
    new_secret = generate_secret_key()
    both = Vault(Keyring([Keyring.parse(new_secret).current, *vault.keyring]))

    result = await rotate_credentials(database, both)

    assert result.rotated == 1
    assert result.old_keys_droppable
    assert await key_usage(database) == {both.current_key_id: 1}
    async with database.session() as session:
        row = await session.get(WebhookSubscription, created.id)
    assert row is not None
    assert open_secret(Vault(Keyring.parse(new_secret)), row) == created.secret


async def test_a_secret_sealed_with_a_dropped_key_is_a_logged_failed_attempt(
    database: Database,
    vault: Vault,
    hook_settings: Settings,
    tenant_id: str,
    receiver: Receiver,
) -> None:
    sealed_before = WebhookServices.build(database, vault, hook_settings)
    created = await sealed_before.subscriptions.create(tenant_id, receiver.url, ["*"])
    stranger = WebhookServices.build(
        database, Vault(Keyring.parse(generate_secret_key())), hook_settings
    )

    delivery_id = await stranger.subscriptions.send_test(tenant_id, created.id)

    delivery = await stranger.deliveries.get(tenant_id, delivery_id)
    assert [a.error for a in delivery.attempts] == [
        "signing secret unavailable (unknown_secret_key)"
    ]
    assert delivery.attempts[0].error == "signing secret unavailable (unknown_secret_key)"
    assert delivery.status == "pending"
    assert receiver.received() == []
