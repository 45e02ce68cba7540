"""A process's shared provider connections: reused across clients, never their credentials."""

from __future__ import annotations

import httpx
import pytest

from parley.http import ConnectionPool, HttpOptions, ResilientClient, TokenBucketLimiter
from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer


def recording() -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    return httpx.MockTransport(handle), seen


def options(
    pool: ConnectionPool | None, transport: httpx.AsyncBaseTransport | None = None
) -> HttpOptions:
    return HttpOptions(limiter=TokenBucketLimiter(1000.0), pool=pool, transport=transport)


def account(
    opts: HttpOptions, token: str, base_url: str = "https://chorus.test"
) -> ResilientClient:
    return ResilientClient(
        base_url=base_url, limiter_key=token, options=opts, headers={"Authorization": token}
    )


async def test_accounts_share_connections_but_send_their_own_credentials() -> None:
    transport, seen = recording()
    pool = ConnectionPool()
    opts = options(pool, transport)
    first, second = account(opts, "token-a"), account(opts, "token-b")

    await first.request_json("GET", "/v3/engagements", headers={"Accept": "application/json"})
    await second.request_json("GET", "/v3/engagements")
    await first.aclose()  # a shared client stays open for the next account
    await account(opts, "token-c").request_json("GET", "/v3/users")

    assert [r.headers["Authorization"] for r in seen] == ["token-a", "token-b", "token-c"]
    assert seen[0].headers["Accept"] == "application/json"
    assert seen[1].headers["Accept"] == "*/*"  # the first request's header did not stick
    assert pool.client("https://chorus.test", opts) is pool.client("https://chorus.test", opts)
    await pool.aclose()


async def test_hosts_and_transports_get_clients_of_their_own() -> None:
    pool = ConnectionPool()
    real, other = options(pool), options(pool, recording()[0])

    assert pool.client("https://a.test", real) is not pool.client("https://b.test", real)
    assert pool.client("https://a.test", real) is not pool.client("https://a.test", other)
    await pool.aclose()


async def test_a_closed_pool_closes_its_clients_and_serves_no_more() -> None:
    pool = ConnectionPool()
    opts = options(pool, recording()[0])
    client = pool.client("https://chorus.test", opts)

    await pool.aclose()

    assert client.is_closed
    with pytest.raises(RuntimeError, match="closed"):
        account(opts, "token-a")


async def test_without_a_pool_a_client_closes_its_own_connections() -> None:
    transport, _ = recording()
    client = account(options(None, transport), "token-a")
    await client.request_json("GET", "/v3/engagements")

    await client.aclose()

    with pytest.raises(RuntimeError):  # httpx refuses to send on a closed client
        await client.request_json("GET", "/v3/engagements")


async def test_one_connection_serves_request_after_request_over_real_http() -> None:
    pool = ConnectionPool()
    opts = options(pool)
    with SandboxServer(SandboxConfig(seed=1, meetings=5)) as sandbox:
        for _ in range(3):
            client = account(opts, sandbox.token, sandbox.url)
            await client.request_json("GET", "/v3/engagements")
            await client.aclose()  # as every API request closes its provider
        shared = pool.client(sandbox.url, opts)
        # httpx keeps its transport private; httpcore's pool lists its connections.
        connections = shared._transport._pool.connections  # type: ignore[attr-defined]
        await pool.aclose()

    assert len(connections) == 1
