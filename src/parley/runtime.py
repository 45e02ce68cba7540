"""The composition root: database, vault, limiter and services, built from Settings."""

from __future__ import annotations

from dataclasses import dataclass

from parley.accounts.api_keys import ApiKeyService
from parley.accounts.integrated_accounts import IntegratedAccountService
from parley.accounts.link_tokens import LinkTokenService
from parley.accounts.tenants import TenantService
from parley.config import Settings
from parley.http import HttpOptions, RetryPolicy, TokenBucketLimiter
from parley.reads.cursor import CursorCodec
from parley.security.vault import Vault
from parley.storage import Database

__all__ = ["DemoSeed", "Runtime"]


@dataclass(frozen=True)
class DemoSeed:
    """What `parley demo` prints: the demo key, account and a fresh link token."""

    api_key: str
    account_id: str
    link_token: str


class Runtime:
    """Everything a face needs, built once per process."""

    def __init__(self, settings: Settings, db: Database, vault: Vault) -> None:
        self.settings = settings
        self.db = db
        self.vault = vault
        self.http = HttpOptions(
            limiter=TokenBucketLimiter(settings.chorus_rate_limit),
            policy=RetryPolicy(
                max_attempts=settings.http_max_attempts,
                max_total_time=settings.http_max_retry_time,
            ),
            timeout=settings.http_timeout,
        )
        self.cursors = CursorCodec(vault.signer(b"cursor"))
        self.tenants = TenantService(db)
        self.api_keys = ApiKeyService(db)
        self.accounts = IntegratedAccountService(db, vault, settings, self.http)
        self.link_tokens = LinkTokenService(db, settings, self.accounts)

    @classmethod
    async def start(cls, settings: Settings, *, migrate: bool = True) -> Runtime:
        """Open the database (migrating it to the latest schema) and build the services."""
        vault = Vault.from_settings(settings)
        db = Database(settings.database_url)
        if migrate:
            await db.migrate()
        return cls(settings, db, vault)

    async def close(self) -> None:
        """Release the database."""
        await self.db.dispose()

    async def seed_demo(self, chorus_url: str, chorus_token: str) -> DemoSeed:
        """A demo tenant, API key and Chorus account linked against the sandbox."""
        tenant = await self.tenants.get_or_create("demo")
        key, _ = await self.api_keys.create_key(tenant.name, name="demo")
        account = await self.accounts.link(tenant.id, "chorus", chorus_token, chorus_url)
        token, _ = await self.link_tokens.create(tenant.id, "chorus", None)
        return DemoSeed(api_key=key, account_id=account.id, link_token=token)
