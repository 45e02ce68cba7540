"""ChorusProvider over httpx.MockTransport: wire format, paging rules, errors, merging."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from parley.errors import (
    InvalidRequestError,
    ProviderAuthError,
    ProviderError,
    ProviderForbiddenError,
    ProviderNotFoundError,
    ProviderRateLimitedError,
    ProviderResponseError,
    ProviderUnavailableError,
    UnsupportedFilterError,
)
from parley.http import HttpOptions, RetryPolicy, TokenBucketLimiter
from parley.providers.base import Credentials, MeetingFilters, ProviderFactory
from parley.providers.chorus import CHORUS_INFO, ChorusFactory, ChorusProvider
from parley.providers.chorus.client import (
    CONVERSATION_FIELDS,
    CONVERSATION_FIELDS_STRICT,
    engagement_params,
)
from parley.providers.chorus.position import parse_position

TOKEN = "tok_SECRET_0123456789"
Handler = Callable[[httpx.Request], httpx.Response]


async def _no_sleep(_: float) -> None:
    return None


def connect(handler: Handler, token: str = TOKEN, **kwargs: Any) -> ChorusProvider:
    options = HttpOptions(
        limiter=TokenBucketLimiter(10_000, sleep=_no_sleep),
        policy=RetryPolicy(max_attempts=3, base_delay=0.0),
        transport=httpx.MockTransport(handler),
        sleep=_no_sleep,
    )
    factory: ProviderFactory = ChorusFactory()
    provider = factory.connect(
        Credentials(api_token=token), base_url="https://chorus.test", limiter_key="k", http=options
    )
    assert isinstance(provider, ChorusProvider)
    return provider


def row(meeting_id: str, **extra: Any) -> dict[str, Any]:
    return {"engagement_id": meeting_id, "subject": f"Call {meeting_id}", **extra}


def jsonapi_error(status: int, detail: str, **extra: Any) -> httpx.Response:
    body = {"errors": [{"status": str(status), "title": "Error", "detail": detail, **extra}]}
    return httpx.Response(status, json=body, headers={"content-type": "application/vnd.api+json"})


class Recorder:
    """A fake Chorus answering from a path -> response table, recording every request."""

    def __init__(self, routes: dict[str, Callable[[httpx.Request], httpx.Response]]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.routes[request.url.path](request)


def test_info_describes_chorus() -> None:
    assert CHORUS_INFO.default_base_url == "https://chorus.ai"
    assert CHORUS_INFO.page_size == 100
    assert CHORUS_INFO.meeting_filters == {
        "start_time_after", "start_time_before", "user_id", "team_id", "participant_email",
        "type", "min_duration",
    }  # fmt: skip
    assert CHORUS_INFO.capabilities["meetings"] == ("list", "get")


async def test_requests_carry_the_raw_token_and_family_accept_headers() -> None:
    fake = Recorder(
        {
            "/api/v1/users/me": lambda r: httpx.Response(200, json={"data": {"id": "1"}}),
            "/v3/users": lambda r: httpx.Response(200, json=[]),
        }
    )
    provider = connect(fake, token=f"  Bearer {TOKEN} ")
    assert (await provider.check()).id == "1"
    await provider.list_users()
    await provider.aclose()

    me, users = fake.requests
    assert me.headers["authorization"] == TOKEN
    assert me.headers["accept"] == "application/vnd.api+json"
    assert users.headers["accept"] == "application/json"
    assert all("x-al-version" not in r.headers for r in fake.requests)


def test_filters_become_engagement_parameters() -> None:
    filters = MeetingFilters(
        start_time_after=datetime(2024, 1, 1, tzinfo=UTC),
        start_time_before=datetime(2024, 2, 1, 12, 30),
        user_ids=("1", "2"),
        team_ids=("9",),
        participant_email="a@b.com",
        type="call",
        min_duration=60,
        remote_query={"compliance": "COMPLIANT", "min_date": "ignored", "continuation_key": "x"},
    )
    assert engagement_params(filters) == {
        "compliance": "COMPLIANT",
        "min_date": "2024-01-01T00:00:00Z",
        "max_date": "2024-02-01T12:30:00Z",
        "user_id": "1,2",
        "team_id": "9",
        "participants_email": "a@b.com",
        "engagement_type": "dialer",
        "min_duration": "60.0",
        "with_trackers": "true",
    }


def test_a_type_chorus_cannot_filter_on_names_the_filter() -> None:
    with pytest.raises(UnsupportedFilterError) as caught:
        engagement_params(MeetingFilters(type="other"))
    assert caught.value.param == "type"


def pages(*bodies: dict[str, Any]) -> Recorder:
    by_key: dict[str | None, dict[str, Any]] = {}
    previous = None
    for body in bodies:
        by_key[previous] = body
        previous = body.get("continuation_key")

    def engagements(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=by_key[request.url.params.get("continuation_key")])

    return Recorder({"/v3/engagements": engagements})


@pytest.mark.parametrize(
    "last",
    [{"engagements": []}, {"continuation_key": "k2", "engagements": []},
     {"continuation_key": None, "engagements": [row("C")]}, {"engagements": [row("C")]},
     {"continuation_key": "k1", "engagements": [row("C")]}],
    ids=["empty", "empty-with-key", "null-key", "no-key", "repeated-key"],
)  # fmt: skip
async def test_listing_stops_on_every_last_page_signal(last: dict[str, Any]) -> None:
    first = {"continuation_key": "k1", "engagements": [row("A"), row("B")]}
    fake = pages(first, last)
    provider = connect(fake)

    ids = [m.id async for m in provider.iter_meetings(MeetingFilters())]

    assert ids == ["A", "B"] + [m["engagement_id"] for m in last["engagements"]]
    assert len(fake.requests) == 2
    assert fake.requests[0].url.params["with_trackers"] == "true"


async def test_list_page_position_is_the_key_and_an_echo_ends_it() -> None:
    fake = pages(
        {"continuation_key": "k1", "engagements": [row("A")]},
        {"continuation_key": "k1", "engagements": [row("B")]},
    )
    provider = connect(fake)

    first = await provider.list_meetings_page(MeetingFilters())
    second = await provider.list_meetings_page(MeetingFilters(), first.next_position)

    assert first.next_position is not None
    assert (parse_position(first.next_position).key, [m.id for m in first.items]) == ("k1", ["A"])
    assert (second.next_position, [m.id for m in second.items]) == (None, ["B"])


async def test_a_plain_continuation_key_is_still_a_valid_position() -> None:
    fake = pages(
        {"continuation_key": "k1", "engagements": [row("A")]},
        {"continuation_key": "k2", "engagements": [row("B")]},
    )

    page = await connect(fake).list_meetings_page(MeetingFilters(), "k1")

    assert fake.requests[0].url.params["continuation_key"] == "k1"
    assert [m.id for m in page.items] == ["B"]


async def test_rows_repeated_from_the_previous_page_are_dropped_on_every_list_path() -> None:
    def script() -> Any:
        return pages(
            {"continuation_key": "k1", "engagements": [row("A"), row("B"), row("C")]},
            {"continuation_key": "k2", "engagements": [row("B"), row("C"), row("D")]},
            {"continuation_key": "k3", "engagements": [row("D")]},
            {"continuation_key": "k3", "engagements": []},
        )

    async def model_pages() -> list[list[str]]:
        provider, position, listed = connect(script()), None, []
        while True:
            page = await provider.list_meetings_page(MeetingFilters(), position)
            listed.append([m.id for m in page.items])
            if page.next_position is None:
                return listed
            position = page.next_position

    async def json_pages() -> list[list[str]]:
        provider, position, listed = connect(script()), None, []
        while True:
            page = await provider.list_meetings_json_page(MeetingFilters(), position)
            listed.append([m.id for m in page.items])
            if page.next_position is None:
                return listed
            position = page.next_position

    # The page of repeats only (D) is skipped, and the echoed key on the empty page ends it.
    assert await model_pages() == [["A", "B", "C"], ["D"], []]
    assert await json_pages() == [["A", "B", "C"], ["D"], []]
    assert [m.id async for m in connect(script()).iter_meetings(MeetingFilters())] == list("ABCD")


async def test_meetings_repeated_across_pages_are_yielded_once() -> None:
    fake = pages(
        {"continuation_key": "k1", "engagements": [row("A"), row("B"), row("A")]},
        {"continuation_key": "k2", "engagements": [row("B"), row("C")]},
        {"continuation_key": "k1", "engagements": [row("D")]},
    )
    ids = [m.id async for m in connect(fake).iter_meetings(MeetingFilters())]
    assert ids == ["A", "B", "C", "D"]


async def test_a_row_without_an_id_is_skipped_not_fatal() -> None:
    fake = pages({"engagements": [{"subject": "?"}, row("A")]})
    page = await connect(fake).list_meetings_page(MeetingFilters())
    assert [m.id for m in page.items] == ["A"]


def conversation_doc(meeting_id: str) -> dict[str, Any]:
    return {
        "data": {
            "type": "recording",
            "id": meeting_id,
            "attributes": {"name": "Conv", "status": "done", "summary": "S", "recording": {}},
        }
    }


async def test_get_meeting_merges_the_conversation_with_its_engagement_row() -> None:
    fake = Recorder(
        {
            "/api/v1/conversations/A": lambda r: httpx.Response(200, json=conversation_doc("A")),
            "/v3/engagements": lambda r: httpx.Response(
                200, json={"engagements": [row("A", engagement_type="dialer")]}
            ),
        }
    )
    meeting = await connect(fake).get_meeting("A")

    assert (meeting.title, meeting.type.value, meeting.summary) == ("Call A", "call", "S")
    conv, lookup = sorted(fake.requests, key=lambda r: r.url.path)
    assert conv.url.params["fields"] == CONVERSATION_FIELDS
    assert conv.url.params["include_meeting_metadata"] == "true"
    assert lookup.url.params["engagement_id"] == "A"
    assert lookup.url.params["with_trackers"] == "true"


async def test_get_meeting_with_a_listed_meeting_saves_the_lookup() -> None:
    listing = pages({"engagements": [row("A")]})
    listed = (await connect(listing).list_meetings_page(MeetingFilters())).items[0]
    fake = Recorder(
        {"/api/v1/conversations/A": lambda r: httpx.Response(200, json=conversation_doc("A"))}
    )
    meeting = await connect(fake).get_meeting("A", listed=listed)

    assert (meeting.title, meeting.summary) == ("Call A", "S")
    assert [r.url.path for r in fake.requests] == ["/api/v1/conversations/A"]


async def test_a_listed_meeting_without_conversation_is_returned_as_listed() -> None:
    fake = Recorder(
        {
            "/api/v1/conversations/A": lambda r: jsonapi_error(404, "Conversation A not found."),
            "/v3/engagements": lambda r: httpx.Response(200, json={"engagements": [row("A")]}),
        }
    )
    meeting = await connect(fake).get_meeting("A")
    assert (meeting.id, meeting.transcript) == ("A", None)


async def test_an_unknown_meeting_is_provider_not_found() -> None:
    fake = Recorder(
        {
            "/api/v1/conversations/Z": lambda r: jsonapi_error(404, "Conversation Z not found."),
            "/v3/engagements": lambda r: httpx.Response(200, json={"engagements": []}),
        }
    )
    with pytest.raises(ProviderNotFoundError, match="Conversation Z not found"):
        await connect(fake).get_meeting("Z")


async def test_fields_fall_back_to_the_spec_allow_list_on_400() -> None:
    def conversation(request: httpx.Request) -> httpx.Response:
        if request.url.params["fields"] != CONVERSATION_FIELDS_STRICT:
            return jsonapi_error(400, "Unknown field 'summary'.", source={"parameter": "fields"})
        return httpx.Response(200, json=conversation_doc("A"))

    fake = Recorder({"/api/v1/conversations/A": conversation})
    provider = connect(fake)
    listed = await connect(pages({"engagements": [row("A")]})).list_meetings_page(MeetingFilters())
    await provider.get_meeting("A", listed=listed.items[0])
    await provider.get_meeting("A", listed=listed.items[0])

    sent = [r.url.params["fields"] for r in fake.requests]
    assert sent == [CONVERSATION_FIELDS, CONVERSATION_FIELDS_STRICT, CONVERSATION_FIELDS_STRICT]


async def test_get_meetings_keeps_input_order() -> None:
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v3/engagements":
            found = request.url.params["engagement_id"]
            return httpx.Response(200, json={"engagements": [row(found)]})
        return httpx.Response(200, json=conversation_doc(request.url.path.rsplit("/", 1)[1]))

    fake = Recorder(
        dict.fromkeys(["/v3/engagements", *(f"/api/v1/conversations/{i}" for i in "ABC")], route)
    )
    meetings = await connect(fake).get_meetings(["C", "A", "B"], concurrency=2)
    assert [m.id for m in meetings] == ["C", "A", "B"]


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, ProviderAuthError), (403, ProviderForbiddenError), (404, ProviderNotFoundError),
     (429, ProviderRateLimitedError), (503, ProviderUnavailableError), (409, ProviderError)],
)  # fmt: skip
async def test_error_statuses_map_to_the_error_tree(
    status: int, error: type[ProviderError]
) -> None:
    fake = Recorder({"/api/v1/teams": lambda r: jsonapi_error(status, "Nope.", code="ZI0001")})
    with pytest.raises(error) as caught:
        await connect(fake).list_teams()

    assert "Nope. [ZI0001]" in caught.value.message
    assert "GET /api/v1/teams" in caught.value.message
    assert caught.value.remote_status == status


async def test_bad_token_fails_once_with_a_clear_message_without_the_token() -> None:
    def me(request: httpx.Request) -> httpx.Response:
        return jsonapi_error(401, f"Invalid token {request.headers['authorization']}.")

    fake = Recorder({"/api/v1/users/me": me})
    with pytest.raises(ProviderAuthError) as caught:
        await connect(fake).check()

    assert len(fake.requests) == 1
    assert "rejected the API token" in caught.value.message
    assert TOKEN not in caught.value.message
    assert TOKEN not in (caught.value.remote_body or "")
    assert TOKEN not in json.dumps(caught.value.to_dict())


async def test_a_body_that_stays_invalid_json_is_a_provider_response_error() -> None:
    fake = Recorder({"/api/v1/teams": lambda r: httpx.Response(200, content=b'{"data": [')})
    with pytest.raises(ProviderResponseError):
        await connect(fake).list_teams()
    assert len(fake.requests) == 3


async def test_a_non_json_5xx_keeps_a_clear_message() -> None:
    fake = Recorder({"/v3/users": lambda r: httpx.Response(502, text="<html>Bad Gateway</html>")})
    with pytest.raises(ProviderUnavailableError, match="Chorus is unavailable: HTTP 502"):
        await connect(fake).list_users()


@pytest.mark.parametrize(
    "body",
    [[{"id": 1, "email": "a@x.com"}], {"users": [{"id": 1, "email": "a@x.com"}]},
     {"data": [{"type": "user", "id": "1", "attributes": {"email": "a@x.com"}}]}],
    ids=["array", "wrapped", "jsonapi"],
)  # fmt: skip
async def test_users_and_get_user_read_every_shape(body: Any) -> None:
    fake = Recorder({"/v3/users": lambda r: httpx.Response(200, json=body)})
    provider = connect(fake)

    assert [u.id for u in await provider.list_users()] == ["1"]
    assert (await provider.get_user("1")).emails[0].email == "a@x.com"
    with pytest.raises(ProviderNotFoundError, match="no user '2'"):
        await provider.get_user("2")


async def test_teams_list_and_get() -> None:
    team = {"type": "team", "id": "9", "attributes": {"name": "West", "users": [1]}}
    fake = Recorder(
        {
            "/api/v1/teams": lambda r: httpx.Response(200, json={"data": [team]}),
            "/api/v1/teams/9": lambda r: httpx.Response(200, json={"data": team}),
        }
    )
    provider = connect(fake)
    assert [t.name for t in await provider.list_teams()] == ["West"]
    assert (await provider.get_team("9")).member_ids == ["1"]


def media(kind: str) -> Recorder:
    info = {"url": f"https://cdn.test/{kind}.bin?sig=x", "kind": kind, "media_type": f"{kind}/x"}
    return Recorder({"/api/v1/conversations/A/media": lambda r: httpx.Response(200, json=info)})


async def test_media_url_returns_the_fresh_link() -> None:
    fake = media("video")
    assert await connect(fake).media_url("A", "video") == "https://cdn.test/video.bin?sig=x"
    assert fake.requests[0].url.params["info"] == "true"
    assert await connect(media("audio")).media_url("A", "audio") == (
        "https://cdn.test/audio.bin?sig=x"
    )


async def test_video_of_an_audio_only_meeting_is_not_found() -> None:
    with pytest.raises(ProviderNotFoundError, match="no video recording"):
        await connect(media("audio")).media_url("A", "video")


async def test_raw_request_injects_the_token_and_drops_the_callers_auth() -> None:
    fake = Recorder({"/v3/engagements": lambda r: httpx.Response(418, text="teapot")})
    response = await connect(fake).raw_request(
        "get",
        "v3/engagements",
        params=[("user_id", "1"), ("user_id", "2")],
        headers={"Authorization": "Bearer parley-key", "X-Extra": "1"},
    )

    assert (response.status_code, response.text) == (418, "teapot")
    sent = fake.requests[0]
    assert sent.headers["authorization"] == TOKEN
    assert sent.headers["x-extra"] == "1"
    assert sent.url.params.get_list("user_id") == ["1", "2"]


@pytest.mark.parametrize("path", ["https://evil.test/x", "//evil.test/x", "/api/../../etc"])
async def test_raw_request_refuses_paths_outside_the_base_url(path: str) -> None:
    with pytest.raises(InvalidRequestError):
        await connect(Recorder({})).raw_request("GET", path)


async def test_ids_are_quoted_into_paths() -> None:
    fake = Recorder({"/api/v1/teams/a%2Fb": lambda r: httpx.Response(200, json={"data": {}})})
    fake.routes["/api/v1/teams/a/b"] = fake.routes["/api/v1/teams/a%2Fb"]
    with pytest.raises(ProviderResponseError):
        await connect(fake).get_team("a/b")
    assert fake.requests[0].url.raw_path == b"/api/v1/teams/a%2Fb"
