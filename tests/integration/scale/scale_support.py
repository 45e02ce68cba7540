"""Helpers for the scale-mode tests: child processes, sandbox counters."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

from pydantic import SecretStr
from sqlalchemy import select

from parley.config import Settings
from parley.runtime import Runtime
from parley.sandbox import SandboxServer
from parley.security import generate_secret_key
from parley.storage import SyncRun
from parley.sync import RunStatus, SyncRunView

HERE = Path(__file__).resolve().parent


def python_process(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """A child Python process (this interpreter) with pipes for a ready/go handshake."""
    return subprocess.Popen(
        [sys.executable, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def token_stats(sandbox: SandboxServer, token: str) -> dict[str, Any]:
    """The sandbox's counters for one token."""
    tokens = cast(dict[str, dict[str, Any]], sandbox.stats()["tokens"])
    return tokens[token]


def scale_settings(database_url: str, tmp_path: Path, **overrides: object) -> Settings:
    """Scale-mode settings on the test database, with short worker heartbeats."""
    values: dict[str, object] = {
        "database_url": database_url,
        "mode": "scale",
        "secret_key": SecretStr(generate_secret_key()),
        "key_file": tmp_path / "parley.key",
        "sync_concurrency": 4,
        "worker_heartbeat_interval": 0.5,
        "worker_stalled_timeout": 2.0,
        "webhook_poll_interval": 0.2,
        "egress_allow": "127.0.0.1",  # the sandbox and receivers listen there
        **overrides,
    }
    return Settings.model_validate(values)


def scale_env(settings: Settings) -> dict[str, str]:
    """PARLEY_* variables that give a child process the same settings."""
    env = {
        "PARLEY_DATABASE_URL": settings.database_url,
        "PARLEY_MODE": settings.mode,
        "PARLEY_KEY_FILE": str(settings.key_file),
        "PARLEY_CHORUS_RATE_LIMIT": str(settings.chorus_rate_limit),
        "PARLEY_SYNC_CONCURRENCY": str(settings.sync_concurrency),
        "PARLEY_SYNC_INTERVAL": f"PT{int(settings.sync_interval.total_seconds())}S",
        "PARLEY_WORKER_HEARTBEAT_INTERVAL": str(settings.worker_heartbeat_interval),
        "PARLEY_WORKER_STALLED_TIMEOUT": str(settings.worker_stalled_timeout),
        "PARLEY_WORKER_SHUTDOWN_TIMEOUT": str(settings.worker_shutdown_timeout),
        "PARLEY_WEBHOOK_POLL_INTERVAL": str(settings.webhook_poll_interval),
        "PARLEY_LOG_LEVEL": "WARNING",
        "PARLEY_EGRESS_ALLOW": settings.egress_allow,
    }
    if settings.secret_key is not None:
        env["PARLEY_SECRET_KEY"] = settings.secret_key.get_secret_value()
    if settings.chorus_max_rate is not None:
        env["PARLEY_CHORUS_MAX_RATE"] = str(settings.chorus_max_rate)
    return env


def start_worker(settings: Settings, *, concurrency: int = 1) -> subprocess.Popen[str]:
    """`parley worker` in a child process with `settings`."""
    return subprocess.Popen(
        [sys.executable, "-m", "parley.cli", "worker", "--concurrency", str(concurrency)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **scale_env(settings)},
    )


def stop_worker(process: subprocess.Popen[str], *, timeout: float = 20.0) -> tuple[int, str]:
    """SIGTERM (a clean stop), then the exit code and stderr; SIGKILL if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    return process.returncode, err


async def wait_finished(
    runtime: Runtime, run_ids: list[str], *, timeout: float = 60.0
) -> list[SyncRunView]:
    """Poll until every run is completed or failed."""
    deadline = time.monotonic() + timeout
    while True:
        views = [await runtime.sync.get(None, run_id) for run_id in run_ids]
        if all(v.status in (RunStatus.COMPLETED, RunStatus.FAILED) for v in views):
            return views
        assert time.monotonic() < deadline, f"runs not finished in {timeout} s: {views}"
        await asyncio.sleep(0.2)


async def run_workers(runtime: Runtime) -> dict[str, str | None]:
    """run id -> the worker that executed it (`host:pid:…`)."""
    async with runtime.db.session() as session:
        rows = (await session.execute(select(SyncRun.id, SyncRun.worker))).all()
    return {str(run_id): worker for run_id, worker in rows}


@dataclass(frozen=True)
class Delivered:
    """One webhook request as the receiver saw it."""

    webhook_id: str
    payload: Any


class _Handler(BaseHTTPRequestHandler):
    server: _Receiving

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with self.server.lock:
            self.server.delivered.append(Delivered(self.headers["webhook-id"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Receiving(ThreadingHTTPServer):
    daemon_threads = True
    lock: threading.Lock
    delivered: list[Delivered]


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, list[Delivered]]]:
    """A local webhook endpoint answering 204: (its URL, what it received so far)."""
    server = _Receiving(("127.0.0.1", 0), _Handler)
    server.lock, server.delivered = threading.Lock(), []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", server.delivered
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
