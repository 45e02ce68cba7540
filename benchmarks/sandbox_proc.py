"""The Chorus sandbox in a child process, so neither its CPU nor its memory is measured."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection

import httpx

from parley.sandbox.config import SandboxConfig
from parley.sandbox.server import SandboxServer

__all__ = ["serve_sandbox"]


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
