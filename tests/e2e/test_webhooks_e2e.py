"""Outgoing webhooks over HTTP: subscribe, receive the signed test event, the log, redelivery."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from e2e_stack import Stack
from standardwebhooks.webhooks import Webhook

Request = tuple[dict[str, str], bytes]


class _Handler(BaseHTTPRequestHandler):
    server: _Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with self.server.lock:
            self.server.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.requests: list[Request] = []
        host, port = self.server_address[:2]
        self.url = f"http://{host!s}:{port}/hook"

    def received(self) -> list[Request]:
        with self.lock:
            return list(self.requests)


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


def _wait(done: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out waiting for a webhook"
        time.sleep(0.05)


def test_a_subscription_receives_the_signed_test_event(stack: Stack, receiver: _Receiver) -> None:
    with stack.client() as client:
        created = client.post(
            "/webhooks", json={"url": receiver.url, "events": ["sync_run.failed"]}
        )
        assert created.status_code == 201, created.text
        webhook = created.json()
        assert webhook["secret"].startswith("whsec_")

        sent = client.post(f"/webhooks/{webhook['id']}/test")

    assert sent.status_code == 200, sent.text
    delivery = sent.json()
    assert delivery["status"] == "succeeded"
    assert [a["status_code"] for a in delivery["attempts"]] == [204]
    [(headers, body)] = receiver.received()
    payload = Webhook(webhook["secret"]).verify(body, headers)
    assert payload["type"] == "webhook.test"
    assert headers["webhook-id"] == delivery["event_id"]


def test_the_secret_is_never_listed_or_returned_again(stack: Stack) -> None:
    with stack.client() as client:
        created = client.post(
            "/webhooks", json={"url": "https://receiver.invalid/h", "events": ["meeting.created"]}
        ).json()
        listed = client.get("/webhooks")
        got = client.get(f"/webhooks/{created['id']}")

    assert listed.status_code == got.status_code == 200
    assert created["id"] in [webhook["id"] for webhook in listed.json()["result"]]
    assert got.json() == {k: v for k, v in created.items() if k != "secret"}
    assert created["secret"] not in listed.text + got.text


def test_account_events_are_delivered_by_the_running_server(
    stack: Stack, receiver: _Receiver
) -> None:
    with stack.client() as client:
        body = {"url": receiver.url, "events": ["integrated_account.active"]}
        webhook = client.post("/webhooks", json=body).json()
        account_id = stack.link_account(client)

        _wait(lambda: len(receiver.received()) == 1)
        [(headers, raw)] = receiver.received()
        payload = Webhook(webhook["secret"]).verify(raw, headers)
        assert (payload["type"], payload["data"]["id"]) == ("integrated_account.active", account_id)

        def log() -> list[dict[str, Any]]:
            params = {"webhook_id": webhook["id"]}
            result: list[dict[str, Any]] = client.get("/webhook-deliveries", params=params).json()[
                "result"
            ]
            return result

        # The receiver answers before the sender records the outcome: wait for the record.
        _wait(lambda: [d["status"] for d in log()] == ["succeeded"])
        [delivery] = log()
        assert delivery["event_id"] == headers["webhook-id"]
        redelivered = client.post(f"/webhook-deliveries/{delivery['id']}/redeliver")
        assert redelivered.status_code == 200
        assert redelivered.json()["status"] == "pending"

        _wait(lambda: len(receiver.received()) == 2)
        assert receiver.received()[1][0]["webhook-id"] == headers["webhook-id"]
        url = f"/webhook-deliveries/{delivery['id']}"
        _wait(lambda: client.get(url).json()["status"] == "succeeded")
        detail = client.get(url).json()
        assert detail["payload"] == payload
        assert [attempt["status_code"] for attempt in detail["attempts"]] == [204, 204]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"url": "ftp://example.com", "events": ["*"]}, "url"),
        ({"url": "https://example.com", "events": ["meeting.exploded"]}, "events"),
        ({"url": "https://example.com"}, "events"),
    ],
)
def test_an_invalid_subscription_is_a_400_naming_the_parameter(
    stack: Stack, body: dict[str, Any], param: str
) -> None:
    with stack.client() as client:
        response = client.post("/webhooks", json=body)

    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


def test_another_tenants_webhook_is_not_found(stack: Stack) -> None:
    with stack.client() as client:
        body = {"url": "https://receiver.invalid/h", "events": ["*"]}
        webhook_id = client.post("/webhooks", json=body).json()["id"]
    with stack.client(stack.new_tenant_key("initech")) as stranger:
        responses = [
            stranger.get(f"/webhooks/{webhook_id}"),
            stranger.post(f"/webhooks/{webhook_id}/test"),
            stranger.delete(f"/webhooks/{webhook_id}"),
            stranger.patch(f"/webhooks/{webhook_id}", json={"enabled": False}),
        ]
    assert [response.status_code for response in responses] == [404, 404, 404, 404]
    assert responses[0].json()["error"]["code"] == "webhook_not_found"


def test_a_deleted_webhook_is_gone(stack: Stack) -> None:
    with stack.client() as client:
        body = {"url": "https://receiver.invalid/h", "events": ["*"]}
        webhook_id = client.post("/webhooks", json=body).json()["id"]
        deleted = client.delete(f"/webhooks/{webhook_id}")
        after = client.get(f"/webhooks/{webhook_id}")

    assert deleted.status_code == 200
    assert after.status_code == 404


def test_a_subscription_is_paused_resumed_and_edited_over_http(stack: Stack) -> None:
    with stack.client() as client:
        body = {"url": "https://receiver.invalid/h", "events": ["*"]}
        webhook_id = client.post("/webhooks", json=body).json()["id"]
        paused = client.patch(f"/webhooks/{webhook_id}", json={"enabled": False})
        listed = client.get("/webhooks").json()["result"]
        edited = client.patch(
            f"/webhooks/{webhook_id}",
            json={"enabled": True, "url": "https://receiver.invalid/v2", "events": ["*"]},
        )
        unknown = client.patch(f"/webhooks/{webhook_id}", json={"secret": "whsec_mine"})
        bad_url = client.patch(f"/webhooks/{webhook_id}", json={"url": "ftp://x"})

    assert paused.status_code == 200
    assert (paused.json()["enabled"], paused.json()["disabled_at"] is not None) == (False, True)
    assert [w["enabled"] for w in listed if w["id"] == webhook_id] == [False]
    assert edited.json()["url"] == "https://receiver.invalid/v2"
    assert (edited.json()["enabled"], edited.json()["disabled_at"]) == (True, None)
    assert unknown.status_code == bad_url.status_code == 400
    assert bad_url.json()["error"]["param"] == "url"
    assert "error" in unknown.json()
