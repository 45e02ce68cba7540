"""Sync over HTTP: start a run, watch it complete, find it in the list; tenants stay apart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_stack import BACKENDS, Stack, database_url, run_async, stack_settings, start_stack

from parley.sandbox.config import SandboxConfig


@pytest.fixture(scope="module", params=BACKENDS)
def sync_stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: Any,
) -> Iterator[Stack]:
    """A small stack whose provider budget does not slow the sync down."""
    tmp = tmp_path_factory.mktemp("sync-stack")
    url, pg_name = database_url(request.param, tmp, postgres_server)
    settings = stack_settings(tmp, url).model_copy(update={"chorus_rate_limit": 200.0})
    running = start_stack(settings, SandboxConfig(seed=12, meetings=60))
    try:
        yield running
    finally:
        running.api.stop()
        running.sandbox.stop()
        if pg_name is not None and postgres_server is not None:
            run_async(postgres_server.drop(pg_name))


def _wait_finished(client: httpx.Client, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        response = client.get(f"/sync-runs/{run_id}")
        assert response.status_code == 200, response.text
        run: dict[str, Any] = response.json()
        if run["status"] in ("completed", "failed") or time.monotonic() > deadline:
            return run
        time.sleep(0.1)


def test_sync_run_started_over_http_completes_and_is_listed(sync_stack: Stack) -> None:
    with sync_stack.client() as client:
        account_id = sync_stack.link_account(client)
        started = client.post(f"/integrated-accounts/{account_id}/sync", json={})
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]
        assert started.json()["status"] in ("queued", "running")

        run = _wait_finished(client, run_id)
        listed = client.get("/sync-runs", params={"integrated_account_id": account_id})

    assert run["status"] == "completed", run["errors"]
    assert run["integrated_account_id"] == account_id
    assert run["counts"]["created"] == 60
    assert run["started_at"]
    assert run["finished_at"]
    assert listed.status_code == 200
    body = listed.json()
    assert [r["id"] for r in body["result"]] == [run_id]
    assert body["result_count"] == 1
    assert body["next_cursor"] is None


def test_sync_runs_page_newest_first_with_cursors(sync_stack: Stack) -> None:
    with sync_stack.client() as client:
        account_id = sync_stack.link_account(client)
        ids = []
        for full in (False, True, False):
            response = client.post(f"/integrated-accounts/{account_id}/sync", json={"full": full})
            assert response.status_code == 202
            ids.append(response.json()["id"])
            assert _wait_finished(client, ids[-1])["status"] == "completed"
        seen, cursor = [], None
        while True:
            params: dict[str, Any] = {"integrated_account_id": account_id, "limit": 2}
            if cursor:
                params["next_cursor"] = cursor
            page = client.get("/sync-runs", params=params).json()
            seen += [r["id"] for r in page["result"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        forged = client.get("/sync-runs", params={"next_cursor": "nope"})

    assert seen == ids[::-1]
    assert forged.status_code == 400
    assert forged.json()["error"]["code"] == "invalid_cursor"


def test_sync_another_tenants_runs_and_accounts_answer_404(sync_stack: Stack) -> None:
    with sync_stack.client() as client:
        account_id = sync_stack.link_account(client)
        run_id = client.post(f"/integrated-accounts/{account_id}/sync").json()["id"]
        _wait_finished(client, run_id)
    other = sync_stack.new_tenant_key("globex")
    with sync_stack.client(other) as client:
        run = client.get(f"/sync-runs/{run_id}")
        start = client.post(f"/integrated-accounts/{account_id}/sync", json={})
        listed = client.get("/sync-runs", params={"integrated_account_id": account_id})
        mine = client.get("/sync-runs")

    assert run.status_code == 404
    assert run.json()["error"]["code"] == "sync_run_not_found"
    assert start.status_code == 404
    assert start.json()["error"]["code"] == "integrated_account_not_found"
    assert listed.status_code == 404
    assert mine.json()["result"] == []
