"""The Python SDK against a live Parley (uvicorn on a socket) and the Chorus sandbox."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from e2e_stack import Stack, database_url, run_async, stack_settings, start_stack

from parley import NotFoundError
from parley.sandbox.config import SandboxConfig
from parley.sdk import AsyncClient, Client, WebhookVerificationError, webhooks
from parley.unified import Meeting

MEETINGS = 130


# SQLite only: the SDK's paging, retries and errors do not depend on the database, and the
# routes it reads have PostgreSQL cases of their own (test_store_search_api and co.).
@pytest.fixture(scope="module", params=["sqlite"])
def sdk_stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: Any,
) -> Iterator[tuple[Stack, str]]:
    """A stack with one linked account, synced once (SQLite, then PostgreSQL if set)."""
    tmp = tmp_path_factory.mktemp("sdk-stack")
    url, pg_name = database_url(request.param, tmp, postgres_server)
    settings = stack_settings(tmp, url).model_copy(update={"chorus_rate_limit": 500.0})
    running = start_stack(settings, SandboxConfig(seed=21, meetings=MEETINGS))
    try:
        with running.client() as raw:
            account_id = running.link_account(raw)
        with Client(running.api_key, running.url) as client:
            run = client.sync.wait(client.sync.start(account_id).id, timeout=120)
        assert run.status == "completed", run.errors
        yield running, account_id
    finally:
        running.api.stop()
        running.sandbox.stop()
        if pg_name is not None and postgres_server is not None:
            run_async(postgres_server.drop(pg_name))


def _stored_ids(stack: Stack, account_id: str) -> list[str]:
    """Every stored meeting id, by a raw httpx loop over the pages."""
    ids: list[str] = []
    params: dict[str, Any] = {"integrated_account_id": account_id, "source": "store", "limit": 500}
    url = "/unified/conversational-intelligence/meetings"
    with stack.client() as raw:
        while True:
            body = raw.get(url, params=params).json()
            ids += [m["id"] for m in body["result"]]
            if not body["next_cursor"]:
                return ids
            params["next_cursor"] = body["next_cursor"]


def test_list_iterates_every_stored_meeting_exactly_once(sdk_stack: tuple[Stack, str]) -> None:
    stack, account_id = sdk_stack
    with Client(stack.api_key, stack.url) as client:
        listing = client.meetings.list(account_id, source="store", limit=7)
        meetings = list(listing)
        pages = list(listing.pages())

    assert all(isinstance(m, Meeting) for m in meetings)
    ids = [m.id for m in meetings]
    assert len(ids) == len(set(ids)) == MEETINGS
    assert ids == _stored_ids(stack, account_id)
    assert len(pages) == -(-MEETINGS // 7)
    assert [p.next_cursor is None for p in pages] == [False] * (len(pages) - 1) + [True]


def test_live_list_at_a_small_limit_sees_every_meeting_once(sdk_stack: tuple[Stack, str]) -> None:
    stack, account_id = sdk_stack
    with Client(stack.api_key, stack.url, integrated_account_id=account_id) as client:
        ids = [m.id for m in client.meetings.list(limit=40)]
        one = client.meetings.get(ids[0])

    assert len(ids) == len(set(ids)) == MEETINGS
    assert set(ids) == set(_stored_ids(stack, account_id))
    assert one.id == ids[0]


def test_async_client_lists_the_same_meetings(sdk_stack: tuple[Stack, str]) -> None:
    stack, account_id = sdk_stack

    async def listed() -> list[str]:
        async with AsyncClient(stack.api_key, stack.url) as client:
            return [m.id async for m in client.meetings.list(account_id, source="store", limit=50)]

    assert asyncio.run(listed()) == _stored_ids(stack, account_id)


def test_a_404_raises_not_found_with_the_responses_request_id(
    sdk_stack: tuple[Stack, str],
) -> None:
    stack, account_id = sdk_stack
    seen: list[httpx.Response] = []
    with (
        httpx.Client(event_hooks={"response": [seen.append]}) as http,
        Client(stack.api_key, stack.url, http_client=http) as client,
        pytest.raises(NotFoundError) as caught,
    ):
        client.meetings.get("no-such-meeting", account_id, source="store")

    error = caught.value
    assert (error.status, error.code) == (404, "meeting_not_found")
    assert error.request_id is not None
    assert error.request_id == seen[-1].headers["x-request-id"]


def test_a_429_with_retry_after_is_retried(tmp_path: Any) -> None:
    settings = stack_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    # Two requests at once, then two a second: a token is back 0.5 s after a refusal.
    settings = settings.model_copy(update={"api_rate_burst": 2, "api_rate_limit": 2.0})
    stack = start_stack(settings, SandboxConfig(seed=3, meetings=5))
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        # The server asks for a whole second (`Retry-After: 1`, its least); its bucket has a
        # token again after 0.5 s, so 0.6 s is enough for the retry to be admitted.
        waits.append(seconds)
        time.sleep(0.6)

    try:
        with Client(stack.api_key, stack.url, sleep=sleep) as client, stack.client() as raw:
            statuses = [raw.get("/integrated-accounts").status_code for _ in range(3)]
            accounts = list(client.accounts.list())
    finally:
        stack.api.stop()
        stack.sandbox.stop()

    assert statuses == [200, 200, 429]
    assert accounts == []
    assert waits == [1.0]


# Webhooks: a real delivery to a real local receiver --------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: _Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with self.server.lock:
            self.server.requests.append((dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.requests: list[tuple[dict[str, str], bytes]] = []
        host, port = self.server_address[:2]
        self.url = f"http://{host!s}:{port}/hook"


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    server = _Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def _refused(check: Callable[[], object]) -> bool:
    try:
        check()
    except WebhookVerificationError:
        return True
    return False


def test_verify_accepts_a_real_delivery_and_refuses_forgeries(
    sdk_stack: tuple[Stack, str], receiver: _Receiver
) -> None:
    stack, _ = sdk_stack
    with Client(stack.api_key, stack.url) as client:
        webhook = client.webhooks.create(receiver.url, ["sync_run.completed"])
        delivery = client.webhooks.test(webhook.id)
        client.webhooks.delete(webhook.id)
    assert webhook.secret is not None
    assert delivery.status == "succeeded"
    [(headers, body)] = receiver.requests
    secret = webhook.secret

    payload = webhooks.verify(body, headers, secret)
    lower = {k.lower(): v for k, v in headers.items()}
    stamp = int(lower["webhook-timestamp"])
    forged_signature = {**lower, "webhook-signature": "v1," + "A" * 44}

    assert payload["type"] == "webhook.test"
    assert lower["webhook-id"] == delivery.event_id
    assert _refused(lambda: webhooks.verify(body.replace(b"}", b" }", 1), headers, secret))
    assert _refused(lambda: webhooks.verify(body, forged_signature, secret))
    assert _refused(lambda: webhooks.verify(body, headers, secret, now=lambda: stamp + 301.0))
    assert not _refused(lambda: webhooks.verify(body, headers, secret, now=lambda: stamp + 299.0))
