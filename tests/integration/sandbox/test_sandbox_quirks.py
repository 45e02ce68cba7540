"""Quirks and noise some Chorus deployments show: overlapping pages, an echoed last key, and
429s a gateway answers whatever the request rate."""

from __future__ import annotations

import email.utils
import itertools
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from parley.sandbox import FaultConfig, QuirkConfig, SandboxServer


def _pages(http: httpx.Client) -> list[dict[str, Any]]:
    bodies, params = [], {}
    while True:
        body = http.get("/v3/engagements", params=params).json()
        bodies.append(body)
        if not body["engagements"] or len(bodies) > 10:
            return bodies
        params = {"continuation_key": body["continuation_key"]}


def test_quirk_strings_parse() -> None:
    assert QuirkConfig.parse("page_overlap=3,repeat_last_key") == QuirkConfig(3, True)
    assert QuirkConfig.parse("overlap=1, repeat_last_key=false") == QuirkConfig(1, False)
    assert QuirkConfig.parse("") == QuirkConfig()


@pytest.mark.parametrize("spec", ["page_overlap=x", "page_overlap=100", "bogus", "echo=2"])
def test_bad_quirk_strings_are_rejected(spec: str) -> None:
    with pytest.raises(ValueError):
        QuirkConfig.parse(spec)


@pytest.mark.parametrize("overlap", [1, 3])
def test_each_page_starts_with_the_last_rows_of_the_previous_one(
    fresh: SandboxServer, fresh_client: httpx.Client, overlap: int
) -> None:
    fresh.state.store.add(150)  # 210 meetings: three pages
    plain = [[r["engagement_id"] for r in b["engagements"]] for b in _pages(fresh_client)]
    fresh.set_quirks(QuirkConfig(page_overlap=overlap))
    quirky = [[r["engagement_id"] for r in b["engagements"]] for b in _pages(fresh_client)]

    assert [len(p) for p in plain] == [100, 100, 10, 0]
    assert quirky[0] == plain[0]
    for previous, page in itertools.pairwise(quirky[:-1]):
        assert page[:overlap] == previous[-overlap:]
    assert quirky[-1] == []
    listed = [i for page in quirky for i in page]
    assert set(listed) == {i for page in plain for i in page}
    assert len(listed) > len(set(listed))


def test_the_empty_last_page_can_echo_the_key_it_was_asked_with(
    fresh: SandboxServer, fresh_client: httpx.Client
) -> None:
    fresh.set_quirks("repeat_last_key")

    bodies = _pages(fresh_client)

    assert [len(b["engagements"]) for b in bodies] == [60, 0]
    assert bodies[1]["continuation_key"] == bodies[0]["continuation_key"]


def test_quirks_switch_at_runtime_through_the_admin_api(admin: httpx.Client) -> None:
    answer = admin.put("/_sandbox/quirks", json={"page_overlap": 2, "repeat_last_key": True})

    assert answer.json() == {"page_overlap": 2, "repeat_last_key": True}
    assert admin.get("/_sandbox/quirks").json() == answer.json()
    assert admin.get("/_sandbox").json()["quirks"] == answer.json()
    assert admin.put("/_sandbox/quirks", json={"page_overlap": -1}).status_code == 400


def test_throttle_parses_with_its_retry_after() -> None:
    assert FaultConfig.parse("throttle=0.06") == FaultConfig(throttle_rate=0.06)
    dated = FaultConfig.parse("throttle=0.5,throttle_retry_after=date")
    assert dated.throttle_retry_after == "date"
    with pytest.raises(ValueError):
        FaultConfig.parse("throttle_retry_after=soon")


def test_throttled_requests_get_429_with_retry_after_whatever_the_rate(
    fresh: SandboxServer, fresh_client: httpx.Client, validate: Any
) -> None:
    fresh.set_faults(FaultConfig(throttle_rate=0.5))

    responses = [fresh_client.get("/api/v1/teams") for _ in range(40)]

    refused = [r for r in responses if r.status_code == 429]
    assert 5 < len(refused) < 35
    assert all(r.status_code in {200, 429} for r in responses)
    for response in refused:
        validate(response.json(), "#/components/schemas/Error")
        assert response.headers["retry-after"] == "1"
    stats = fresh.stats()
    assert stats["throttled"] == stats["rate_limited"] == len(refused)


def test_a_throttle_retry_after_can_be_an_http_date(
    fresh: SandboxServer, fresh_client: httpx.Client
) -> None:
    fresh.set_faults(FaultConfig(throttle_rate=1.0, throttle_retry_after="date"))

    response = fresh_client.get("/api/v1/teams")

    assert response.status_code == 429
    when = email.utils.parsedate_to_datetime(response.headers["retry-after"])
    wait = (when - datetime.now(UTC)).total_seconds()
    assert 0 < wait <= 2.5
