"""The SSRF suite: every refused form through every entry point, over the real app.

Each case asserts the refusal a caller sees (400 `egress_refused` in the envelope; the plain
sentence on the link page; a refused attempt in the delivery log) and that nothing was
connected: the listener on the refused loopback address saw no connection, and the
connector (the real network, recording) was asked for nothing but the allowed sandbox.
Names resolve through an injected resolver; no traffic leaves 127.0.0.1 and ::1.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from egress_support import Dns, Listener, RecordingConnector, loopback_v4, loopback_v6  # noqa: F401 (fixtures v4, v6)
from parley.api.app import create_app
from parley.config import Settings
from parley.runtime import Runtime
from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.security import Vault
from parley.security.egress import EgressPolicy
from parley.storage import Database, IntegratedAccountRepository
from parley.storage.repositories.webhooks import WebhookRepository

PUBLIC = "93.184.216.34"  # what names answer "at save time"; never connected to


@dataclass(frozen=True)
class Case:
    url: str  # {v4}, {v6}: the ports of the loopback listeners
    listener: str | None  # the listener on the refused address, if it can be bound
    webhooks: bool = True  # not-a-Chorus-host is no rule for webhooks

    def on(self, v4: Listener, v6: Listener) -> str:
        return self.url.format(v4=v4.port, v6=v6.port)


CASES = {
    "metadata": Case("http://169.254.169.254/latest/meta-data", None),
    "loopback": Case("http://127.0.0.1:{v4}", "v4"),
    "private": Case("http://10.0.0.5", None),
    "ipv6-loopback": Case("http://[::1]:{v6}", "v6"),
    "hex": Case("http://0x7f000001:{v4}", "v4"),
    "decimal": Case("http://2130706433:{v4}", "v4"),
    "octal": Case("http://0177.0.0.1:{v4}", "v4"),
    "short": Case("http://127.1:{v4}", "v4"),
    "ipv4-mapped": Case("http://[::ffff:127.0.0.1]:{v4}", "v4"),
    "name-to-loopback": Case("https://loopback.chorus.ai:{v4}", "v4"),
    "name-to-ipv6-loopback": Case("https://six.chorus.ai:{v6}", "v6"),
    "no-https": Case("http://chorus.ai", None),
    "not-chorus": Case("https://example.com", None, webhooks=False),
}
WEBHOOK_CASES = {name: case for name, case in CASES.items() if case.webhooks}


@dataclass
class World:
    api: httpx.AsyncClient
    runtime: Runtime
    database: Database
    tenant_id: str
    sandbox: SandboxServer
    dns: Dns
    connector: RecordingConnector
    v4: Listener
    v6: Listener

    def nothing_connected(self, case: Case) -> None:
        """No listener saw a connection; the network was asked for the sandbox only."""
        assert self.v4.accepted == self.v6.accepted == 0
        sandbox = ("127.0.0.1", int(urlsplit(self.sandbox.url).port or 0))
        assert [call for call in self.connector.calls if call != sandbox] == []

    async def link(self) -> str:
        body = {
            "integration": "chorus",
            "credentials": {"api_token": self.sandbox.token},
            "settings": {"base_url": self.sandbox.url},
        }
        response = await self.api.post("/integrated-accounts", json=body)
        assert response.status_code == 201, response.text
        account_id: str = response.json()["id"]
        return account_id

    async def webhook(self, url: str = "https://hooks.example.com/hook") -> str:
        created = await self.api.post("/webhooks", json={"url": url, "events": ["*"]})
        assert created.status_code == 201, created.text
        webhook_id: str = created.json()["id"]
        return webhook_id


@pytest.fixture(scope="module")
def sandbox() -> AsyncIterator[SandboxServer] | Any:
    with SandboxServer(SandboxConfig(seed=9, meetings=5)) as server:
        yield server


@pytest.fixture
async def world(
    database: Database,
    vault: Vault,
    settings: Settings,
    sandbox: SandboxServer,
    v4: Listener,
    v6: Listener,
) -> AsyncIterator[World]:
    # Exactly the sandbox is allowed: the listeners sit on neighbouring loopback ports.
    strict = settings.model_copy(
        update={
            "egress_allow": urlsplit(sandbox.url).netloc,
            "webhook_retry_schedule": "0,1h",
        }
    )
    dns = Dns(loopback_chorus_ai="127.0.0.1", six_chorus_ai="::1")
    for name in ("hooks.example.com", "example.com", "chorus.ai"):
        dns.table[name] = [PUBLIC]
    connector = RecordingConnector()
    egress = EgressPolicy.from_settings(strict, resolver=dns, connector=connector)
    runtime = Runtime(strict, database, vault, egress=egress)
    tenant = await runtime.tenants.get_or_create("acme")
    key, _ = await runtime.api_keys.create_key("acme")
    transport = httpx.ASGITransport(app=create_app(strict, runtime=runtime))
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://parley.test",
        headers={"Authorization": f"Bearer {key}"},
    ) as api:
        yield World(api, runtime, database, tenant.id, sandbox, dns, connector, v4, v6)
    # The database is the fixture's; the runtime's provider connections are its own.
    assert runtime.http.pool is not None
    await runtime.http.pool.aclose()


def _refused(response: httpx.Response, param: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["param"], error["remote"]) == ("egress_refused", param, False)
    assert "is refused" in error["message"]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_post_integrated_accounts_refuses(world: World, case: Case) -> None:
    body = {
        "integration": "chorus",
        "credentials": {"api_token": world.sandbox.token},
        "settings": {"base_url": case.on(world.v4, world.v6)},
    }
    _refused(await world.api.post("/integrated-accounts", json=body), "base_url")
    assert (await world.api.get("/integrated-accounts")).json()["result"] == []
    world.nothing_connected(case)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_patch_base_url_refuses_and_keeps_the_old_one(world: World, case: Case) -> None:
    account_id = await world.link()
    body = {"settings": {"base_url": case.on(world.v4, world.v6)}}

    _refused(await world.api.patch(f"/integrated-accounts/{account_id}", json=body), "base_url")
    account = (await world.api.get(f"/integrated-accounts/{account_id}")).json()
    assert account["settings"]["base_url"] == world.sandbox.url
    world.nothing_connected(case)


#: words of the policy's own messages, which the end customer must not read
NETWORK_DETAIL = ("refused", "loopback", "private", "link-local", "needs https", "resolves")


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_the_link_page_shows_a_plain_sentence(world: World, case: Case) -> None:
    token, _ = await world.runtime.link_tokens.create(world.tenant_id, "chorus")
    form = {"api_token": world.sandbox.token, "base_url": case.on(world.v4, world.v6)}

    page = await world.api.post(f"/link/{token}", data=form)

    assert page.status_code == 400
    assert "This address can&#39;t be used." in page.text
    shown = page.text.replace(form["base_url"], "")  # the form keeps what was typed
    assert not [word for word in NETWORK_DETAIL if word in shown]
    assert (await world.api.get(f"/link/{token}")).status_code == 200  # still usable
    world.nothing_connected(case)


@pytest.mark.parametrize("case", WEBHOOK_CASES.values(), ids=WEBHOOK_CASES.keys())
async def test_webhook_create_refuses(world: World, case: Case) -> None:
    body = {"url": f"{case.on(world.v4, world.v6)}/hook", "events": ["*"]}
    _refused(await world.api.post("/webhooks", json=body), "url")
    assert (await world.api.get("/webhooks")).json()["result"] == []
    world.nothing_connected(case)


@pytest.mark.parametrize("case", WEBHOOK_CASES.values(), ids=WEBHOOK_CASES.keys())
async def test_webhook_update_refuses_and_keeps_the_old_url(world: World, case: Case) -> None:
    webhook_id = await world.webhook()
    body = {"url": f"{case.on(world.v4, world.v6)}/hook"}

    _refused(await world.api.patch(f"/webhooks/{webhook_id}", json=body), "url")
    webhook = (await world.api.get(f"/webhooks/{webhook_id}")).json()
    assert webhook["url"] == "https://hooks.example.com/hook"
    world.nothing_connected(case)


async def _test_delivery(world: World, webhook_id: str) -> dict[str, Any]:
    sent = await world.api.post(f"/webhooks/{webhook_id}/test")
    assert sent.status_code == 200, sent.text
    delivery: dict[str, Any] = sent.json()
    return delivery


def _refused_attempt(delivery: dict[str, Any]) -> None:
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("egress_refused: ")
    assert delivery["status"] == "pending"  # retried on the schedule, like any failure
    assert delivery["last_error"] == attempt["error"]


async def test_a_delivery_after_a_dns_change_is_refused(world: World) -> None:
    url = f"https://rebind.example:{world.v4.port}/hook"
    world.dns.table["rebind.example"] = [PUBLIC]  # public when the subscription is saved
    webhook_id = await world.webhook(url)

    world.dns.table["rebind.example"] = ["127.0.0.1"]  # private when the event goes out
    delivery = await _test_delivery(world, webhook_id)

    _refused_attempt(delivery)
    assert "resolves to 127.0.0.1, a loopback address" in delivery["attempts"][0]["error"]
    assert world.dns.asked.count("rebind.example") == 2
    world.nothing_connected(CASES["name-to-loopback"])


@pytest.mark.parametrize("case", WEBHOOK_CASES.values(), ids=WEBHOOK_CASES.keys())
async def test_a_delivery_to_a_stored_refused_url_is_refused(world: World, case: Case) -> None:
    # As if saved under an older, looser policy: every delivery checks the URL again.
    webhook_id = await world.webhook()
    await _set(
        world.database, WebhookRepository, webhook_id, url=f"{case.on(world.v4, world.v6)}/h"
    )

    _refused_attempt(await _test_delivery(world, webhook_id))
    world.nothing_connected(case)


async def test_a_stored_base_url_that_now_resolves_to_loopback_is_refused_on_use(
    world: World,
) -> None:
    # Public when saved (written as it was then), loopback now: validate and reads refuse it.
    account_id = await world.link()
    world.dns.table["rebind.chorus.ai"] = ["127.0.0.1"]
    base_url = f"https://rebind.chorus.ai:{world.v4.port}"
    await _set(
        world.database, IntegratedAccountRepository, account_id, settings={"base_url": base_url}
    )

    validated = await world.api.post(f"/integrated-accounts/{account_id}/validate")
    listed = await world.api.get(
        "/unified/conversational-intelligence/meetings",
        params={"integrated_account_id": account_id},
    )

    for response in (validated, listed):
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "egress_refused"
    assert world.dns.asked.count("rebind.chorus.ai") == 2  # once per call: no retries
    world.nothing_connected(CASES["name-to-loopback"])


async def _set(
    database: Database, repository: Callable[..., Any], row_id: str, **values: Any
) -> None:
    async with database.session() as session:
        row = await repository(session).get(row_id)
        for name, value in values.items():
            setattr(row, name, value)
