"""The real Parley app in process, over httpx's ASGI transport, on a runtime the test owns."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from parley.api.app import create_app
from parley.config import Settings
from parley.runtime import Runtime


@dataclass
class App:
    """A served app: its runtime (seams included) and a client without credentials."""

    runtime: Runtime
    client: httpx.AsyncClient

    async def new_key(self, tenant: str = "acme") -> str:
        key, _ = await self.runtime.api_keys.create_key(tenant)
        return key

    async def get(self, path: str, key: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
        return await self.client.get(path, headers=headers)


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[App]:
    """The app of `settings` (migrated database, no background work)."""
    runtime = await Runtime.start(settings)
    try:
        app = create_app(settings, runtime=runtime)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
            yield App(runtime, client)
    finally:
        await runtime.close()
