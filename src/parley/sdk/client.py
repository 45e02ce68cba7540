"""`parley.sdk.Client`: Parley's HTTP API from Python, on httpx (blocking).

from parley.sdk import Client

with Client() as client:                    # PARLEY_API_URL, PARLEY_API_KEY
    for meeting in client.meetings.list(account_id, source="store"):
        print(meeting.start_time, meeting.title)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

import httpx

from parley.sdk import models as m
from parley.sdk import resources as r
from parley.sdk import specs
from parley.sdk.base import ClientConfig, judge, judge_failure, utc_now
from parley.sdk.calls import Call, Paginator
from parley.sdk.coaching import Coaching
from parley.sdk.retry import RetryPolicy
from parley.unified import Page

__all__ = ["Client"]

T = TypeVar("T")


class Client:
    """A blocking client. Arguments override `PARLEY_API_URL`, `PARLEY_API_KEY` and
    `PARLEY_INTEGRATED_ACCOUNT_ID`; `api_key` may be an API key or a scoped token (`pst_…`).

    `sleep` and `now` are the waits between retries and the clock `Retry-After` dates are
    read against (inject them in tests); `transport` or `http_client` replace httpx's own.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        integrated_account_id: str | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = utc_now,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        self.config = ClientConfig.resolve(api_key, base_url, integrated_account_id, retry, timeout)
        self._sleeper = sleep
        self._now = now
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(transport=transport, trust_env=False)
        self._http.base_url = httpx.URL(self.config.base_url)
        self._http.headers.update(self.config.headers())
        self._http.timeout = httpx.Timeout(timeout)
        self.meetings = r.Meetings(self)
        self.transcripts = r.Transcripts(self)
        self.users = r.Users(self)
        self.teams = r.Teams(self)
        self.accounts = r.Accounts(self)
        self.sync = r.Sync(self)
        self.webhooks = r.Webhooks(self)
        self.crm = r.Crm(self)
        # The insight resources (docs/sdk.md), each read live in tests/e2e/test_sdk_insights.py.
        self.snippets = r.Snippets(self)
        self.keyword_rules = r.KeywordRules(self)
        self.deals = r.Deals(self)
        self.risk_settings = r.RiskSettingsResource(self)
        self.user_mappings = r.UserMappings(self)
        self.scoped_tokens = r.ScopedTokens(self)
        #: The coaching library: `.playlists` and `.comments`.
        self.coaching = Coaching(self)

    # Searches and reports --------------------------------------------------------------

    def search(
        self, q: str, integrated_account_id: str | None = None, **filters: Any
    ) -> Paginator[m.SearchHit]:
        """Transcript hits in the synced copy, best first (every account when none is
        given): `start_time_after`, `start_time_before`, `speaker_type`, `user_id`, `limit`."""
        account = integrated_account_id or self.config.integrated_account_id
        return self._many(specs.search(q, {"integrated_account_id": account, **filters}))

    def analytics(
        self, integrated_account_id: str | None = None, **filters: Any
    ) -> m.AnalyticsReport:
        """Team analytics with every row (the pages are followed): `group_by` (`user`,
        `team`, `week`), `start_time_after`, `start_time_before`, `user_id`, `team_id`."""
        call = specs.analytics(self._account(integrated_account_id), {"limit": 500, **filters})
        first = self._one(call)
        rows, cursor = [], first.next_cursor
        while cursor:
            page = self._one(call.at_cursor(cursor))
            rows.extend(page.result)
            cursor = page.next_cursor
        return r.analytics_report(first, rows)

    # Sending ---------------------------------------------------------------------------

    def request(self, call: Call[T]) -> T:
        """Send a call (retried per the policy) and parse its answer; raises from
        `parley.errors` on an error status."""
        response = self._send(call)
        return call.parse(response.content)

    def _send(self, call: Call[Any]) -> httpx.Response:
        retries, waited = 0, 0.0
        policy = self.config.retry
        while True:
            try:
                response = self._http.request(
                    call.method, call.path, params=call.params, json=call.body
                )
            except httpx.TransportError as exc:
                wait = judge_failure(call, exc, policy, retries=retries, waited=waited)
                if wait is None:
                    raise
            else:
                if response.status_code < 400:
                    return response
                outcome = judge(
                    call, response, policy, retries=retries, waited=waited, now=self._now
                )
                if outcome.error is not None:
                    raise outcome.error
                assert outcome.wait is not None
                wait = outcome.wait
            self._sleeper(wait)
            retries, waited = retries + 1, waited + wait

    def _one(self, call: Call[T]) -> T:
        return self.request(call)

    def _many(self, call: Call[Page[T]]) -> Paginator[T]:
        return Paginator(self.request, call)

    def _account(self, given: str | None) -> str:
        return self.config.account(given)

    def _sleep(self, seconds: float) -> None:
        self._sleeper(seconds)

    # Lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connections (not those of an `http_client` you passed in)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client(base_url={self.config.base_url!r})"
