"""Injected faults: hidden rate limit (429 +/- Retry-After), 5xx, truncation, latency."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest

from parley.sandbox import FaultConfig, SandboxServer


async def _burst(
    server: SandboxServer, count: int, path: str = "/api/v1/teams"
) -> list[httpx.Response]:
    headers = {"Authorization": server.token}
    async with httpx.AsyncClient(
        base_url=server.url, headers=headers, timeout=60, verify=False
    ) as http:
        return list(await asyncio.gather(*(http.get(path) for _ in range(count))))


def _token_stats(server: SandboxServer) -> dict[str, Any]:
    entry: dict[str, Any] = server.stats()["tokens"][server.token]  # type: ignore[index]
    return entry


def test_fault_string_parses_every_knob() -> None:
    faults = FaultConfig.parse("rate=20,retry_after=0,errors=0.2,latency=50,truncate=0.05")

    assert faults == FaultConfig(
        error_rate=0.2,
        rate_limit_rps=20,
        rate_limit_retry_after=False,
        latency_ms=50,
        truncate_rate=0.05,
    )
    assert FaultConfig.parse("") == FaultConfig()


@pytest.mark.parametrize("spec", ["errors=2", "rate=x", "bogus=1", "latency", "retry_after=maybe"])
def test_bad_fault_strings_are_rejected(spec: str) -> None:
    with pytest.raises(ValueError):
        FaultConfig.parse(spec)


@pytest.mark.parametrize("retry_after", [True, False])
async def test_over_the_hidden_limit_gets_429(
    fresh: SandboxServer, validate: Any, retry_after: bool
) -> None:
    fresh.set_faults(FaultConfig(rate_limit_rps=5, rate_limit_retry_after=retry_after))

    responses = await _burst(fresh, 20)

    limited = [r for r in responses if r.status_code == 429]
    assert limited
    assert all(r.status_code in {200, 429} for r in responses)
    assert sum(r.status_code == 200 for r in responses) >= 5
    for response in limited:
        validate(response.json(), "#/components/schemas/Error")
        assert response.headers.get("retry-after") == ("1" if retry_after else None)
    stats = _token_stats(fresh)
    assert stats["max_requests_per_second"] <= 5
    assert stats["rate_limited"] == len(limited)


async def test_the_limit_is_a_rolling_one_second_window(fresh: SandboxServer) -> None:
    fresh.set_faults(FaultConfig(rate_limit_rps=3))
    await _burst(fresh, 6)

    await asyncio.sleep(1.1)
    after = await _burst(fresh, 1)

    assert after[0].status_code == 200


async def test_every_request_fails_at_error_rate_one(
    fresh: SandboxServer, admin: httpx.Client, validate: Any
) -> None:
    admin.put("/_sandbox/faults", json={"error_rate": 1.0}).raise_for_status()

    responses = await _burst(fresh, 24)

    assert {r.status_code for r in responses} <= {500, 502, 503, 504}
    for response in responses:
        if response.status_code == 500:
            validate(response.json(), "#/components/schemas/Error")
    assert _token_stats(fresh)["errors_injected"] == 24


async def test_part_of_requests_fail_at_a_partial_error_rate(fresh: SandboxServer) -> None:
    fresh.set_faults("errors=0.3")

    statuses = [r.status_code for r in await _burst(fresh, 60)]

    failed = sum(s >= 500 for s in statuses)
    assert 5 <= failed <= 35
    assert statuses.count(200) == 60 - failed


def test_truncated_bodies_keep_status_200(fresh: SandboxServer, fresh_client: httpx.Client) -> None:
    whole = fresh_client.get("/v3/engagements").content
    fresh.set_faults(FaultConfig(truncate_rate=1.0))

    cut = fresh_client.get("/v3/engagements")

    assert cut.status_code == 200
    assert len(cut.content) == len(whole) // 2
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)


def test_latency_slows_chorus_routes(
    fresh: SandboxServer, admin: httpx.Client, fresh_client: httpx.Client
) -> None:
    fresh.set_faults(FaultConfig(latency_ms=300))

    started = time.perf_counter()
    fresh_client.get("/api/v1/teams")
    elapsed = time.perf_counter() - started

    assert elapsed >= 0.3
    assert admin.get("/_sandbox/faults").json()["latency_ms"] == 300


def test_faults_spare_admin_and_media_routes(
    fresh: SandboxServer, admin: httpx.Client, fresh_client: httpx.Client
) -> None:
    row = next(
        r
        for r in fresh_client.get("/v3/engagements").json()["engagements"]
        if r["processing_state"] == "done" and not r["no_show"]
    )
    media = fresh_client.get(f"/api/v1/conversations/{row['engagement_id']}/media?info=true")
    fresh.set_faults(FaultConfig(error_rate=1.0, truncate_rate=1.0))

    assert admin.get("/_sandbox/stats").status_code == 200
    download = admin.get(media.json()["url"])
    assert download.status_code == 200
    assert download.content


def test_bad_fault_update_is_a_400(admin: httpx.Client) -> None:
    response = admin.put("/_sandbox/faults", json={"error_rate": 3})

    assert response.status_code == 400
    assert admin.get("/_sandbox/faults").json()["error_rate"] == 0.0
