"""The resources of `Client`: `client.meetings`, `client.webhooks`, `client.crm.contacts`, …

Each method builds its call (`specs`) and hands it to the client, which sends it (retries,
errors) and parses the answer. A list returns a `Paginator`: iterate it for every item of
every page, or call `.pages()`. `async_resources` is the same surface for `AsyncClient`
(keep the two in step).
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from parley.sdk import insight_models as im
from parley.sdk import models as m
from parley.sdk import specs
from parley.sdk.calls import Call, Paginator
from parley.unified import Meeting, Page, Team, Transcript, User

__all__ = [
    "Accounts",
    "Crm",
    "Deals",
    "Deliveries",
    "KeywordRules",
    "Meetings",
    "RiskSettingsResource",
    "ScopedTokens",
    "Snippets",
    "Sync",
    "Teams",
    "Transcripts",
    "UserMappings",
    "Users",
    "Webhooks",
]

T = TypeVar("T")
R = TypeVar("R", m.Contact, m.Company)
JSON = dict[str, Any]
_List = builtins.list


class Runner(Protocol):
    """What a resource needs of its client."""

    def _one(self, call: Call[T]) -> T: ...

    def _many(self, call: Call[Page[T]]) -> Paginator[T]: ...

    def _account(self, given: str | None) -> str: ...

    def _sleep(self, seconds: float) -> None: ...


class _Resource:
    def __init__(self, client: Runner) -> None:
        self._c = client


class Meetings(_Resource):
    def list(self, integrated_account_id: str | None = None, **filters: Any) -> Paginator[Meeting]:
        """Meetings, newest first. Filters as on `GET …/meetings`: `source` (`live` or
        `store`), `limit` (page size), `start_time_after`, `start_time_before`, `user_id`,
        `team_id`, `participant_email`, `type`, `min_duration`, `expand="transcript"`,
        and with `source="store"` also `updated_after`, `q`, `topic` (a topic's whole name)."""
        account = self._c._account(integrated_account_id)
        return self._c._many(specs.meetings_list(account, filters))

    def get(
        self,
        meeting_id: str,
        integrated_account_id: str | None = None,
        *,
        source: str | None = None,
    ) -> Meeting:
        """The full meeting (transcript, speakers, summary)."""
        account = self._c._account(integrated_account_id)
        return self._c._one(specs.meeting_get(account, meeting_id, source))


class Transcripts(_Resource):
    def list(
        self, meeting_id: str, integrated_account_id: str | None = None, **params: Any
    ) -> Paginator[Transcript]:
        """The meeting's transcript resource(s) (`source`, `limit`)."""
        account = self._c._account(integrated_account_id)
        return self._c._many(specs.transcripts_list(account, meeting_id, params))

    def get(
        self,
        meeting_id: str,
        integrated_account_id: str | None = None,
        *,
        source: str | None = None,
    ) -> Transcript | None:
        """The meeting's one transcript, or None when it has none yet."""
        return next(iter(self.list(meeting_id, integrated_account_id, source=source)), None)


class Users(_Resource):
    def list(self, integrated_account_id: str | None = None, **params: Any) -> Paginator[User]:
        """Users (`source`, `limit`; with `source="store"`: `updated_after`, `q`)."""
        account = self._c._account(integrated_account_id)
        return self._c._many(specs.users_list(account, params))

    def get(
        self, user_id: str, integrated_account_id: str | None = None, *, source: str | None = None
    ) -> User:
        account = self._c._account(integrated_account_id)
        return self._c._one(specs.user_get(account, user_id, source))


class Teams(_Resource):
    def list(self, integrated_account_id: str | None = None, **params: Any) -> Paginator[Team]:
        """Teams (`source`, `limit`; with `source="store"`: `updated_after`, `q`)."""
        account = self._c._account(integrated_account_id)
        return self._c._many(specs.teams_list(account, params))

    def get(
        self, team_id: str, integrated_account_id: str | None = None, *, source: str | None = None
    ) -> Team:
        account = self._c._account(integrated_account_id)
        return self._c._one(specs.team_get(account, team_id, source))


class Accounts(_Resource):
    """Integrated accounts (linked provider accounts)."""

    def list(self) -> Paginator[m.IntegratedAccount]:
        return self._c._many(specs.accounts_list())

    def get(self, account_id: str) -> m.IntegratedAccount:
        return self._c._one(specs.account_get(account_id))

    def create(
        self, api_token: str, *, base_url: str | None = None, integration: str = "chorus"
    ) -> m.IntegratedAccount:
        """Link an account server-side (the token is validated live first)."""
        return self._c._one(specs.account_create(api_token, base_url, integration))

    def update(self, account_id: str, **body: Any) -> m.IntegratedAccount:
        """`credentials={"api_token": …}`, `settings={"base_url": …}`, `status=…`."""
        return self._c._one(specs.account_update(account_id, body))

    def delete(self, account_id: str) -> JSON:
        return self._c._one(specs.account_delete(account_id))

    def validate(self, account_id: str) -> m.IntegratedAccount:
        return self._c._one(specs.account_validate(account_id))


class Sync(_Resource):
    """Sync runs."""

    def start(self, integrated_account_id: str | None = None, *, full: bool = False) -> m.SyncRun:
        """Queue a run (or get the account's run already queued or running)."""
        return self._c._one(specs.sync_start(self._c._account(integrated_account_id), full))

    def get(self, run_id: str) -> m.SyncRun:
        return self._c._one(specs.sync_get(run_id))

    def list(
        self, integrated_account_id: str | None = None, *, limit: int | None = None
    ) -> Paginator[m.SyncRun]:
        """Runs, newest first (every account of the tenant when no account is given)."""
        return self._c._many(specs.sync_list(integrated_account_id, limit))

    def wait(
        self,
        run_id: str,
        *,
        timeout: float = 300.0,
        interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> m.SyncRun:
        """Poll the run until it is `completed` or `failed` (TimeoutError after `timeout`)."""
        deadline = clock() + timeout
        while not (run := self.get(run_id)).finished:
            if clock() >= deadline:
                raise TimeoutError(f"sync run {run_id} is still {run.status}")
            self._c._sleep(interval)
        return run


class Deliveries(_Resource):
    """The webhook delivery log."""

    def list(self, **filters: Any) -> Paginator[m.WebhookDelivery]:
        """Newest first: `webhook_id`, `status`, `event_type`, `limit`."""
        return self._c._many(specs.deliveries_list(filters))

    def get(self, delivery_id: str) -> m.WebhookDelivery:
        return self._c._one(specs.delivery_get(delivery_id))

    def redeliver(self, delivery_id: str) -> m.WebhookDelivery:
        return self._c._one(specs.delivery_redeliver(delivery_id))


class Webhooks(_Resource):
    """Webhook subscriptions (verify deliveries with `parley.sdk.webhooks.verify`)."""

    def __init__(self, client: Runner) -> None:
        super().__init__(client)
        self.deliveries = Deliveries(client)

    def create(self, url: str, events: Sequence[str]) -> m.Webhook:
        """The subscription with its `secret`, returned this once."""
        return self._c._one(specs.webhook_create(url, _List(events)))

    def list(self) -> Paginator[m.Webhook]:
        return self._c._many(specs.webhooks_list())

    def get(self, webhook_id: str) -> m.Webhook:
        return self._c._one(specs.webhook_get(webhook_id))

    def update(self, webhook_id: str, **body: Any) -> m.Webhook:
        """`url=…`, `events=[…]`, `enabled=False` (pause) / `True` (resume)."""
        return self._c._one(specs.webhook_update(webhook_id, body))

    def delete(self, webhook_id: str) -> JSON:
        return self._c._one(specs.webhook_delete(webhook_id))

    def test(self, webhook_id: str) -> m.WebhookDelivery:
        """Send a signed `webhook.test` event now; its delivery, with the attempt made."""
        return self._c._one(specs.webhook_test(webhook_id))


class _Records(_Resource, Generic[R]):
    kind = ""

    def upsert(
        self, external_id: str, integrated_account_id: str | None = None, **fields: Any
    ) -> R:
        """Create or replace the record (every field is replaced)."""
        account = self._c._account(integrated_account_id)
        call: Call[R] = specs.crm_upsert(self.kind, account, external_id, fields)
        return self._c._one(call)

    def batch(
        self, rows: Sequence[JSON], integrated_account_id: str | None = None
    ) -> m.BatchResult:
        """Up to 1,000 rows, each `{external_id, …}`; good rows are stored regardless."""
        account = self._c._account(integrated_account_id)
        return self._c._one(specs.crm_batch(self.kind, account, _List(rows)))

    def get(self, external_id: str, integrated_account_id: str | None = None) -> R:
        account = self._c._account(integrated_account_id)
        call: Call[R] = specs.crm_get(self.kind, account, external_id)
        return self._c._one(call)

    def delete(self, external_id: str, integrated_account_id: str | None = None) -> JSON:
        account = self._c._account(integrated_account_id)
        return self._c._one(specs.crm_delete(self.kind, account, external_id))

    def activities(
        self,
        external_id: str,
        integrated_account_id: str | None = None,
        *,
        limit: int | None = None,
    ) -> Paginator[m.Activity]:
        """The record's call log: matched stored meetings, newest first."""
        account = self._c._account(integrated_account_id)
        return self._c._many(specs.crm_activities(self.kind, account, external_id, limit))


class Contacts(_Records[m.Contact]):
    kind = "contacts"

    def list(
        self,
        integrated_account_id: str | None = None,
        *,
        email: str | None = None,
        limit: int | None = None,
    ) -> Paginator[m.Contact]:
        account = self._c._account(integrated_account_id)
        call: Call[Page[m.Contact]] = specs.crm_list(self.kind, account, email, limit)
        return self._c._many(call)


class Companies(_Records[m.Company]):
    kind = "companies"

    def list(
        self,
        integrated_account_id: str | None = None,
        *,
        domain: str | None = None,
        limit: int | None = None,
    ) -> Paginator[m.Company]:
        account = self._c._account(integrated_account_id)
        call: Call[Page[m.Company]] = specs.crm_list(self.kind, account, domain, limit)
        return self._c._many(call)


class Crm(_Resource):
    """The CRM call log: `crm.contacts`, `crm.companies`, `crm.unmatched_attendees(…)`."""

    def __init__(self, client: Runner) -> None:
        super().__init__(client)
        self.contacts = Contacts(client)
        self.companies = Companies(client)

    def unmatched_attendees(
        self, integrated_account_id: str | None = None, *, limit: int | None = None
    ) -> Paginator[m.UnmatchedAttendee]:
        account = self._c._account(integrated_account_id)
        return self._c._many(specs.crm_unmatched(account, limit))


def analytics_report(first: m.AnalyticsReport, more: _List[m.AnalyticsRow]) -> m.AnalyticsReport:
    """The report with every page's rows."""
    rows = [*first.result, *more]
    return first.model_copy(update={"result": rows, "next_cursor": None, "result_count": len(rows)})


# The insight routes (insights.md §1, §2, §4); tests/e2e/test_sdk_insights.py reads each live -----


class Snippets(_Resource):
    def list(self, **filters: Any) -> Paginator[im.Snippet]:
        """`rule_id`, `integrated_account_id`, `meeting_id`, `start_time_after`, …"""
        return self._c._many(specs.snippets_list(filters))


class KeywordRules(_Resource):
    def create(self, name: str, phrases: Sequence[str], **fields: Any) -> im.KeywordRule:
        body = {"name": name, "phrases": _List(phrases), **fields}
        return self._c._one(specs.rule_create(body))

    def list(self) -> Paginator[im.KeywordRule]:
        return self._c._many(specs.rules_list())

    def get(self, rule_id: str) -> im.KeywordRule:
        return self._c._one(specs.rule_get(rule_id))

    def update(self, rule_id: str, **body: Any) -> im.KeywordRule:
        return self._c._one(specs.rule_update(rule_id, body))

    def delete(self, rule_id: str) -> JSON:
        return self._c._one(specs.rule_delete(rule_id))


class Deals(_Resource):
    def list(self, integrated_account_id: str | None = None, **filters: Any) -> Paginator[im.Deal]:
        """`level`, `min_score`, `sort` (`score` or `last_meeting`), `limit`."""
        account = self._c._account(integrated_account_id)
        return self._c._many(specs.deals_list(account, filters))

    def get(self, opportunity_id: str, integrated_account_id: str | None = None) -> im.Deal:
        account = self._c._account(integrated_account_id)
        return self._c._one(specs.deal_get(account, opportunity_id))


class RiskSettingsResource(_Resource):
    def get(self) -> im.RiskSettings:
        return self._c._one(specs.risk_settings_get())

    def put(self, **settings: Any) -> im.RiskSettings:
        return self._c._one(specs.risk_settings_put(settings))


class UserMappings(_Resource):
    def put(
        self, app_user_id: str, integrated_account_id: str | None = None, **body: Any
    ) -> im.UserMapping:
        """`provider_user_id=…` or `email=…`, and `role` (`member`, `manager`, `admin`)."""
        account = self._c._account(integrated_account_id)
        return self._c._one(specs.mapping_put(account, app_user_id, body))

    def batch(self, rows: Sequence[JSON], integrated_account_id: str | None = None) -> JSON:
        account = self._c._account(integrated_account_id)
        return self._c._one(specs.mappings_batch(account, _List(rows)))

    def get(self, app_user_id: str, integrated_account_id: str | None = None) -> im.UserMapping:
        account = self._c._account(integrated_account_id)
        return self._c._one(specs.mapping_get(account, app_user_id))

    def list(
        self, integrated_account_id: str | None = None, *, limit: int | None = None
    ) -> Paginator[im.UserMapping]:
        account = self._c._account(integrated_account_id)
        return self._c._many(specs.mappings_list(account, limit))

    def delete(self, app_user_id: str, integrated_account_id: str | None = None) -> JSON:
        account = self._c._account(integrated_account_id)
        return self._c._one(specs.mapping_delete(account, app_user_id))


class ScopedTokens(_Resource):
    def create(
        self,
        app_user_id: str,
        integrated_account_id: str | None = None,
        *,
        ttl_seconds: int | None = None,
    ) -> im.ScopedToken:
        """A `pst_…` token for a browser or an agent: reads and coaching, as that user."""
        account = self._c._account(integrated_account_id)
        return self._c._one(specs.scoped_token_create(account, app_user_id, ttl_seconds))
