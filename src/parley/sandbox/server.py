"""Run the sandbox with uvicorn: in a background thread (tests, demo) or in the foreground."""

from __future__ import annotations

import copy
import socket
import threading
import time
from types import TracebackType
from typing import Any, Self

import uvicorn

from parley.sandbox.app import build_app
from parley.sandbox.config import FaultConfig, QuirkConfig, SandboxConfig
from parley.sandbox.state import SandboxState

__all__ = ["SandboxServer", "bind_socket", "serve_forever"]

_START_TIMEOUT_S = 10.0


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket (port 0 picks a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)  # accept (queue) connections before uvicorn's loop is up
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _stderr_logging() -> dict[str, Any]:
    """uvicorn's logging, with access lines on stderr so stdout ends with the token."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["handlers"]["access"]["stream"] = "ext://sys.stderr"
    return config


def _uvicorn_config(state: SandboxState, *, quiet: bool) -> uvicorn.Config:
    return uvicorn.Config(
        build_app(state),
        lifespan="off",
        ws="none",
        log_level="warning" if quiet else "info",
        access_log=not quiet,
        log_config=None if quiet else _stderr_logging(),
        timeout_graceful_shutdown=2,
        timeout_keep_alive=30,  # idle keep-alive connections outlive slow test steps
    )


def serve_forever(config: SandboxConfig, sock: socket.socket) -> None:
    """Serve in the foreground until interrupted (Ctrl-C)."""
    server = uvicorn.Server(_uvicorn_config(SandboxState(config), quiet=False))
    server.run(sockets=[sock])


class SandboxServer:
    """A Chorus sandbox on 127.0.0.1, served from a background thread.

    Use as a context manager or with start()/stop(); `.url` is the base URL (no trailing
    slash) and `.token` an accepted API token.
    """

    def __init__(
        self, config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config or SandboxConfig()
        self.state = SandboxState(self.config)
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. `http://127.0.0.1:54321`."""
        if self._url is None:
            raise RuntimeError("SandboxServer is not running; call start() first")
        return self._url

    @property
    def token(self) -> str:
        """The first configured API token (acts as the org's admin user)."""
        return self.config.token

    @property
    def running(self) -> bool:
        """Whether the server thread is serving."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Self:
        """Bind, start serving in a daemon thread and wait until it accepts requests."""
        if self.running:
            return self
        sock = bind_socket(self._host, self._port)
        server = uvicorn.Server(_uvicorn_config(self.state, quiet=True))
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="parley-sandbox", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                sock.close()
                raise RuntimeError("the Chorus sandbox failed to start")
            time.sleep(0.01)
        self._server, self._thread, self._url = server, thread, _url(sock)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout=_START_TIMEOUT_S)
        self._server = self._thread = None
        self._url = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # Direct access to the same state the admin routes change (handy in tests).

    def set_faults(self, faults: FaultConfig | str) -> None:
        """Switch faults at runtime (a FaultConfig or a `FaultConfig.parse` string)."""
        self.state.set_faults(FaultConfig.parse(faults) if isinstance(faults, str) else faults)

    def set_quirks(self, quirks: QuirkConfig | str) -> None:
        """Switch paging quirks at runtime (a QuirkConfig or a `QuirkConfig.parse` string)."""
        self.state.set_quirks(QuirkConfig.parse(quirks) if isinstance(quirks, str) else quirks)

    def stats(self) -> dict[str, object]:
        """The `/_sandbox/stats` counters."""
        return self.state.stats_snapshot()

    def reset_stats(self) -> None:
        """Zero the counters."""
        self.state.reset_stats()
