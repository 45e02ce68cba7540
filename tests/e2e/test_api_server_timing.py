"""`Server-Timing` over real HTTP: Parley's own time beside the provider's."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from e2e_stack import Stack

UNIFIED = "/unified/conversational-intelligence"

_TIMING = re.compile(r"^provider;dur=(\d+\.\d{2}), parley;dur=(\d+\.\d{2})$")


def _timing(response: httpx.Response) -> tuple[float, float]:
    match = _TIMING.match(response.headers.get("server-timing", ""))
    assert match, response.headers.get("server-timing")
    return float(match[1]), float(match[2])


@pytest.fixture(scope="module")
def account(stack: Stack) -> Iterator[str]:
    with stack.client() as client:
        account_id = stack.link_account(client)
        yield account_id
        client.delete(f"/integrated-accounts/{account_id}")


@pytest.mark.parametrize(
    "path",
    [f"{UNIFIED}/meetings", "/proxy/chorus/v3/engagements"],
    ids=["unified", "proxy"],
)
def test_unified_and_proxy_responses_split_parley_time_from_the_provider(
    stack: Stack, account: str, path: str
) -> None:
    with stack.client() as client:
        response = client.get(path, params={"integrated_account_id": account})

    assert response.status_code == 200, response.text
    provider, parley = _timing(response)
    assert provider > 0
    assert parley >= 0


def test_errors_on_timed_routes_carry_server_timing_and_others_none(
    stack: Stack, account: str
) -> None:
    with stack.client() as client:
        missing = client.get(f"{UNIFIED}/meetings/no-such", params={"integrated_account_id": "x"})
        accounts = client.get("/integrated-accounts")

    assert missing.status_code == 404
    provider, _ = _timing(missing)
    assert provider == 0  # no provider was asked
    assert accounts.status_code == 200
    assert "server-timing" not in accounts.headers
