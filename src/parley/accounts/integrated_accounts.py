"""Integrated accounts: link (validated live), list, validate, rotate, disable, use."""

from __future__ import annotations

import builtins
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.checks import CheckOutcome, check_live, rejection
from parley.accounts.media_links import MediaLinks
from parley.accounts.urls import RecordingLinks, normalize_base_url, unified_recording_links
from parley.accounts.views import AccountStatus, IntegratedAccountView
from parley.config import Settings
from parley.errors import ConflictError, InvalidRequestError, NotFoundError, ProviderAuthError
from parley.http.client import HttpOptions
from parley.providers.base import Credentials, Provider, ProviderFactory
from parley.providers.registry import get_provider
from parley.security import Vault
from parley.security.egress import EgressPolicy, HostRule
from parley.storage import Database, IntegratedAccount, IntegratedAccountRepository, new_id, utcnow
from parley.types import TenantId

__all__ = [
    "IntegratedAccountService",
    "ProviderLookup",
    "StatusHook",
    "VerifiedAccount",
]

log = logging.getLogger("parley.accounts")

#: slug -> factory; the registry in production, a fake in tests.
ProviderLookup = Callable[[str], ProviderFactory]
#: Called inside the transaction that changed an account's status (previous is None on
#: creation): the place for webhooks to write their outbox row atomically with the change.
StatusHook = Callable[[AsyncSession, IntegratedAccountView, AccountStatus | None], Awaitable[None]]

_MAX_TOKEN = 4096


@dataclass(frozen=True)
class VerifiedAccount:
    """Credentials the provider has just accepted, ready to store (first half of a link)."""

    id: str
    tenant_id: TenantId
    integration: str
    base_url: str
    credentials: Credentials = field(repr=False)
    remote_user: dict[str, Any]


def _clean_token(api_token: str) -> str:
    # Tokens pasted into a form often carry a stray newline or space.
    token = api_token.strip()
    if not token or len(token) > _MAX_TOKEN:
        raise InvalidRequestError("api_token must be a non-empty token.", param="api_token")
    # It travels in an HTTP header: printable ASCII only (no control or non-ASCII characters).
    if not all(" " <= char <= "~" for char in token):
        raise InvalidRequestError(
            "api_token may hold printable ASCII characters only.", param="api_token"
        )
    return token


def _disabled(account_id: str) -> ConflictError:
    return ConflictError(
        f"Integrated account {account_id} is disabled; re-enable it (PATCH status=active) first.",
        code="integrated_account_disabled",
    )


class IntegratedAccountService:
    """Linked provider accounts of every tenant; credentials only ever leave sealed."""

    def __init__(
        self,
        db: Database,
        vault: Vault,
        settings: Settings,
        http: HttpOptions,
        *,
        providers: ProviderLookup = get_provider,
        egress: EgressPolicy | None = None,
        on_status_change: StatusHook | None = None,
        recording_links: RecordingLinks | None = None,
    ) -> None:
        self._db = db
        self._egress = egress or EgressPolicy.from_settings(settings)
        # Signed media links (`/media/{signed}`) unless a test or face brings its own builder.
        self._recording_links = recording_links or MediaLinks.from_settings(vault, settings)
        # What a synced copy keeps: a signed link expires, and would change every stored
        # meeting's content hash on each sync; stored reads mint fresh signed ones.
        self._stable_links = unified_recording_links(settings.public_url)
        self._vault = vault
        self._settings = settings
        self._http = http
        self._providers = providers
        self._on_status_change = on_status_change

    def provider_factory(self, integration: str) -> ProviderFactory:
        """The factory of `integration` (400 `unknown_integration` otherwise)."""
        return self._providers(integration)

    # -- linking ------------------------------------------------------------------------

    async def link(
        self, tenant_id: str, integration: str, api_token: str, base_url: str | None = None
    ) -> IntegratedAccountView:
        """Validate the token live, then store the account encrypted (nothing stored on failure)."""
        verified = await self.verify_new(tenant_id, integration, api_token, base_url)
        try:
            async with self._db.session() as session:
                return await self.add_verified(session, verified)
        except IntegrityError:
            # The only foreign key is the tenant's (the id is a fresh UUID).
            raise NotFoundError(f"No tenant {tenant_id}.", code="tenant_not_found") from None

    async def verify_new(
        self, tenant_id: str, integration: str, api_token: str, base_url: str | None = None
    ) -> VerifiedAccount:
        """Check new credentials with the provider; 400 `validation_error` if it refuses them."""
        factory = self._providers(integration)
        credentials = Credentials(api_token=_clean_token(api_token))
        base = self._base_url(integration, factory, base_url)
        account_id = new_id()
        outcome = await check_live(
            factory, credentials, base_url=base, limiter_key=account_id, http=self._http
        )
        if outcome.error is not None:
            raise rejection(factory.info.name, outcome.error)
        return VerifiedAccount(
            id=account_id,
            tenant_id=TenantId(tenant_id),
            integration=integration,
            base_url=base,
            credentials=credentials,
            remote_user=outcome.remote_user or {},
        )

    async def add_verified(
        self, session: AsyncSession, verified: VerifiedAccount
    ) -> IntegratedAccountView:
        """Store verified credentials inside the caller's transaction (second half of a link)."""
        sealed = self._vault.encrypt_json(
            {"api_token": verified.credentials.api_token}, aad=verified.id
        )
        now = utcnow()
        row = IntegratedAccount(
            id=verified.id,
            tenant_id=verified.tenant_id,
            integration=verified.integration,
            status=AccountStatus.ACTIVE.value,
            credentials_ciphertext=sealed.ciphertext,
            key_id=sealed.key_id,
            settings={"base_url": verified.base_url},
            remote_user=verified.remote_user,
            last_error=None,
            created_at=now,
            updated_at=now,
            last_validated_at=now,
        )
        await IntegratedAccountRepository(session).add(row)
        return await self._changed(session, row, None)

    # -- reading ------------------------------------------------------------------------

    async def list(self, tenant_id: str | None) -> builtins.list[IntegratedAccountView]:
        """The tenant's accounts, newest first (every tenant's when None: trusted callers)."""
        async with self._db.session() as session:
            rows = await IntegratedAccountRepository(session).list_for_tenant(tenant_id)
            return [IntegratedAccountView.of(row) for row in reversed(rows)]

    async def get(self, tenant_id: str | None, account_id: str) -> IntegratedAccountView:
        """One account of the tenant (404 `integrated_account_not_found` for anyone else's)."""
        async with self._db.session() as session:
            return IntegratedAccountView.of(await self._load(session, tenant_id, account_id))

    async def delete(self, tenant_id: str | None, account_id: str) -> None:
        """Forget the account and its sealed credentials."""
        async with self._db.session() as session:
            repository = IntegratedAccountRepository(session)
            if not await repository.delete(account_id, tenant_id=tenant_id):
                raise self._not_found(account_id)

    # -- changing -----------------------------------------------------------------------

    async def validate(self, tenant_id: str | None, account_id: str) -> IntegratedAccountView:
        """Re-check the stored credentials live; the status becomes what the provider says."""
        async with self._db.session() as session:
            row = await self._load(session, tenant_id, account_id)
        if row.status == AccountStatus.DISABLED:
            raise _disabled(account_id)
        factory = self._providers(row.integration)
        # A transient provider failure propagates here and leaves the status untouched.
        outcome = await check_live(
            factory,
            self._credentials(row),
            base_url=self._stored_base_url(row, factory),
            limiter_key=row.id,
            http=self._http,
        )
        async with self._db.session() as session:
            row = await self._load(session, tenant_id, account_id, for_update=True)
            previous = AccountStatus(row.status)
            self._record_check(row, outcome)
            return await self._changed(session, row, previous)

    async def update(
        self,
        tenant_id: str | None,
        account_id: str,
        *,
        api_token: str | None = None,
        base_url: str | None = None,
        disabled: bool | None = None,
    ) -> IntegratedAccountView:
        """Rotate the token or base URL (validated before replacing), or (re-)enable/disable."""
        async with self._db.session() as session:
            row = await self._load(session, tenant_id, account_id)
        factory = self._providers(row.integration)
        current_base = self._stored_base_url(row, factory, checked=False)
        new_base = current_base if base_url is None else normalize_base_url(base_url)
        rotating = api_token is not None or new_base != current_base
        credentials = (
            Credentials(api_token=_clean_token(api_token)) if api_token is not None else None
        )
        outcome: CheckOutcome | None = None
        if rotating or (disabled is False and row.status == AccountStatus.DISABLED):
            self._check_base_url(factory, new_base)
            outcome = await check_live(
                factory,
                credentials or self._credentials(row),
                base_url=new_base,
                limiter_key=row.id,
                http=self._http,
            )
            if rotating and outcome.error is not None:
                # The new credentials were refused: keep the old ones, change nothing.
                raise rejection(factory.info.name, outcome.error)
        async with self._db.session() as session:
            row = await self._load(session, tenant_id, account_id, for_update=True)
            previous = AccountStatus(row.status)
            if credentials is not None:
                sealed = self._vault.encrypt_json({"api_token": credentials.api_token}, aad=row.id)
                row.credentials_ciphertext, row.key_id = sealed.ciphertext, sealed.key_id
            if new_base != current_base:
                row.settings = {**row.settings, "base_url": new_base}
            if outcome is not None:
                self._record_check(row, outcome)
            # Disabled stays disabled until asked otherwise, even across a token rotation.
            if disabled or (previous == AccountStatus.DISABLED and disabled is None):
                row.status = AccountStatus.DISABLED.value
            row.updated_at = utcnow()
            return await self._changed(session, row, previous)

    # -- using --------------------------------------------------------------------------

    @asynccontextmanager
    async def use(
        self, tenant_id: str | None, account_id: str, *, links: RecordingLinks | None = None
    ) -> AsyncIterator[Provider]:
        """A provider bound to the account; a provider 401 marks it `needs_reauth`, re-raised.

        `links`: its meetings' recording links (default: the service's, signed media links).
        """
        async with self._db.session() as session:
            row = await self._load(session, tenant_id, account_id)
        if row.status == AccountStatus.DISABLED:
            raise _disabled(account_id)
        factory = self._providers(row.integration)
        provider = factory.connect(
            self._credentials(row),
            base_url=self._stored_base_url(row, factory),
            limiter_key=row.id,
            http=self._http,
            recording_url=(links or self._recording_links)(row.id),
        )
        try:
            yield provider
        except ProviderAuthError as exc:
            await self._mark_needs_reauth(row.id, exc)
            raise
        finally:
            await provider.aclose()

    def use_for_sync(
        self, tenant_id: str | None, account_id: str
    ) -> AbstractAsyncContextManager[Provider]:
        """`use` with the stable key-authenticated recording links a synced copy stores."""
        return self.use(tenant_id, account_id, links=self._stable_links)

    # -- internals ----------------------------------------------------------------------

    async def _mark_needs_reauth(self, account_id: str, exc: ProviderAuthError) -> None:
        try:
            async with self._db.session() as session:
                row = await IntegratedAccountRepository(session).get(account_id, for_update=True)
                if row is None or row.status == AccountStatus.DISABLED:
                    return
                previous = AccountStatus(row.status)
                self._record_check(row, CheckOutcome(error=exc), validated=False)
                await self._changed(session, row, previous)
        except Exception:
            # Never let bookkeeping hide the provider's 401 from the caller.
            log.exception("could not mark integrated account %s needs_reauth", account_id)

    def _record_check(
        self, row: IntegratedAccount, outcome: CheckOutcome, *, validated: bool = True
    ) -> None:
        now = utcnow()
        row.status = outcome.status.value
        row.last_error = outcome.error_record(now)
        if outcome.remote_user is not None:
            row.remote_user = outcome.remote_user
        if validated:
            row.last_validated_at = now
        row.updated_at = now

    async def _changed(
        self, session: AsyncSession, row: IntegratedAccount, previous: AccountStatus | None
    ) -> IntegratedAccountView:
        await session.flush()
        view = IntegratedAccountView.of(row)
        if self._on_status_change is not None and view.status != previous:
            await self._on_status_change(session, view, previous)
        return view

    async def _load(
        self,
        session: AsyncSession,
        tenant_id: str | None,
        account_id: str,
        *,
        for_update: bool = False,
    ) -> IntegratedAccount:
        row = await IntegratedAccountRepository(session).get(
            account_id, tenant_id=tenant_id, for_update=for_update
        )
        if row is None:
            raise self._not_found(account_id)
        return row

    @staticmethod
    def _not_found(account_id: str) -> NotFoundError:
        return NotFoundError(
            f"No integrated account {account_id} for this key.",
            code="integrated_account_not_found",
        )

    def _credentials(self, row: IntegratedAccount) -> Credentials:
        data = self._vault.decrypt_json(row.credentials_ciphertext, aad=row.id)
        return Credentials(api_token=str(data["api_token"]))

    def _base_url(self, integration: str, factory: ProviderFactory, base_url: str | None) -> str:
        if base_url is not None and base_url.strip():
            base = normalize_base_url(base_url)
        else:
            # PARLEY_<SLUG>_BASE_URL (e.g. chorus_base_url) sets the host of new accounts.
            configured = getattr(self._settings, f"{integration}_base_url", None)
            base = normalize_base_url(str(configured or factory.info.default_base_url))
        return self._check_base_url(factory, base)

    def _check_base_url(self, factory: ProviderFactory, base_url: str) -> str:
        """400 `egress_refused` unless the egress policy lets the account call `base_url`
        (each connection is checked again, on the address it resolves to then)."""
        info = factory.info
        rule = HostRule(owner=info.name, patterns=info.hosts)
        self._egress.check_url(base_url, rule, param="base_url")
        return base_url

    def _stored_base_url(
        self, row: IntegratedAccount, factory: ProviderFactory, *, checked: bool = True
    ) -> str:
        # Checked before every use too: a URL stored under an older policy is not called.
        base = str((row.settings or {}).get("base_url") or factory.info.default_base_url)
        return self._check_base_url(factory, base) if checked else base
