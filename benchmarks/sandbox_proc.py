"""The Chorus sandbox in a child process, so neither its CPU nor its memory is measured."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection

import httpx

from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer

__all__ = ["LIMIT_RPS", "MIB", "RateBound", "serve_sandbox"]


def _serve(config: SandboxConfig, conn: Connection) -> None:
    with SandboxServer(config) as sandbox:
        conn.send((sandbox.url, sandbox.token))
        conn.recv()  # block until the parent says stop


@contextmanager
def serve_sandbox(config: SandboxConfig) -> Iterator[tuple[str, str]]:
    """A fresh sandbox in a child process with its stats reset; yields (url, token)."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_serve, args=(config, child), daemon=True)
    process.start()
    try:
        if not parent.poll(180):
            raise RuntimeError("the sandbox did not start within 180 s")
        url, token = parent.recv()
        httpx.post(f"{url}/_sandbox/stats/reset").raise_for_status()
        yield url, token
    finally:
        parent.send("stop")
        process.join(30)
        if process.is_alive():
            process.terminate()


#: The hidden request rate the rate-bound benchmarks set on the sandbox (issues 2 and 4).
LIMIT_RPS = 20
MIB = 1024 * 1024


@dataclass(frozen=True)
class RateBound:
    """A run against the sandbox's hidden limit: how close it came to the floor."""

    wall_s: float
    requests: int
    rate_limited: int
    peak_bytes: int

    @property
    def floor_s(self) -> float:
        """The fastest the hidden limit allows for this many requests."""
        return self.requests / LIMIT_RPS

    @property
    def over_floor(self) -> float:
        return self.wall_s / self.floor_s

    @property
    def share_429(self) -> float:
        return self.rate_limited / self.requests if self.requests else 0.0
