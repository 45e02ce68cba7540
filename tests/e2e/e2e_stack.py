"""Helpers for end-to-end tests: the Chorus sandbox and the Parley API, each on a socket."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from parley.api.app import create_app
from parley.config import Settings
from parley.runtime import Runtime
from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer, bind_socket
from parley.security import generate_secret_key

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
T = TypeVar("T")
POSTGRES_SKIP_REASON = "PostgreSQL case: set PARLEY_TEST_POSTGRES_URL to run it"


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on its own loop in a worker thread.

    Safe where the calling thread already runs a loop (Playwright's sync API does).
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def call(method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One HTTP request with a timeout generous enough for a loaded CI machine."""
    return httpx.request(method, url, timeout=60, **kwargs)


class ApiServer:
    """The Parley API served by uvicorn from a background thread (lifespan on)."""

    def __init__(self, settings: Settings) -> None:
        self._sock = bind_socket()
        host, port = self._sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        self.settings = settings.model_copy(update={"public_url": self.url})
        config = uvicorn.Config(
            create_app(self.settings), log_level="warning", lifespan="on", ws="none"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    def start(self) -> ApiServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Parley API failed to start")
            time.sleep(0.02)
        return self

    @property
    def thread_id(self) -> int | None:
        """The thread serving Parley: its log records are Parley's, not the test's."""
        return self._thread.ident

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)


@dataclass
class Stack:
    """A running sandbox + API, and a tenant with an API key."""

    sandbox: SandboxServer
    api: ApiServer
    api_key: str
    tenant_id: str

    @property
    def url(self) -> str:
        return self.api.url

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key or self.api_key}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def new_tenant_key(self, tenant: str) -> str:
        """An API key of another tenant."""
        key, _ = run_async(_create_key(self.api.settings, tenant))
        return key

    def link_account(self, client: httpx.Client, token: str | None = None) -> str:
        body = {
            "integration": "chorus",
            "credentials": {"api_token": token or self.sandbox.token},
            "settings": {"base_url": self.sandbox.url},
        }
        response = client.post("/integrated-accounts", json=body)
        assert response.status_code == 201, response.text
        account_id: str = response.json()["id"]
        return account_id


def database_url(backend: str, tmp: Path, server: Any) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp / 'parley.db'}", None
    if server is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    name = server.new_name()
    run_async(server.create(name))
    return server.url_of(name), name


async def _create_key(settings: Settings, tenant: str) -> tuple[str, str]:
    runtime = await Runtime.start(settings)
    try:
        view = await runtime.tenants.get_or_create(tenant)
        key, _ = await runtime.api_keys.create_key(tenant)
        return key, view.id
    finally:
        await runtime.close()


def start_stack(settings: Settings, sandbox_config: SandboxConfig) -> Stack:
    """Sandbox, a tenant with a key, then the API (which migrates on start)."""
    sandbox = SandboxServer(sandbox_config).start()
    # Like a deployment pointed at its Chorus host: accounts linked without a base URL use it.
    settings = settings.model_copy(update={"chorus_base_url": sandbox.url})
    key, tenant_id = run_async(_create_key(settings, "acme"))
    api = ApiServer(settings).start()
    return Stack(sandbox=sandbox, api=api, api_key=key, tenant_id=tenant_id)


def stack_settings(tmp: Path, database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=SecretStr(generate_secret_key()),
        key_file=tmp / "parley.key",
        # The sandbox and the tests' webhook receivers listen on 127.0.0.1 (random ports).
        egress_allow="127.0.0.1",
        # The suites fire requests as fast as the machine allows (Schemathesis: hundreds a
        # second); the per-key limit has its own tests (tests/integration/api).
        api_rate_limit=10_000,
        api_rate_burst=10_000,
    )


async def sync_account(stack: Stack, account: str) -> dict[str, Any]:
    """A full sync of `account` run in this process to its end; the completed run's counts."""
    runtime = await Runtime.start(stack.api.settings)
    try:
        run, _ = await runtime.sync.create(None, account, full=True)
        done = await runtime.sync_executor.execute(run.id)
        assert done.status == "completed", done
        return dict(done.counts)
    finally:
        await runtime.close()


@contextmanager
def synced_stack(
    backend: str, tmp: Path, postgres_server: Any, sandbox: SandboxConfig
) -> Iterator[tuple[Stack, str]]:
    """A stack on `backend` with one account linked to `sandbox` and fully synced (no
    schedule, a generous rate); stopped, its PostgreSQL database dropped, after the block."""
    url, pg_name = database_url(backend, tmp, postgres_server)
    settings = stack_settings(tmp, url).model_copy(
        update={"chorus_rate_limit": 500.0, "sync_interval": timedelta(0)}
    )
    stack = start_stack(settings, sandbox)
    try:
        with stack.client() as client:
            account = stack.link_account(client)
        run_async(sync_account(stack, account))
        yield stack, account
    finally:
        stack.api.stop()
        stack.sandbox.stop()
        if pg_name is not None and postgres_server is not None:
            run_async(postgres_server.drop(pg_name))
