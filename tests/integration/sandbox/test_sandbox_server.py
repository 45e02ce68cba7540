"""SandboxServer's lifecycle and the package's public surface."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

import parley.sandbox
from parley.sandbox import SandboxConfig, SandboxServer


def test_public_surface_is_sorted_and_importable() -> None:
    names = parley.sandbox.__all__

    assert names == sorted(names)
    assert all(hasattr(parley.sandbox, name) for name in names)


def test_url_needs_a_running_server() -> None:
    server = SandboxServer(SandboxConfig(meetings=1))

    with pytest.raises(RuntimeError):
        _ = server.url


def test_start_stop_and_start_again(connect: Callable[..., httpx.Client]) -> None:
    server = SandboxServer(SandboxConfig(meetings=2))

    first = server.start().url
    assert server.start().url == first  # starting twice is harmless
    server.stop()
    server.stop()
    assert not server.running
    with server, connect(server.url, server.token) as http:
        assert server.url.startswith("http://127.0.0.1:")
        assert not server.url.endswith("/")
        assert len(http.get("/v3/engagements").json()["engagements"]) == 2
