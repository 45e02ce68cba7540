"""The composition root: database, vault, limiter and services, built from Settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace

from procrastinate import App
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.media_links import MediaLinks, MediaLinkService
from parley.accounts.services import AccountServices
from parley.accounts.urls import unified_recording_links
from parley.accounts.views import AccountStatus, IntegratedAccountView
from parley.config import Settings
from parley.http import ConnectionPool, HttpOptions, RateLimiter, RetryPolicy, TokenBucketLimiter
from parley.insights import TranscriptSearch
from parley.insights.analytics import TeamAnalytics
from parley.insights.callers import CallerAuth
from parley.insights.coaching import CoachingService
from parley.insights.contacts import CrmService
from parley.insights.dashboard import Dashboard
from parley.insights.deal_schedule import StalledDealsWatch
from parley.insights.deals import DealRiskService
from parley.insights.keyword_services import KeywordServices
from parley.insights.scoped_tokens import ScopedTokens
from parley.insights.scoping import Scoping
from parley.insights.snippet_feed import ListCursors
from parley.insights.snippet_page import SnippetPages
from parley.reads.cursor import CursorCodec
from parley.reads.live import LiveReader
from parley.reads.store import StoreReader
from parley.security.egress import EgressPolicy
from parley.security.throttle import KeyRateLimiter, MemoryKeyRateLimiter
from parley.security.vault import Vault
from parley.storage import Database
from parley.storage.api_rate_limits import PostgresKeyRateLimiter
from parley.storage.page_hooks import PageHook
from parley.storage.rate_budgets import PostgresRateLimiter
from parley.sync import (
    InProcessSyncQueue,
    RunExecutor,
    SyncOptions,
    SyncQueue,
    SyncRuns,
    SyncScheduler,
)
from parley.sync.queue_procrastinate import (
    ProcrastinateSyncQueue,
    procrastinate_app,
    procrastinate_dsn,
)
from parley.webhooks import WebhookServices, record_account_status

__all__ = ["DemoSeed", "Runtime"]


@dataclass(frozen=True)
class DemoSeed:
    """What `parley demo` prints: the demo key, account and a fresh link token."""

    tenant_id: str
    api_key: str
    account_id: str
    link_token: str


class Runtime:
    """Everything a face needs, built once per process."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        vault: Vault,
        *,
        egress: EgressPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.vault = vault
        # Every connection made for a caller (providers, webhooks) passes this one policy.
        self.egress = egress or EgressPolicy.from_settings(settings)
        http = HttpOptions(
            limiter=_limiter(settings, db),
            policy=RetryPolicy(
                max_attempts=settings.http_max_attempts,
                max_total_time=settings.http_max_retry_time,
            ),
            timeout=settings.http_timeout,
            # Provider connections are kept and reused across requests (closed in `close`).
            pool=ConnectionPool(),
        )
        self.http = replace(
            http, transport=self.egress.transport(max_connections=http.max_connections)
        )
        #: Requests per API key to Parley's own API (None: PARLEY_API_RATE_LIMIT=0, no limit).
        self.api_rate_limiter = _api_rate_limiter(settings, db)
        self.cursors = CursorCodec(vault.signer(b"cursor"))
        #: Meetings' recording URLs: signed `/media/{signed}` links (PARLEY_MEDIA_LINK_TTL).
        self.media_links = MediaLinks.from_settings(vault, settings)
        accounts = AccountServices.build(
            db,
            vault,
            settings,
            self.http,
            egress=self.egress,
            on_status_change=_account_status_changed,
            recording_links=self.media_links,
        )
        self.tenants = accounts.tenants
        self.api_keys = accounts.api_keys
        self.webhooks = WebhookServices.build(db, vault, settings, egress=self.egress)
        self.accounts = accounts.accounts
        self.link_tokens = accounts.link_tokens
        self.live = LiveReader(self.accounts.use, self.cursors)
        self.store = StoreReader(db, self.cursors, recording_links=self.media_links)
        links = self.media_links
        self.search = TranscriptSearch(db, playback=links.mint)
        self.scoping, self.scoped_tokens = Scoping(db), ScopedTokens(vault.signer(b"scoped-token"))
        self.media = MediaLinkService(
            self.media_links,
            self.accounts.use,
            limiter=self.api_rate_limiter,
            check_visible=self._still_visible,
        )
        #: API keys and scoped tokens to callers, callers to scopes (the API and the pages).
        self.callers = CallerAuth(
            self.api_keys.authenticate,
            self.tenants.get,
            self.accounts.get,
            self.scoped_tokens,
            self.scoping,
            list_accounts=self.accounts.list,
        )
        self.analytics = TeamAnalytics(db, self.accounts.get)
        self.crm = CrmService(db, vault.signer(b"crm-cursor"), public_url=settings.public_url)
        # What is stored keeps stable key-authenticated links (a signed one expires, and
        # would change every meeting's content hash each sync); stored reads mint fresh ones.
        stable = unified_recording_links(settings.public_url)
        self.deals = DealRiskService(db, vault.signer(b"deals-cursor"), playback=stable)
        #: The coaching library (faces.md §3): comments, and playlists in `.playlists`.
        self.coaching = CoachingService(
            db, ListCursors(vault.signer(b"coaching-cursor")), public_url=settings.public_url
        )
        # Embedded mode: runs execute and are scheduled in this process. Scale mode: runs
        # become procrastinate jobs, executed and scheduled by `parley worker` processes.
        self.jobs: App | None = None
        if settings.mode == "scale":
            self.jobs = procrastinate_app(settings.database_url)
        self.keywords = KeywordServices.build(
            db, vault.signer(b"cursor"), settings.public_url, self.jobs
        )
        #: The pages' models: the dashboard and the snippets feed, over the same services.
        self.dashboard = Dashboard(self.callers, self.analytics, self.deals)
        self.snippet_pages = SnippetPages(self.callers, self.keywords.feed, self.keywords.rules)
        # Insights join every sync page's transaction through these.
        page_hooks: tuple[PageHook, ...] = (
            self.keywords.triggers,
            self.crm,
            self.analytics,
            self.deals,
        )
        sync_options = SyncOptions.from_settings(settings)
        self.sync_executor = RunExecutor(
            db, self.accounts.use_for_sync, sync_options, hooks=page_hooks
        )
        self.sync_queue: InProcessSyncQueue | None = None
        self.sync_scheduler: SyncScheduler | None = None
        queue: SyncQueue
        if self.jobs is not None:
            queue = ProcrastinateSyncQueue(self.jobs)
        else:
            queue = self.sync_queue = InProcessSyncQueue(self.sync_executor.execute)
        self.sync = SyncRuns(db, queue, sync_options)
        if self.sync_queue is not None:
            self.sync_scheduler = SyncScheduler(db, self.sync)

    async def _still_visible(self, account_id: str, meeting_id: str, app_user_id: str) -> None:
        """404 unless `app_user_id` may see the stored meeting now (a scoped media link)."""
        scope = await self.scoping.scope(account_id, app_user_id)
        await self.store.check_visible(account_id, meeting_id, scope)

    @classmethod
    async def start(
        cls, settings: Settings, *, migrate: bool = True, egress: EgressPolicy | None = None
    ) -> Runtime:
        """Open the database (migrating it to the latest schema) and build the services.

        `egress`: the outbound policy (default: PARLEY_EGRESS_ALLOW, the system resolver).
        """
        if settings.mode == "scale":
            procrastinate_dsn(settings.database_url)  # refuses SQLite before it makes a file
        vault = Vault.from_settings(settings)
        egress = egress or EgressPolicy.from_settings(settings)  # a bad entry fails first
        db = Database(settings.database_url)
        if migrate:
            await db.migrate()
        runtime = cls(settings, db, vault, egress=egress)
        if runtime.jobs is not None:
            await runtime.jobs.open_async()
        return runtime

    @asynccontextmanager
    async def background(self) -> AsyncIterator[None]:
        """An API process's background work for the block: webhook delivery and, in embedded
        mode, sync execution and the sync schedule."""
        async with AsyncExitStack() as stack:
            if self.settings.webhook_dispatch_in_api:
                poll = self.settings.webhook_poll_interval
                await stack.enter_async_context(self.webhooks.dispatcher.running(poll))
            # In scale mode the workers execute and schedule syncs instead.
            if self.sync_queue is not None and self.sync_scheduler is not None:
                await stack.enter_async_context(self.sync_queue.running())
                await stack.enter_async_context(self.sync_scheduler.running())
                # The hourly deal re-evaluation (scale mode: a periodic procrastinate task).
                await stack.enter_async_context(StalledDealsWatch(self.deals).running())
            await stack.enter_async_context(self.keywords.running())
            yield

    async def close(self) -> None:
        """Release the job queue, the provider connections and the database."""
        if self.jobs is not None:
            await self.jobs.close_async()
        if self.http.pool is not None:
            await self.http.pool.aclose()
        await self.db.dispose()

    async def seed_demo(self, chorus_url: str, chorus_token: str) -> DemoSeed:
        """A demo tenant, API key and Chorus account linked against the sandbox."""
        tenant = await self.tenants.get_or_create("demo")
        key, _ = await self.api_keys.create_key(tenant.name, name="demo")
        account = await self.accounts.link(tenant.id, "chorus", chorus_token, chorus_url)
        token, _ = await self.link_tokens.create(tenant.id, "chorus", None)
        return DemoSeed(
            tenant_id=str(tenant.id), api_key=key, account_id=account.id, link_token=token
        )


def _limiter(settings: Settings, db: Database) -> RateLimiter:
    """Per-account budgets: in this process (embedded) or shared through PostgreSQL (scale)."""
    rate, cap = settings.chorus_rate_limit, settings.chorus_max_rate
    if settings.mode == "scale":
        # PostgresRateLimiter refuses a SQLite engine with a clear error.
        return PostgresRateLimiter(db.engine, rate, max_rate=cap)
    return TokenBucketLimiter(rate, max_rate=cap)


def _api_rate_limiter(settings: Settings, db: Database) -> KeyRateLimiter | None:
    """Per-API-key budgets: in this process (embedded) or shared through PostgreSQL (scale)."""
    rate, burst = settings.api_rate_limit, settings.api_rate_burst
    if rate <= 0:
        return None
    if settings.mode == "scale":
        return PostgresKeyRateLimiter(db.engine, rate, burst)
    return MemoryKeyRateLimiter(rate, burst)


async def _account_status_changed(
    session: AsyncSession, view: IntegratedAccountView, previous: AccountStatus | None
) -> None:
    # Inside the transaction that changed the status: the event commits with the change.
    await record_account_status(
        session,
        tenant_id=view.tenant_id,
        account_id=view.id,
        status=view.status.value,
        account=view.model_dump(mode="json"),
    )
