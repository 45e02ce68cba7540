"""The link page is no port-scanning oracle: only a refused token gets its own sentence.

A closed port, a silent one, another host's HTTP status and a provider outage all read the
same generic sentence, with no status, exception name or timing word in the page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from egress_support import (
    Listener,
    loopback_v4,  # noqa: F401 (fixture v4)
)
from parley.api.app import create_app
from parley.config import Settings
from parley.runtime import Runtime
from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer
from parley.security import Vault
from parley.storage import Database
from parley.web.routes import GENERIC_FAILURE

LOW_LEVEL = ("HTTP", "404", "500", "503", "timeout", "Timeout", "ConnectError", "refused")


@pytest.fixture(scope="module")
def sandbox() -> AsyncIterator[SandboxServer] | object:
    with SandboxServer(SandboxConfig(seed=8, meetings=3)) as server:
        yield server


@pytest.fixture
async def page(
    database: Database, vault: Vault, settings: Settings, sandbox: SandboxServer
) -> AsyncIterator[tuple[Runtime, httpx.AsyncClient]]:
    # 127.0.0.1 is allowed (the settings fixture): these are failures past the policy.
    quick = settings.model_copy(update={"http_max_attempts": 1, "http_timeout": 0.5})
    runtime = Runtime(quick, database, vault)
    transport = httpx.ASGITransport(app=create_app(quick, runtime=runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        yield runtime, client
    assert runtime.http.pool is not None
    await runtime.http.pool.aclose()


async def _submit(
    page: tuple[Runtime, httpx.AsyncClient], api_token: str, base_url: str
) -> httpx.Response:
    runtime, client = page
    tenant = await runtime.tenants.get_or_create("acme")
    token, _ = await runtime.link_tokens.create(tenant.id, "chorus")
    form = {"api_token": api_token, "base_url": base_url}
    response = await client.post(f"/link/{token}", data=form)
    assert response.status_code == 400
    return response


def _error_of(response: httpx.Response) -> str:
    text = response.text.split('id="link-error">', 1)[1]
    return text.split("</div>", 1)[0]


@pytest.mark.parametrize("answer", ["closed", "silent", "404 Not Found", "503 Unavailable"])
async def test_network_failures_all_read_the_same_sentence(
    page: tuple[Runtime, httpx.AsyncClient], v4: Listener, sandbox: SandboxServer, answer: str
) -> None:
    if answer == "closed":
        await v4.close()
    elif answer == "silent":
        v4.silent = True
    else:
        v4.status = answer

    response = await _submit(page, sandbox.token, f"http://127.0.0.1:{v4.port}")

    assert _error_of(response) == GENERIC_FAILURE.replace("'", "&#39;")
    assert not [word for word in LOW_LEVEL if word in _error_of(response)]
    if answer != "closed":
        assert v4.accepted == 1  # it was reached (allowed), and the page still says nothing


async def test_a_refused_token_says_so(
    page: tuple[Runtime, httpx.AsyncClient], sandbox: SandboxServer
) -> None:
    response = await _submit(page, "not-the-token", sandbox.url)
    error = _error_of(response)
    assert error.startswith("Chorus did not accept this API token.")
    assert "not-the-token" not in response.text
    assert not [word for word in LOW_LEVEL if word in error]
