"""Scale mode end to end: `parley serve` queues, `parley worker` syncs, over real HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from scale_support import scale_env, scale_settings, start_worker, stop_worker

from parley.sandbox import SandboxConfig, SandboxServer

pytestmark = pytest.mark.postgres


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(client: httpx.Client, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while True:
        assert server.poll() is None, server.communicate()[1]
        try:
            if client.get("/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "parley serve did not come up"
        time.sleep(0.1)


def _scheduled_run(client: httpx.Client, account_id: str) -> dict[str, Any]:
    """Wait for a finished run the schedule started."""
    deadline = time.monotonic() + 40
    while True:
        runs = client.get("/sync-runs", params={"integrated_account_id": account_id}).json()
        for run in runs["result"]:
            if run["trigger"] == "schedule" and run["status"] in ("completed", "failed"):
                return dict(run)
        assert time.monotonic() < deadline, runs
        time.sleep(0.5)


def test_the_api_queues_syncs_and_workers_run_them_and_the_schedule(
    scale_database_url: str, tmp_path: Path
) -> None:
    # A one-second interval: the worker's schedule tick (every 10 s) finds the account due.
    settings = scale_settings(scale_database_url, tmp_path, sync_interval=timedelta(seconds=1))
    env = {**os.environ, **scale_env(settings)}
    parley = [sys.executable, "-m", "parley.cli"]
    key = subprocess.run(
        [*parley, "keys", "create", "--tenant", "acme"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.splitlines()[-1]
    port = _free_port()
    with SandboxServer(SandboxConfig(seed=7, meetings=12)) as sandbox:
        server = subprocess.Popen(
            [*parley, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        headers = {"Authorization": f"Bearer {key}"}
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                _wait_healthy(client, server)
                account = client.post(
                    "/integrated-accounts",
                    json={
                        "integration": "chorus",
                        "credentials": {"api_token": sandbox.token},
                        "settings": {"base_url": sandbox.url},
                    },
                ).json()
                started = client.post(f"/integrated-accounts/{account['id']}/sync")
                time.sleep(1.0)  # no worker yet: the API process itself never syncs
                waiting = client.get(f"/sync-runs/{started.json()['id']}").json()

                worker = start_worker(settings)
                try:
                    deadline = time.monotonic() + 60
                    run = waiting
                    while run["status"] not in ("completed", "failed"):
                        assert time.monotonic() < deadline, run
                        time.sleep(0.2)
                        run = client.get(f"/sync-runs/{run['id']}").json()
                    scheduled = _scheduled_run(client, account["id"])
                finally:
                    worker_code, worker_err = stop_worker(worker)
                meetings = client.get(
                    "/unified/conversational-intelligence/meetings",
                    params={"integrated_account_id": account["id"], "source": "store"},
                ).json()
        finally:
            server_code, server_err = stop_worker(server)

    assert started.status_code == 202
    assert waiting["status"] == "queued"
    assert run["status"] == "completed", run["errors"]
    assert run["counts"]["created"] == 12
    assert meetings["result_count"] == 12
    assert scheduled["status"] == "completed", scheduled["errors"]
    # Incremental (the look-back window only) and nothing changed at the provider.
    assert scheduled["full"] is False
    assert scheduled["counts"].get("created", 0) == scheduled["counts"].get("updated", 0) == 0
    assert worker_code == 0, worker_err
    # uvicorn re-raises the SIGTERM it handled once shut down: the exit says "by SIGTERM".
    assert server_code in (0, -signal.SIGTERM), server_err
    assert "Traceback" not in server_err
