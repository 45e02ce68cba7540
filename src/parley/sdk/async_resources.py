"""The resources of `AsyncClient`: the surface of `resources` (keep the two in step), with
coroutines for single answers and an `AsyncPaginator` (`async for`) for lists.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from parley.sdk import insight_models as im
from parley.sdk import models as m
from parley.sdk import specs
from parley.sdk.calls import AsyncPaginator, Call
from parley.unified import Meeting, Page, Team, Transcript, User

__all__ = [
    "AsyncAccounts",
    "AsyncCrm",
    "AsyncDeals",
    "AsyncDeliveries",
    "AsyncKeywordRules",
    "AsyncMeetings",
    "AsyncRiskSettingsResource",
    "AsyncScopedTokens",
    "AsyncSnippets",
    "AsyncSync",
    "AsyncTeams",
    "AsyncTranscripts",
    "AsyncUserMappings",
    "AsyncUsers",
    "AsyncWebhooks",
]

T = TypeVar("T")
R = TypeVar("R", m.Contact, m.Company)
JSON = dict[str, Any]
_List = builtins.list


class AsyncRunner(Protocol):
    """What a resource needs of its client."""

    async def _one(self, call: Call[T]) -> T: ...

    def _many(self, call: Call[Page[T]]) -> AsyncPaginator[T]: ...

    def _account(self, given: str | None) -> str: ...

    async def _sleep(self, seconds: float) -> None: ...


class _AsyncResource:
    def __init__(self, client: AsyncRunner) -> None:
        self._c = client


class AsyncMeetings(_AsyncResource):
    def list(
        self, integrated_account_id: str | None = None, **filters: Any
    ) -> AsyncPaginator[Meeting]:
        """Meetings, newest first. Filters as on `GET …/meetings`: `source` (`live` or
        `store`), `limit` (page size), `start_time_after`, `start_time_before`, `user_id`,
        `team_id`, `participant_email`, `type`, `min_duration`, `expand="transcript"`,
        and with `source="store"` also `updated_after`, `q`, `topic` (a topic's whole name)."""
        account = self._c._account(integrated_account_id)
        return self._c._many(specs.meetings_list(account, filters))

    async def get(
        self,
        meeting_id: str,
        integrated_account_id: str | None = None,
        *,
        source: str | None = None,
    ) -> Meeting:
        """The full meeting (transcript, speakers, summary)."""
        account = self._c._account(integrated_account_id)
        return await self._c._one(specs.meeting_get(account, meeting_id, source))


class AsyncTranscripts(_AsyncResource):
    def list(
        self, meeting_id: str, integrated_account_id: str | None = None, **params: Any
    ) -> AsyncPaginator[Transcript]:
        """The meeting's transcript resource(s) (`source`, `limit`)."""
        account = self._c._account(integrated_account_id)
        return self._c._many(specs.transcripts_list(account, meeting_id, params))

    async def get(
        self,
        meeting_id: str,
        integrated_account_id: str | None = None,
        *,
        source: str | None = None,
    ) -> Transcript | None:
        """The meeting's one transcript, or None when it has none yet."""
        async for transcript in self.list(meeting_id, integrated_account_id, source=source):
            return transcript
        return None


class AsyncUsers(_AsyncResource):
    def list(self, integrated_account_id: str | None = None, **params: Any) -> AsyncPaginator[User]:
        """Users (`source`, `limit`; with `source="store"`: `updated_after`, `q`)."""
        account = self._c._account(integrated_account_id)
        return self._c._many(specs.users_list(account, params))

    async def get(
        self, user_id: str, integrated_account_id: str | None = None, *, source: str | None = None
    ) -> User:
        account = self._c._account(integrated_account_id)
        return await self._c._one(specs.user_get(account, user_id, source))


class AsyncTeams(_AsyncResource):
    def list(self, integrated_account_id: str | None = None, **params: Any) -> AsyncPaginator[Team]:
        """Teams (`source`, `limit`; with `source="store"`: `updated_after`, `q`)."""
        account = self._c._account(integrated_account_id)
        return self._c._many(specs.teams_list(account, params))

    async def get(
        self, team_id: str, integrated_account_id: str | None = None, *, source: str | None = None
    ) -> Team:
        account = self._c._account(integrated_account_id)
        return await self._c._one(specs.team_get(account, team_id, source))


class AsyncAccounts(_AsyncResource):
    """Integrated accounts (linked provider accounts)."""

    def list(self) -> AsyncPaginator[m.IntegratedAccount]:
        return self._c._many(specs.accounts_list())

    async def get(self, account_id: str) -> m.IntegratedAccount:
        return await self._c._one(specs.account_get(account_id))

    async def create(
        self, api_token: str, *, base_url: str | None = None, integration: str = "chorus"
    ) -> m.IntegratedAccount:
        """Link an account server-side (the token is validated live first)."""
        return await self._c._one(specs.account_create(api_token, base_url, integration))

    async def update(self, account_id: str, **body: Any) -> m.IntegratedAccount:
        """`credentials={"api_token": …}`, `settings={"base_url": …}`, `status=…`."""
        return await self._c._one(specs.account_update(account_id, body))

    async def delete(self, account_id: str) -> JSON:
        return await self._c._one(specs.account_delete(account_id))

    async def validate(self, account_id: str) -> m.IntegratedAccount:
        return await self._c._one(specs.account_validate(account_id))


class AsyncSync(_AsyncResource):
    """Sync runs."""

    async def start(
        self, integrated_account_id: str | None = None, *, full: bool = False
    ) -> m.SyncRun:
        """Queue a run (or get the account's run already queued or running)."""
        return await self._c._one(specs.sync_start(self._c._account(integrated_account_id), full))

    async def get(self, run_id: str) -> m.SyncRun:
        return await self._c._one(specs.sync_get(run_id))

    def list(
        self, integrated_account_id: str | None = None, *, limit: int | None = None
    ) -> AsyncPaginator[m.SyncRun]:
        """Runs, newest first (every account of the tenant when no account is given)."""
        return self._c._many(specs.sync_list(integrated_account_id, limit))

    async def wait(
        self,
        run_id: str,
        *,
        timeout: float = 300.0,
        interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> m.SyncRun:
        """Poll the run until it is `completed` or `failed` (TimeoutError after `timeout`)."""
        deadline = clock() + timeout
        while not (run := await self.get(run_id)).finished:
            if clock() >= deadline:
                raise TimeoutError(f"sync run {run_id} is still {run.status}")
            await self._c._sleep(interval)
        return run


class AsyncDeliveries(_AsyncResource):
    """The webhook delivery log."""

    def list(self, **filters: Any) -> AsyncPaginator[m.WebhookDelivery]:
        """Newest first: `webhook_id`, `status`, `event_type`, `limit`."""
        return self._c._many(specs.deliveries_list(filters))

    async def get(self, delivery_id: str) -> m.WebhookDelivery:
        return await self._c._one(specs.delivery_get(delivery_id))

    async def redeliver(self, delivery_id: str) -> m.WebhookDelivery:
        return await self._c._one(specs.delivery_redeliver(delivery_id))


class AsyncWebhooks(_AsyncResource):
    """Webhook subscriptions (verify deliveries with `parley.sdk.webhooks.verify`)."""

    def __init__(self, client: AsyncRunner) -> None:
        super().__init__(client)
        self.deliveries = AsyncDeliveries(client)

    async def create(self, url: str, events: Sequence[str]) -> m.Webhook:
        """The subscription with its `secret`, returned this once."""
        return await self._c._one(specs.webhook_create(url, _List(events)))

    def list(self) -> AsyncPaginator[m.Webhook]:
        return self._c._many(specs.webhooks_list())

    async def get(self, webhook_id: str) -> m.Webhook:
        return await self._c._one(specs.webhook_get(webhook_id))

    async def update(self, webhook_id: str, **body: Any) -> m.Webhook:
        """`url=…`, `events=[…]`, `enabled=False` (pause) / `True` (resume)."""
        return await self._c._one(specs.webhook_update(webhook_id, body))

    async def delete(self, webhook_id: str) -> JSON:
        return await self._c._one(specs.webhook_delete(webhook_id))

    async def test(self, webhook_id: str) -> m.WebhookDelivery:
        """Send a signed `webhook.test` event now; its delivery, with the attempt made."""
        return await self._c._one(specs.webhook_test(webhook_id))


class _AsyncRecords(_AsyncResource, Generic[R]):
    kind = ""

    async def upsert(
        self, external_id: str, integrated_account_id: str | None = None, **fields: Any
    ) -> R:
        """Create or replace the record (every field is replaced)."""
        account = self._c._account(integrated_account_id)
        call: Call[R] = specs.crm_upsert(self.kind, account, external_id, fields)
        return await self._c._one(call)

    async def batch(
        self, rows: Sequence[JSON], integrated_account_id: str | None = None
    ) -> m.BatchResult:
        """Up to 1,000 rows, each `{external_id, …}`; good rows are stored regardless."""
        account = self._c._account(integrated_account_id)
        return await self._c._one(specs.crm_batch(self.kind, account, _List(rows)))

    async def get(self, external_id: str, integrated_account_id: str | None = None) -> R:
        account = self._c._account(integrated_account_id)
        call: Call[R] = specs.crm_get(self.kind, account, external_id)
        return await self._c._one(call)

    async def delete(self, external_id: str, integrated_account_id: str | None = None) -> JSON:
        account = self._c._account(integrated_account_id)
        return await self._c._one(specs.crm_delete(self.kind, account, external_id))

    def activities(
        self,
        external_id: str,
        integrated_account_id: str | None = None,
        *,
        limit: int | None = None,
    ) -> AsyncPaginator[m.Activity]:
        """The record's call log: matched stored meetings, newest first."""
        account = self._c._account(integrated_account_id)
        return self._c._many(specs.crm_activities(self.kind, account, external_id, limit))


class AsyncContacts(_AsyncRecords[m.Contact]):
    kind = "contacts"

    def list(
        self,
        integrated_account_id: str | None = None,
        *,
        email: str | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[m.Contact]:
        account = self._c._account(integrated_account_id)
        call: Call[Page[m.Contact]] = specs.crm_list(self.kind, account, email, limit)
        return self._c._many(call)


class AsyncCompanies(_AsyncRecords[m.Company]):
    kind = "companies"

    def list(
        self,
        integrated_account_id: str | None = None,
        *,
        domain: str | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[m.Company]:
        account = self._c._account(integrated_account_id)
        call: Call[Page[m.Company]] = specs.crm_list(self.kind, account, domain, limit)
        return self._c._many(call)


class AsyncCrm(_AsyncResource):
    """The CRM call log: `crm.contacts`, `crm.companies`, `crm.unmatched_attendees(…)`."""

    def __init__(self, client: AsyncRunner) -> None:
        super().__init__(client)
        self.contacts = AsyncContacts(client)
        self.companies = AsyncCompanies(client)

    def unmatched_attendees(
        self, integrated_account_id: str | None = None, *, limit: int | None = None
    ) -> AsyncPaginator[m.UnmatchedAttendee]:
        account = self._c._account(integrated_account_id)
        return self._c._many(specs.crm_unmatched(account, limit))


# The insight routes (insights.md §1, §2, §4); tests/e2e/test_sdk_insights.py reads each live -----


class AsyncSnippets(_AsyncResource):
    def list(self, **filters: Any) -> AsyncPaginator[im.Snippet]:
        """`rule_id`, `integrated_account_id`, `meeting_id`, `start_time_after`, …"""
        return self._c._many(specs.snippets_list(filters))


class AsyncKeywordRules(_AsyncResource):
    async def create(self, name: str, phrases: Sequence[str], **fields: Any) -> im.KeywordRule:
        body = {"name": name, "phrases": _List(phrases), **fields}
        return await self._c._one(specs.rule_create(body))

    def list(self) -> AsyncPaginator[im.KeywordRule]:
        return self._c._many(specs.rules_list())

    async def get(self, rule_id: str) -> im.KeywordRule:
        return await self._c._one(specs.rule_get(rule_id))

    async def update(self, rule_id: str, **body: Any) -> im.KeywordRule:
        return await self._c._one(specs.rule_update(rule_id, body))

    async def delete(self, rule_id: str) -> JSON:
        return await self._c._one(specs.rule_delete(rule_id))


class AsyncDeals(_AsyncResource):
    def list(
        self, integrated_account_id: str | None = None, **filters: Any
    ) -> AsyncPaginator[im.Deal]:
        """`level`, `min_score`, `sort` (`score` or `last_meeting`), `limit`."""
        account = self._c._account(integrated_account_id)
        return self._c._many(specs.deals_list(account, filters))

    async def get(self, opportunity_id: str, integrated_account_id: str | None = None) -> im.Deal:
        account = self._c._account(integrated_account_id)
        return await self._c._one(specs.deal_get(account, opportunity_id))


class AsyncRiskSettingsResource(_AsyncResource):
    async def get(self) -> im.RiskSettings:
        return await self._c._one(specs.risk_settings_get())

    async def put(self, **settings: Any) -> im.RiskSettings:
        return await self._c._one(specs.risk_settings_put(settings))


class AsyncUserMappings(_AsyncResource):
    async def put(
        self, app_user_id: str, integrated_account_id: str | None = None, **body: Any
    ) -> im.UserMapping:
        """`provider_user_id=…` or `email=…`, and `role` (`member`, `manager`, `admin`)."""
        account = self._c._account(integrated_account_id)
        return await self._c._one(specs.mapping_put(account, app_user_id, body))

    async def batch(self, rows: Sequence[JSON], integrated_account_id: str | None = None) -> JSON:
        account = self._c._account(integrated_account_id)
        return await self._c._one(specs.mappings_batch(account, _List(rows)))

    async def get(
        self, app_user_id: str, integrated_account_id: str | None = None
    ) -> im.UserMapping:
        account = self._c._account(integrated_account_id)
        return await self._c._one(specs.mapping_get(account, app_user_id))

    def list(
        self, integrated_account_id: str | None = None, *, limit: int | None = None
    ) -> AsyncPaginator[im.UserMapping]:
        account = self._c._account(integrated_account_id)
        return self._c._many(specs.mappings_list(account, limit))

    async def delete(self, app_user_id: str, integrated_account_id: str | None = None) -> JSON:
        account = self._c._account(integrated_account_id)
        return await self._c._one(specs.mapping_delete(account, app_user_id))


class AsyncScopedTokens(_AsyncResource):
    async def create(
        self,
        app_user_id: str,
        integrated_account_id: str | None = None,
        *,
        ttl_seconds: int | None = None,
    ) -> im.ScopedToken:
        """A `pst_…` token for a browser or an agent: reads and coaching, as that user."""
        account = self._c._account(integrated_account_id)
        return await self._c._one(specs.scoped_token_create(account, app_user_id, ttl_seconds))
