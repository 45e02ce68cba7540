"""ResilientClient: the error raised for each answer, scrubbing, request_json and send_raw."""

from __future__ import annotations

import json
import math

import httpx
import pytest

from parley.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderForbiddenError,
    ProviderInvalidRequestError,
    ProviderNotFoundError,
    ProviderResponseError,
    ProviderUnavailableError,
)
from parley.http.client import REMOTE_BODY_LIMIT
from parley.http.ratelimit import RateLimitState
from parley.http.retry import RetryPolicy

SECRET = "tok_live_9f8e7d6c5b4a"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, ProviderInvalidRequestError),
        (401, ProviderAuthError),
        (403, ProviderForbiddenError),
        (404, ProviderNotFoundError),
        (409, ProviderError),
        (422, ProviderInvalidRequestError),
    ],
)
async def test_client_errors_raise_their_class_without_retry(
    make_client, scripted, clock, status, error
) -> None:
    handler = scripted(httpx.Response(status, json={"errors": [{"title": "nope"}]}))

    with pytest.raises(error) as caught:
        await make_client(handler).request("GET", "/v3/engagements")

    assert type(caught.value) is error
    assert handler.calls == 1
    assert clock.sleeps == []
    assert caught.value.remote_status == status


async def test_generic_message_names_status_method_and_path_only(make_client, scripted) -> None:
    handler = scripted(httpx.Response(404))
    client = make_client(handler)

    with pytest.raises(ProviderNotFoundError) as caught:
        await client.request(
            "GET", "/api/v1/conversations/42", params={"token": SECRET}, headers={"X-Key": SECRET}
        )

    expected = "Remote service answered HTTP 404 to GET /api/v1/conversations/42"
    assert caught.value.message == expected


async def test_describe_supplies_the_message(make_client, scripted) -> None:
    handler = scripted(httpx.Response(403, json={"errors": [{"detail": "scope missing"}]}))
    client = make_client(handler, describe=lambda r: r.json()["errors"][0]["detail"])

    with pytest.raises(ProviderForbiddenError) as caught:
        await client.request("GET", "/v3/users")

    assert caught.value.message == "scope missing"


async def test_failing_describe_falls_back_to_the_generic_message(make_client, scripted) -> None:
    handler = scripted(httpx.Response(400, text="not json"))
    client = make_client(handler, describe=lambda r: r.json()["detail"])

    with pytest.raises(ProviderError) as caught:
        await client.request("GET", "/v3/users")

    assert caught.value.message == "Remote service answered HTTP 400 to GET /v3/users"


async def test_secret_echoed_in_body_and_message_is_redacted(make_client, scripted) -> None:
    body = f'{{"error": "invalid token {SECRET}", "hint": "{SECRET}"}}'
    handler = scripted(httpx.Response(401, text=body))
    client = make_client(handler, describe=lambda r: r.text, scrub=[SECRET, ""])

    with pytest.raises(ProviderAuthError) as caught:
        await client.request("GET", "/v3/users")

    assert SECRET not in (caught.value.remote_body or "")
    assert SECRET not in caught.value.message
    assert caught.value.remote_body == (
        '{"error": "invalid token [REDACTED]", "hint": "[REDACTED]"}'
    )


async def test_remote_body_is_truncated_to_2kb(make_client, scripted) -> None:
    handler = scripted(httpx.Response(400, text="x" * 10_000))

    with pytest.raises(ProviderError) as caught:
        await make_client(handler).request("GET", "/v3/users")

    assert caught.value.remote_body == "x" * REMOTE_BODY_LIMIT


async def test_secret_straddling_the_truncation_point_does_not_leak(make_client, scripted) -> None:
    handler = scripted(httpx.Response(400, text="x" * (REMOTE_BODY_LIMIT - 4) + SECRET))
    client = make_client(handler, scrub=[SECRET])

    with pytest.raises(ProviderError) as caught:
        await client.request("GET", "/v3/users")

    assert SECRET[:4] not in (caught.value.remote_body or "")


async def test_redirect_is_returned_not_followed(make_client, scripted) -> None:
    handler = scripted(httpx.Response(302, headers={"Location": "https://cdn.test/a.mp4"}))

    response = await make_client(handler).request("GET", "/media/1")

    assert response.status_code == 302
    assert handler.calls == 1


async def test_request_json_retries_a_truncated_body_then_succeeds(make_client, scripted) -> None:
    handler = scripted(
        httpx.Response(200, text='{"engagements": [{"id": "1"'),
        httpx.Response(200, json={"engagements": [{"id": "1"}]}),
    )

    payload = await make_client(handler).request_json("GET", "/v3/engagements")

    assert payload == {"engagements": [{"id": "1"}]}
    assert handler.calls == 2


async def test_request_json_gives_up_with_provider_response_error(make_client, scripted) -> None:
    handler = scripted(httpx.Response(200, text=f'{{"token": "{SECRET}", "cut'))
    client = make_client(handler, policy=RetryPolicy(max_attempts=3, jitter=0.0), scrub=[SECRET])

    with pytest.raises(ProviderResponseError) as caught:
        await client.request_json("GET", "/v3/engagements")

    assert handler.calls == 3
    assert caught.value.remote_status == 200
    assert caught.value.remote_body == '{"token": "[REDACTED]", "cut'


async def test_request_json_shares_one_budget_across_statuses_and_bodies(
    make_client, scripted
) -> None:
    handler = scripted(httpx.Response(503), httpx.Response(200, text="{"), httpx.Response(503))
    client = make_client(handler, policy=RetryPolicy(max_attempts=3, jitter=0.0))

    with pytest.raises(ProviderUnavailableError):
        await client.request_json("GET", "/v3/engagements")

    assert handler.calls == 3


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'\xef\xbb\xbf{"a": 1}', {"a": 1}),  # a UTF-8 byte order mark
        ('{"a": "\u00e9"}'.encode("utf-16"), {"a": "\u00e9"}),  # another encoding
        (b'{"a": "\\ud800"}', {"a": "\ud800"}),  # a lone surrogate escape
        (b'{"a": NaN, "b": 1e400}', {"a": math.nan, "b": math.inf}),
        (b'{"a": 12345678901234567890123, "b": [1.5, "x", null, true]}', None),
        (b'{"a": 1, "a": 2}', {"a": 2}),  # the last of a repeated key, as `json` does
    ],
)
async def test_request_json_reads_what_json_reads(make_client, scripted, body, expected) -> None:
    handler = scripted(httpx.Response(200, content=body))

    payload = await make_client(handler).request_json("GET", "/v3/engagements")

    assert repr(payload) == repr(json.loads(body) if expected is None else expected)
    assert handler.calls == 1


async def test_request_json_sends_the_json_body(make_client, scripted) -> None:
    handler = scripted(httpx.Response(200, json=[]))
    await make_client(handler).request_json("POST", "/v3/search", json={"q": "pricing"})

    assert handler.requests[0].content == b'{"q":"pricing"}'


async def test_send_raw_returns_a_client_error_as_it_is(make_client, scripted) -> None:
    handler = scripted(httpx.Response(400, text="bad filter"))

    response = await make_client(handler).send_raw("GET", "/v3/engagements")

    assert response.status_code == 400
    assert handler.calls == 1


async def test_send_raw_retries_5xx_and_returns_the_last_answer(make_client, scripted) -> None:
    handler = scripted(httpx.Response(502))
    client = make_client(handler, policy=RetryPolicy(max_attempts=2, jitter=0.0))

    response = await client.send_raw("GET", "/v3/engagements")

    assert response.status_code == 502
    assert handler.calls == 2


async def test_send_raw_raises_unavailable_when_transport_keeps_failing(
    make_client, scripted
) -> None:
    handler = scripted(httpx.ReadTimeout("slow"))
    client = make_client(handler, policy=RetryPolicy(max_attempts=2, jitter=0.0))

    with pytest.raises(ProviderUnavailableError):
        await client.send_raw("GET", "/v3/engagements")


async def test_rate_limit_state_comes_from_the_limiter(make_client, scripted) -> None:
    client = make_client(scripted(httpx.Response(200)))

    assert client.rate_limit_state() == RateLimitState(limit=7, remaining=3, reset=0.5)
