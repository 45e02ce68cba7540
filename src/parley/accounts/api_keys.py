"""Developer API keys: issued once in plaintext, stored hashed, checked on every request."""

from __future__ import annotations

import builtins
from datetime import timedelta

from parley.accounts.tenants import TenantService
from parley.accounts.views import ApiKeyView, TenantView
from parley.errors import AuthenticationError, InvalidRequestError, NotFoundError
from parley.security import API_KEY_PREFIX, generate_api_key, lookup_prefix, secret_matches
from parley.storage import ApiKeyRepository, Database, utcnow

__all__ = ["ApiKeyService"]

# last_used_at is advisory: refreshing it at most once a minute keeps reads write-free.
_TOUCH_EVERY = timedelta(seconds=60)
_MAX_KEY_LENGTH = 256


class ApiKeyService:
    """Create, authenticate, list and revoke API keys."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._tenants = TenantService(db)

    async def create_key(
        self, tenant_name: str, *, name: str = "default"
    ) -> tuple[str, ApiKeyView]:
        """A new key for the tenant (created if needed): the plaintext, shown once, and its view."""
        name = name.strip()
        if not name or len(name) > 200:
            raise InvalidRequestError("A key name is 1 to 200 characters.", param="name")
        tenant = await self._tenants.get_or_create(tenant_name)
        key = generate_api_key()
        async with self._db.session() as session:
            row = await ApiKeyRepository(session).add(
                tenant_id=tenant.id, name=name, prefix=key.prefix, key_hash=key.digest
            )
            return key.plaintext, ApiKeyView.of(row)

    async def authenticate(self, key: str) -> TenantView:
        """The tenant owning this unrevoked key (401 "Invalid API key." otherwise)."""
        if not key.startswith(API_KEY_PREFIX) or len(key) > _MAX_KEY_LENGTH:
            raise AuthenticationError("Invalid API key.", code="invalid_api_key")
        async with self._db.session() as session:
            repository = ApiKeyRepository(session)
            for row, tenant in await repository.active_by_prefix(lookup_prefix(key)):
                if secret_matches(key, row.key_hash):
                    now = utcnow()
                    if row.last_used_at is None or now - row.last_used_at >= _TOUCH_EVERY:
                        await repository.touch(row.id, now)
                    return TenantView.of(tenant)
        raise AuthenticationError("Invalid API key.", code="invalid_api_key")

    async def list(self, tenant_id: str) -> builtins.list[ApiKeyView]:
        """The tenant's keys, revoked ones included, oldest first."""
        async with self._db.session() as session:
            rows = await ApiKeyRepository(session).list_for_tenant(tenant_id)
            return [ApiKeyView.of(row) for row in rows]

    async def revoke(self, tenant_id: str, key_id: str) -> ApiKeyView:
        """Revoke a key of this tenant (idempotent; 404 `api_key_not_found` otherwise)."""
        async with self._db.session() as session:
            row = await ApiKeyRepository(session).get(key_id, tenant_id=tenant_id)
            if row is None:
                raise NotFoundError(
                    f"No API key {key_id} for this tenant.", code="api_key_not_found"
                )
            if row.revoked_at is None:
                row.revoked_at = utcnow()
            return ApiKeyView.of(row)
