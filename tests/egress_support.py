"""Egress test support: loopback listeners that count connections, an injected resolver,
and a connector that records where it was asked to connect (real sockets, loopback only)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Sequence

import httpcore
import pytest


class Listener:
    """A real TCP server on a free loopback port that counts accepted connections."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.accepted = 0
        self.port = 0
        #: the status line every request is answered with
        self.status = "204 No Content"
        #: never answer (the client times out and hangs up)
        self.silent = False
        self._server: asyncio.Server | None = None

    async def start(self) -> Listener:
        self._server = await asyncio.start_server(self._accept, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        await reader.read(65536)
        if self.silent:
            await reader.read()  # until the client gives up
            writer.close()
            return
        answer = f"HTTP/1.1 {self.status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        writer.write(answer.encode())
        await writer.drain()
        writer.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@pytest.fixture(name="v4")
async def loopback_v4() -> AsyncIterator[Listener]:
    """A listener on 127.0.0.1."""
    listener = await Listener("127.0.0.1").start()
    yield listener
    await listener.close()


@pytest.fixture(name="v6")
async def loopback_v6() -> AsyncIterator[Listener]:
    """A listener on ::1."""
    listener = await Listener("::1").start()
    yield listener
    await listener.close()


class Dns:
    """An injected resolver: a mutable table, and every question it was asked."""

    def __init__(self, **table: str) -> None:
        self.table = {name.replace("_", "."): [address] for name, address in table.items()}
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.table[host]


class RecordingConnector(httpcore.AsyncNetworkBackend):
    """The real network, recording where it was asked to connect."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(
        self, host: str, port: int, *args: object, **kwargs: object
    ) -> httpcore.AsyncNetworkStream:
        self.calls.append((host, port))
        return await self._real.connect_tcp(host, port, *args, **kwargs)  # type: ignore[arg-type]

    async def sleep(self, seconds: float) -> None:
        await self._real.sleep(seconds)
