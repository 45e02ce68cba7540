"""Record a provider's HTTP answers once, replay them in process: the provider's cost removed.

`Recorder` forwards every request over the network and keeps the answer's status, headers and
raw (still encoded) body by method and URL; `Replayer` answers the same requests from that
tape, so the client still decodes, parses and maps every byte as it would from the network.
"""

from __future__ import annotations

import httpx

__all__ = ["Recorder", "Replayer", "Tape"]

#: (method, URL) -> (status, raw headers, raw body)
Tape = dict[tuple[str, str], tuple[int, list[tuple[bytes, bytes]], bytes]]


class Recorder(httpx.AsyncBaseTransport):
    """Sends over the network and records every answer on `tape`."""

    def __init__(self, tape: Tape) -> None:
        self._tape = tape
        self._network = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._network.handle_async_request(request)
        try:
            body = b"".join([chunk async for chunk in response.aiter_raw()])
        finally:
            await response.aclose()
        headers = list(response.headers.raw)
        self._tape[(request.method, str(request.url))] = (response.status_code, headers, body)
        return httpx.Response(response.status_code, headers=headers, content=body)

    async def aclose(self) -> None:
        await self._network.aclose()


class Replayer(httpx.AsyncBaseTransport):
    """Answers from a tape; a request that was never recorded is an error, not a guess."""

    def __init__(self, tape: Tape) -> None:
        self._tape = tape

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = (request.method, str(request.url))
        if key not in self._tape:
            raise httpx.ConnectError(f"not on the tape: {key[0]} {key[1]}", request=request)
        status, headers, body = self._tape[key]
        return httpx.Response(status, headers=headers, content=body)
