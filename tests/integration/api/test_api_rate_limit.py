"""Each API key's request budget, through the real app: 429 in the envelope past it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from api_app import App, serving

from parley.config import Settings
from parley.security.throttle import MemoryKeyRateLimiter

ROUTE = "/integrated-accounts"


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[App]:
    """Bursts of 3, then one request per 1,000 s: a spent budget stays spent in a test."""
    async with serving(
        settings.model_copy(update={"api_rate_limit": 0.001, "api_rate_burst": 3})
    ) as served:
        yield served


def assert_rate_limited(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    error: dict[str, Any] = response.json()["error"]
    assert (error["status"], error["code"], error["remote"]) == (429, "rate_limited", False)
    assert error["request_id"] == response.headers["x-request-id"]
    retry_after = int(response.headers["retry-after"])
    assert retry_after >= 1
    assert error["retry_after"] == retry_after
    return retry_after


async def test_a_key_past_its_burst_gets_429_with_retry_after(app: App) -> None:
    key = await app.new_key()

    statuses = [(await app.get(ROUTE, key)).status_code for _ in range(3)]
    refused = await app.get(ROUTE, key)

    assert statuses == [200, 200, 200]
    # One more request fits every 1,000 s.
    assert 990 <= assert_rate_limited(refused) <= 1000
    assert key not in refused.text


async def test_another_key_keeps_its_own_budget(app: App) -> None:
    spent, other = await app.new_key(), await app.new_key("globex")
    for _ in range(4):
        await app.get(ROUTE, spent)

    assert_rate_limited(await app.get(ROUTE, spent))
    assert [(await app.get(ROUTE, other)).status_code for _ in range(3)] == [200] * 3


async def test_wrong_or_missing_keys_never_spend_a_real_keys_budget(app: App) -> None:
    key = await app.new_key()

    wrong = [(await app.get(ROUTE, k)).status_code for k in (key + "x", "prl_nope") * 5]
    missing = [(await app.get(ROUTE, None)).status_code for _ in range(6)]

    # Each wrong credential has a budget of its own, spent on its 401s.
    assert wrong[:6] == [401] * 6
    assert set(wrong[6:]) == {429}
    # Without a credential there is no budget to spend: 401 every time.
    assert missing == [401] * 6
    assert [(await app.get(ROUTE, key)).status_code for _ in range(3)] == [200] * 3


async def test_health_and_static_assets_are_exempt(app: App) -> None:
    key = await app.new_key()
    for _ in range(4):
        await app.get(ROUTE, key)

    assert_rate_limited(await app.get(ROUTE, key))
    assert (await app.get("/health", key)).status_code == 200
    assert (await app.get("/static/parley.css", key)).status_code == 200


async def test_the_budget_refills_at_the_configured_rate(app: App) -> None:
    now = [100.0]
    # The runtime's seam: the same limiter, on a clock the test moves.
    app.runtime.api_rate_limiter = MemoryKeyRateLimiter(2, 2, clock=lambda: now[0])
    key = await app.new_key()

    first = [(await app.get(ROUTE, key)).status_code for _ in range(2)]
    assert assert_rate_limited(await app.get(ROUTE, key)) == 1  # 0.5 s, rounded up
    now[0] += 0.5
    refilled = (await app.get(ROUTE, key)).status_code
    after = await app.get(ROUTE, key)

    assert first == [200, 200]
    assert refilled == 200
    assert_rate_limited(after)


async def test_a_zero_rate_turns_the_limit_off(settings: Settings) -> None:
    async with serving(settings.model_copy(update={"api_rate_limit": 0})) as app:
        key = await app.new_key()
        statuses = {(await app.get(ROUTE, key)).status_code for _ in range(120)}

    assert app.runtime.api_rate_limiter is None
    assert statuses == {200}


async def test_a_page_signed_in_by_its_cookie_spends_the_credentials_budget(app: App) -> None:
    key = await app.new_key()
    cookie = {"Cookie": f"parley_session={key}"}
    # /app redirects to the dashboard: an answer that costs no database read.
    pages = [(await app.client.get("/app", headers=cookie)).status_code for _ in range(2)]
    api = await app.get(ROUTE, key)  # the same credential over Bearer: the same budget
    refused = await app.client.get("/app", headers=cookie)

    assert pages == [303, 303]
    assert api.status_code == 200
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert "Too many requests" in refused.text
    assert 990 <= int(refused.headers["retry-after"]) <= 1000
    assert key not in refused.text
    assert_rate_limited(await app.get(ROUTE, key))
