"""Request bodies over PARLEY_MAX_BODY_BYTES, over real HTTP: 413 before they are read whole."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from e2e_stack import (
    BACKENDS,
    Stack,
    database_url,
    run_async,
    stack_settings,
    start_stack,
)

from parley.sandbox.config import SandboxConfig

LIMIT = 4096


@pytest.fixture(scope="module", params=BACKENDS)
def stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: Any,
) -> Iterator[Stack]:
    """A stack whose body cap is small enough to pass with a few kilobytes."""
    tmp = tmp_path_factory.mktemp("abuse")
    url, pg_name = database_url(request.param, tmp, postgres_server)
    settings = stack_settings(tmp, url).model_copy(update={"max_body_bytes": LIMIT})
    running = start_stack(settings, SandboxConfig(seed=5, meetings=12))
    try:
        yield running
    finally:
        running.api.stop()
        running.sandbox.stop()
        if pg_name is not None and postgres_server is not None:
            run_async(postgres_server.drop(pg_name))


def _account_body(stack: Stack, size: int) -> bytes:
    """A valid link request padded with JSON whitespace to exactly `size` bytes."""
    body = json.dumps(
        {
            "integration": "chorus",
            "credentials": {"api_token": stack.sandbox.token},
            "settings": {"base_url": stack.sandbox.url},
        }
    ).encode()
    assert len(body) <= size
    return body[:-1] + b" " * (size - len(body)) + b"}"


def _accounts(stack: Stack) -> list[Any]:
    with stack.client() as client:
        result: list[Any] = client.get("/integrated-accounts").json()["result"]
    return result


def _raw_exchange(stack: Stack, head: bytes, body: bytes) -> tuple[int, dict[str, Any]]:
    """Send `head` and part of a body over a socket, never finishing it; read the answer."""
    parts = urlsplit(stack.url)
    assert parts.hostname is not None
    assert parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += sock.recv(65536)
        lines, _, rest = answer.partition(b"\r\n\r\n")
        status = int(lines.split(b" ", 2)[1])
        length = int(re.search(rb"(?im)^content-length: *(\d+)", lines)[1])  # type: ignore[index]
        while len(rest) < length:
            rest += sock.recv(65536)
    return status, json.loads(rest)


def _assert_413(status: int, body: dict[str, Any]) -> None:
    assert status == 413
    error = body["error"]
    assert (error["status"], error["code"], error["remote"]) == (413, "payload_too_large", False)
    assert str(LIMIT) in error["message"]
    assert error["request_id"].startswith("req_")


def _head(stack: Stack, extra: str) -> bytes:
    return (
        f"POST /integrated-accounts HTTP/1.1\r\nHost: parley\r\n"
        f"Authorization: Bearer {stack.api_key}\r\nContent-Type: application/json\r\n"
        f"{extra}\r\n"
    ).encode()


def test_a_declared_oversized_body_is_refused_before_it_is_sent(stack: Stack) -> None:
    # Only the headers go out: the answer cannot have waited for the body.
    answer = _raw_exchange(stack, _head(stack, f"Content-Length: {10 * LIMIT}\r\n"), b"")

    _assert_413(*answer)
    assert _accounts(stack) == []


def test_a_chunked_body_is_refused_once_it_passes_the_limit(stack: Stack) -> None:
    chunk = b"x" * 1024
    # More than the limit in chunks, and no terminating chunk: the body never ends.
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(LIMIT // 1024 + 2))
    answer = _raw_exchange(stack, _head(stack, "Transfer-Encoding: chunked\r\n"), chunks)

    _assert_413(*answer)
    assert _accounts(stack) == []


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_oversized_link_request_stores_nothing(stack: Stack, chunked: bool) -> None:
    body = _account_body(stack, LIMIT + 1)
    content: Any = iter([body[:1000], body[1000:]]) if chunked else body
    with stack.client() as client:
        response = client.post(
            "/integrated-accounts", content=content, headers={"Content-Type": "application/json"}
        )

    _assert_413(response.status_code, response.json())
    assert ("content-length" in response.request.headers) is not chunked
    assert _accounts(stack) == []


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_at_the_limit_is_accepted(stack: Stack, chunked: bool) -> None:
    body = _account_body(stack, LIMIT)
    content: Any = iter([body[:1000], body[1000:]]) if chunked else body
    with stack.client() as client:
        response = client.post(
            "/integrated-accounts", content=content, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 201, response.text
        assert client.delete(f"/integrated-accounts/{response.json()['id']}").is_success
