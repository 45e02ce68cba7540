"""The egress policy's httpx transport: httpcore pools whose network vets each connection.

httpx cannot be given a network backend, so `EgressTransport` builds the httpcore pools
itself (one per origin, as one client per provider host had before) over `VettingBackend`,
which asks the policy for the vetted addresses of a host before it connects to one of them.
TLS still uses the URL's host name (SNI and certificate checks): httpcore takes it from the
request's origin, not from the address connected to.
"""

from __future__ import annotations

import asyncio
import typing
from collections.abc import Awaitable, Callable, Sequence

import httpcore
import httpx

from parley.errors import EgressRefusedError
from parley.http.client import shared_ssl_context

__all__ = ["Addresses", "EgressTransport", "VettingBackend"]

#: (host, port) -> the addresses it is safe to connect to (EgressRefusedError when none;
#: OSError when the name does not resolve)
Addresses = Callable[[str, int], Awaitable[Sequence[str]]]


class VettingBackend(httpcore.AsyncNetworkBackend):
    """Resolve through the policy; connect (through `connector`) only to vetted addresses.

    A refusal raises `EgressRefusedError`, which httpx passes through untouched: it is no
    transport error, so nothing retries it, and nothing was connected.
    """

    def __init__(self, addresses: Addresses, connector: httpcore.AsyncNetworkBackend) -> None:
        self._addresses = addresses
        self._connector = connector

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._addresses(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"{host} could not be resolved") from exc
        failure: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                return await self._connector.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise EgressRefusedError("Connections to Unix sockets are refused.")

    async def sleep(self, seconds: float) -> None:
        await self._connector.sleep(seconds)


class _OriginTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, over a pool that connects through `backend`."""

    def __init__(self, backend: httpcore.AsyncNetworkBackend, limits: httpx.Limits) -> None:
        super().__init__(verify=shared_ssl_context(), limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=shared_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class EgressTransport(httpx.AsyncBaseTransport):
    """Pooled, kept-alive connections per origin; every new one vetted by the policy.

    Shared by many clients: closing it closes its connections, and a later request opens
    new ones (a closed transport is not dead).
    """

    def __init__(self, backend: httpcore.AsyncNetworkBackend, *, max_connections: int) -> None:
        self._backend = backend
        self._limits = httpx.Limits(max_connections=max_connections)
        self._origins: dict[tuple[bytes, bytes, int | None], _OriginTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.raw_scheme, url.raw_host, url.port)
        transport = self._origins.get(key)
        if transport is None:
            transport = self._origins[key] = _OriginTransport(self._backend, self._limits)
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        transports, self._origins = list(self._origins.values()), {}
        for transport in transports:
            await transport.aclose()
