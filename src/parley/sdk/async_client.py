"""`parley.sdk.AsyncClient`: the `Client` surface for asyncio, on `httpx.AsyncClient`.

async with AsyncClient() as client:
    async for meeting in client.meetings.list(account_id, source="store"):
        ...
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

import httpx

from parley.sdk import async_resources as r
from parley.sdk import models as m
from parley.sdk import specs
from parley.sdk.base import ClientConfig, judge, judge_failure, utc_now
from parley.sdk.calls import AsyncPaginator, Call
from parley.sdk.coaching import AsyncCoaching
from parley.sdk.resources import analytics_report
from parley.sdk.retry import RetryPolicy
from parley.unified import Page

__all__ = ["AsyncClient"]

T = TypeVar("T")


class AsyncClient:
    """An asyncio client; the arguments are `Client`'s (`sleep` is a coroutine function)."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        integrated_account_id: str | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], datetime] = utc_now,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.config = ClientConfig.resolve(api_key, base_url, integrated_account_id, retry, timeout)
        self._sleeper = sleep
        self._now = now
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(transport=transport, trust_env=False)
        self._http.base_url = httpx.URL(self.config.base_url)
        self._http.headers.update(self.config.headers())
        self._http.timeout = httpx.Timeout(timeout)
        self.meetings = r.AsyncMeetings(self)
        self.transcripts = r.AsyncTranscripts(self)
        self.users = r.AsyncUsers(self)
        self.teams = r.AsyncTeams(self)
        self.accounts = r.AsyncAccounts(self)
        self.sync = r.AsyncSync(self)
        self.webhooks = r.AsyncWebhooks(self)
        self.crm = r.AsyncCrm(self)
        # The insight resources (docs/sdk.md), each read live in tests/e2e/test_sdk_insights.py.
        self.snippets = r.AsyncSnippets(self)
        self.keyword_rules = r.AsyncKeywordRules(self)
        self.deals = r.AsyncDeals(self)
        self.risk_settings = r.AsyncRiskSettingsResource(self)
        self.user_mappings = r.AsyncUserMappings(self)
        self.scoped_tokens = r.AsyncScopedTokens(self)
        #: The coaching library: `.playlists` and `.comments`.
        self.coaching = AsyncCoaching(self)

    def search(
        self, q: str, integrated_account_id: str | None = None, **filters: Any
    ) -> AsyncPaginator[m.SearchHit]:
        """As `Client.search`."""
        account = integrated_account_id or self.config.integrated_account_id
        return self._many(specs.search(q, {"integrated_account_id": account, **filters}))

    async def analytics(
        self, integrated_account_id: str | None = None, **filters: Any
    ) -> m.AnalyticsReport:
        """As `Client.analytics`: every row, and the totals."""
        call = specs.analytics(self._account(integrated_account_id), {"limit": 500, **filters})
        first = await self._one(call)
        rows, cursor = [], first.next_cursor
        while cursor:
            page = await self._one(call.at_cursor(cursor))
            rows.extend(page.result)
            cursor = page.next_cursor
        return analytics_report(first, rows)

    async def request(self, call: Call[T]) -> T:
        """Send a call (retried per the policy) and parse its answer."""
        response = await self._send(call)
        return call.parse(response.content)

    async def _send(self, call: Call[Any]) -> httpx.Response:
        retries, waited = 0, 0.0
        policy = self.config.retry
        while True:
            try:
                response = await self._http.request(
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
            await self._sleeper(wait)
            retries, waited = retries + 1, waited + wait

    async def _one(self, call: Call[T]) -> T:
        return await self.request(call)

    def _many(self, call: Call[Page[T]]) -> AsyncPaginator[T]:
        return AsyncPaginator(self.request, call)

    def _account(self, given: str | None) -> str:
        return self.config.account(given)

    async def _sleep(self, seconds: float) -> None:
        await self._sleeper(seconds)

    async def aclose(self) -> None:
        """Close the connections (not those of an `http_client` you passed in)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"AsyncClient(base_url={self.config.base_url!r})"
