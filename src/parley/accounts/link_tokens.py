"""Link tokens: single-use, expiring invitations for an end customer to link an account."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from parley.accounts.integrated_accounts import IntegratedAccountService
from parley.accounts.urls import add_query, validate_redirect_uri
from parley.accounts.views import IntegratedAccountView, LinkTokenView
from parley.config import Settings
from parley.errors import NotFoundError
from parley.security import LINK_TOKEN_PREFIX, generate_secret, hash_secret
from parley.storage import Database, LinkToken, LinkTokenRepository, utcnow

__all__ = ["LinkTokenService"]

_MAX_TOKEN_LENGTH = 256


def _invalid() -> NotFoundError:
    """The one answer for unknown, used and expired tokens alike: it tells a guesser nothing."""
    return NotFoundError(
        "This link is not valid (it may have been used or have expired); ask for a new one.",
        code="link_token_invalid",
        param="link_token",
    )


class LinkTokenService:
    """Create, inspect and complete link tokens; completion links through the account service."""

    def __init__(
        self, db: Database, settings: Settings, accounts: IntegratedAccountService
    ) -> None:
        self._db = db
        self._settings = settings
        self._accounts = accounts

    async def create(
        self, tenant_id: str, integration: str, redirect_uri: str | None = None
    ) -> tuple[str, LinkTokenView]:
        """A new token (plaintext, shown once) valid for `link_token_ttl` seconds, and its view."""
        self._accounts.provider_factory(integration)  # 400 unknown_integration early
        redirect = validate_redirect_uri(redirect_uri) if redirect_uri else None
        secret = generate_secret(LINK_TOKEN_PREFIX)
        expires_at = utcnow() + timedelta(seconds=self._settings.link_token_ttl)
        try:
            async with self._db.session() as session:
                row = await LinkTokenRepository(session).add(
                    token_hash=secret.digest,
                    tenant_id=tenant_id,
                    integration=integration,
                    redirect_uri=redirect,
                    expires_at=expires_at,
                )
                view = LinkTokenView.of(row)
        except IntegrityError:
            # The only foreign key is the tenant's.
            raise NotFoundError(f"No tenant {tenant_id}.", code="tenant_not_found") from None
        return secret.plaintext, view

    async def peek(self, token: str) -> LinkTokenView:
        """The token's facts if it can still be used; the same 404 if unknown, used or expired."""
        row = await self._find(token)
        if row.used_at is not None or row.expires_at <= utcnow():
            raise _invalid()
        return LinkTokenView.of(row)

    async def complete(
        self, token: str, api_token: str, base_url: str | None = None
    ) -> IntegratedAccountView:
        """Validate the customer's credentials live, store them, and spend the token."""
        link = await self.peek(token)
        # The live check happens outside any transaction: a slow provider holds no lock.
        verified = await self._accounts.verify_new(
            link.tenant_id, link.integration, api_token, base_url
        )
        async with self._db.session() as session:
            view = await self._accounts.add_verified(session, verified)
            repository = LinkTokenRepository(session)
            if not await repository.claim(link.id, account_id=view.id, now=utcnow()):
                # Spent or expired while we were checking: raising rolls the account back.
                raise _invalid()
        return view

    def link_url(self, token: str) -> str:
        """The public URL of the link page for `token`."""
        return f"{self._settings.public_url.rstrip('/')}/link/{token}"

    @staticmethod
    def redirect_target(link: LinkTokenView, account: IntegratedAccountView) -> str | None:
        """Where the link page sends the customer after success (None without redirect_uri)."""
        if link.redirect_uri is None:
            return None
        return add_query(link.redirect_uri, integrated_account_id=account.id)

    async def _find(self, token: str) -> LinkToken:
        if not token.startswith(LINK_TOKEN_PREFIX) or len(token) > _MAX_TOKEN_LENGTH:
            raise _invalid()
        async with self._db.session() as session:
            row = await LinkTokenRepository(session).by_hash(hash_secret(token))
        if row is None:
            raise _invalid()
        return row
