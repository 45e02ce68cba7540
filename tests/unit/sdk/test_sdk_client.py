"""The clients over an in-memory transport: credentials, paging, retries and their budget."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from parley import errors
from parley.sdk import AsyncClient, Client, RetryPolicy
from parley.sdk.calls import model_of
from parley.unified import Meeting

Handler = Callable[[httpx.Request], httpx.Response]
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
ACCOUNT = "acc_1"


def _error(status: int, code: str, *, remote: bool = False) -> dict[str, Any]:
    return {"error": {"status": status, "code": code, "message": code, "request_id": "req_9",
                      "remote": remote}}  # fmt: skip


def _meeting(n: int) -> dict[str, Any]:
    return {"id": f"m{n}", "title": f"Call {n}"}


def _run(status: str = "queued") -> dict[str, Any]:
    return {"id": "run_1", "integrated_account_id": ACCOUNT, "status": status}


class Server:
    """Answers scripted responses in turn, and records every request."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _client(server: Handler, waits: list[float], **kwargs: Any) -> Client:
    return Client(
        "key_1",
        "http://parley.test",
        transport=httpx.MockTransport(server),
        sleep=waits.append,
        now=lambda: NOW,
        **kwargs,
    )


def test_arguments_or_the_environment_configure_the_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PARLEY_API_URL", "http://env.test/")
    monkeypatch.setenv("PARLEY_API_KEY", "pst_scoped")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"result": [], "next_cursor": None})

    with Client(transport=httpx.MockTransport(handler)) as client:
        assert list(client.accounts.list()) == []
        assert "pst_scoped" not in repr(client) + repr(client.config)
    assert str(seen[0].url) == "http://env.test/integrated-accounts"
    assert seen[0].headers["authorization"] == "Bearer pst_scoped"
    monkeypatch.delenv("PARLEY_API_KEY")
    with pytest.raises(ValueError, match="PARLEY_API_KEY"):
        Client()


def test_a_list_follows_next_cursor_through_every_page() -> None:
    server = Server(
        httpx.Response(200, json={"result": [_meeting(1), _meeting(2)], "next_cursor": "c1"}),
        httpx.Response(200, json={"result": [_meeting(3)], "next_cursor": None}),
    )
    with _client(server, []) as client:
        listing = client.meetings.list(
            ACCOUNT, source="store", limit=2, expand=None, ignore_remote_data=True,
            start_time_after=NOW, user_id=["u1", "u2"], remote_query={"x": 1},
        )  # fmt: skip
        ids = [m.id for m in listing]
    assert ids == ["m1", "m2", "m3"]
    first, second = (dict(r.url.params.multi_items()) for r in server.requests)
    assert first == {
        "integrated_account_id": ACCOUNT, "source": "store", "limit": "2",
        "ignore_remote_data": "true", "start_time_after": "2026-12-03T10:00:00+00:00",
        "user_id": "u1,u2", "remote_query[x]": "1",
    }  # fmt: skip
    assert second == {**first, "next_cursor": "c1"}


def test_ids_stay_inside_their_path_segment() -> None:
    server = Server(httpx.Response(200, json=_meeting(1)))
    with _client(server, []) as client:
        client.meetings.get("a/b?c", ACCOUNT)
    assert server.requests[0].url.raw_path.startswith(
        b"/unified/conversational-intelligence/meetings/a%2Fb%3Fc?"
    )


def test_a_default_account_or_a_clear_error() -> None:
    with _client(Server(), []) as client, pytest.raises(ValueError, match="integrated_account_id"):
        client.meetings.list()


def test_a_get_is_retried_on_503_with_backoff_then_succeeds() -> None:
    server = Server(
        httpx.Response(503, json=_error(503, "provider_unavailable", remote=True)),
        httpx.Response(502, text="bad gateway"),
        httpx.Response(200, json=_meeting(1)),
    )
    waits: list[float] = []
    with _client(server, waits) as client:
        assert client.meetings.get("m1", ACCOUNT).id == "m1"
    assert waits == [0.5, 1.0]
    assert len(server.requests) == 3


def test_retry_after_as_an_http_date_is_read_against_the_injected_clock() -> None:
    later = {"Retry-After": "Thu, 03 Dec 2026 10:00:04 GMT"}
    server = Server(
        httpx.Response(429, json=_error(429, "rate_limited"), headers=later),
        httpx.Response(200, json={"result": [], "next_cursor": None}),
    )
    waits: list[float] = []
    with _client(server, waits) as client:
        list(client.webhooks.list())
    assert waits == [4.0]


def test_a_post_is_not_repeated_after_a_503_but_is_after_a_429() -> None:
    created = {"id": "w1", "url": "https://x.test", "events": ["*"], "enabled": True,
               "created_at": "2026-12-03T10:00:00Z", "secret": "whsec_x"}  # fmt: skip
    server = Server(
        httpx.Response(429, json=_error(429, "rate_limited"), headers={"Retry-After": "2"}),
        httpx.Response(200, json=created),
        httpx.Response(503, json=_error(503, "provider_unavailable", remote=True)),
    )
    waits: list[float] = []
    with _client(server, waits) as client:
        assert client.webhooks.create("https://x.test", ["*"]).secret == "whsec_x"
        with pytest.raises(errors.ProviderUnavailableError) as caught:
            client.webhooks.create("https://x.test", ["*"])
    assert waits == [2.0]
    assert len(server.requests) == 3
    assert caught.value.request_id == "req_9"


def test_an_idempotent_post_is_retried_like_a_get() -> None:
    server = Server(
        httpx.Response(503, json=_error(503, "provider_unavailable", remote=True)),
        httpx.Response(202, json=_run()),
    )
    waits: list[float] = []
    with _client(server, waits) as client:
        assert client.sync.start(ACCOUNT).status == "queued"
    assert waits == [0.5]


def test_connection_failures_before_sending_are_retried_after_only_when_idempotent() -> None:
    refused = httpx.ConnectError("refused")
    timed_out = httpx.ReadTimeout("slow")
    webhook = {"id": "w1", "url": "https://x.test", "events": ["*"], "enabled": True,
               "created_at": "2026-12-03T10:00:00Z"}  # fmt: skip
    server = Server(
        refused,  # type: ignore[arg-type]
        httpx.Response(200, json=webhook),
        timed_out,  # type: ignore[arg-type]
        timed_out,  # type: ignore[arg-type]
        httpx.Response(200, json=webhook),
    )
    waits: list[float] = []
    with _client(server, waits) as client:
        client.webhooks.create("https://x.test", ["*"])  # refused before sending: retried
        with pytest.raises(httpx.ReadTimeout):
            client.webhooks.create("https://x.test", ["*"])  # may have been sent: not retried
        assert client.webhooks.get("w1").id == "w1"  # a GET: retried
    assert waits == [0.5, 0.5]


def test_the_budget_gives_up_with_the_servers_retry_after() -> None:
    limited = httpx.Response(429, json=_error(429, "rate_limited"), headers={"Retry-After": "3"})
    server = Server(limited, limited, limited)
    waits: list[float] = []
    policy = RetryPolicy(max_retries=5, max_wait=7.0)
    with (
        _client(server, waits, retry=policy) as client,
        pytest.raises(errors.RateLimitedError) as caught,
    ):
        client.sync.get("run_1")
    assert waits == [3.0, 3.0]  # a third wait would pass 7 s: raised instead
    assert caught.value.retry_after == 3.0
    assert (caught.value.status, caught.value.code) == (429, "rate_limited")


def test_analytics_follows_the_pages_into_one_report() -> None:
    row = {"key": "u1", "name": "Ann", "meetings": 2, "total_duration": 60.0,
           "avg_duration": 30.0, "talk_ratio": 0.5, "customer_talk_ratio": 0.4,
           "longest_monologue": 12.0, "topics": []}  # fmt: skip
    totals = {**row, "key": None, "name": None}
    server = Server(
        httpx.Response(200, json={"result": [row], "totals": totals, "next_cursor": "c"}),
        httpx.Response(200, json={"result": [{**row, "key": "u2"}], "totals": totals}),
    )
    with _client(server, []) as client:
        report = client.analytics(ACCOUNT, group_by="user")
    assert [r.key for r in report.result] == ["u1", "u2"]
    assert (report.result_count, report.next_cursor, report.totals.key) == (2, None, None)


def test_sync_wait_polls_until_the_run_finishes() -> None:
    server = Server(
        httpx.Response(200, json=_run("running")), httpx.Response(200, json=_run("completed"))
    )
    waits: list[float] = []
    with _client(server, waits) as client:
        assert client.sync.wait("run_1", interval=2.0).status == "completed"
    assert waits == [2.0]


def test_crm_records_are_typed_by_kind() -> None:
    contact = {"external_id": "c1", "integrated_account_id": ACCOUNT, "emails": ["a@x.test"],
               "created_at": "2026-12-03T10:00:00Z", "updated_at": "2026-12-03T10:00:00Z",
               "new_field": 1}  # fmt: skip
    server = Server(httpx.Response(201, json=contact))
    with _client(server, []) as client:
        stored = client.crm.contacts.upsert("c1", ACCOUNT, emails=["a@x.test"])
    request = server.requests[0]
    assert (request.method, request.url.path) == ("PUT", "/crm/contacts/c1")
    assert json.loads(request.content) == {"emails": ["a@x.test"]}
    assert stored.emails == ["a@x.test"]
    assert stored.model_extra == {"new_field": 1}  # a newer server's field is kept


def test_the_async_client_retries_and_pages_the_same_way() -> None:
    server = Server(
        httpx.Response(429, json=_error(429, "rate_limited"), headers={"Retry-After": "1"}),
        httpx.Response(200, json={"result": [_meeting(1)], "next_cursor": "c"}),
        httpx.Response(200, json={"result": [_meeting(2)], "next_cursor": None}),
        httpx.Response(404, json=_error(404, "meeting_not_found")),
    )
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def scenario() -> tuple[list[str], errors.ParleyError]:
        async with AsyncClient(
            "key_1", "http://parley.test", transport=httpx.MockTransport(server), sleep=sleep
        ) as client:
            ids = [m.id async for m in client.meetings.list(ACCOUNT)]
            with pytest.raises(errors.NotFoundError) as caught:
                await client.meetings.get("nope", ACCOUNT)
            return ids, caught.value

    ids, error = asyncio.run(scenario())
    assert ids == ["m1", "m2"]
    assert waits == [1.0]
    assert (error.code, error.request_id) == ("meeting_not_found", "req_9")


def test_parsing_leaves_the_garbage_collector_as_it_found_it() -> None:
    parse = model_of(Meeting)
    body = json.dumps(_meeting(1)).encode()
    assert gc.isenabled()
    assert parse(body).id == "m1"
    assert gc.isenabled()
    gc.disable()
    try:
        parse(body)
        assert not gc.isenabled()
        with pytest.raises(ValidationError):
            parse(b'{"title": "no id"}')
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(ValidationError):
        parse(b"[]")
    assert gc.isenabled()
