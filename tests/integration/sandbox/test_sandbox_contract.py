"""Every served operation answers what chorus-openapi.json declares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from parley.sandbox import SandboxConfig, SandboxServer

JSONAPI = "application/vnd.api+json"
ERROR = "#/components/schemas/Error"
RefOf = Callable[[str, str, str], str]


def _content_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


def _example(spec: dict[str, Any]) -> dict[str, Any]:
    response = spec["paths"]["/v3/engagements"]["get"]["responses"]["200"]
    example: dict[str, Any] = response["content"]["application/json"]["example"]
    return example


def _first(client: httpx.Client, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    key: str | None = None
    while True:
        params = {"with_trackers": "true"} | ({"continuation_key": key} if key else {})
        body = client.get("/v3/engagements", params=params).json()
        rows: list[dict[str, Any]] = body["engagements"]
        for row in rows:
            if predicate(row):
                return row
        if not body["engagements"]:
            raise AssertionError("no engagement matches")
        key = body["continuation_key"]


def test_users_me_is_a_user_doc(client: httpx.Client, validate: Any, response_ref: RefOf) -> None:
    response = client.get("/api/v1/users/me")

    assert response.status_code == 200
    assert _content_type(response) == JSONAPI
    validate(response.json(), response_ref("/api/v1/users/me", "200", JSONAPI))
    assert response.json()["data"]["type"] == "user"


def test_teams_are_a_teams_doc(client: httpx.Client, validate: Any, response_ref: RefOf) -> None:
    response = client.get("/api/v1/teams")

    assert response.status_code == 200
    assert _content_type(response) == JSONAPI
    validate(response.json(), response_ref("/api/v1/teams", "200", JSONAPI))
    assert len(response.json()["data"]) == 3


def test_one_team_is_a_team_doc(client: httpx.Client, validate: Any, response_ref: RefOf) -> None:
    team_id = client.get("/api/v1/teams").json()["data"][1]["id"]

    response = client.get(f"/api/v1/teams/{team_id}")

    assert response.status_code == 200
    validate(response.json(), response_ref("/api/v1/teams/{id}", "200", JSONAPI))
    assert response.json()["data"]["id"] == team_id


def test_unknown_team_is_a_jsonapi_404(
    client: httpx.Client, validate: Any, response_ref: RefOf
) -> None:
    response = client.get("/api/v1/teams/999999")

    assert response.status_code == 404
    assert _content_type(response) == JSONAPI
    validate(response.json(), response_ref("/api/v1/teams/{id}", "404", JSONAPI))


@pytest.mark.parametrize("kind", ["meeting", "dialer", "no show", "foreign"])
def test_conversations_are_recording_docs(
    client: httpx.Client, validate: Any, response_ref: RefOf, kind: str
) -> None:
    predicates: dict[str, Callable[[dict[str, Any]], bool]] = {
        "meeting": lambda r: r["engagement_type"] == "meeting" and r["processing_state"] == "done",
        "dialer": lambda r: r["engagement_type"] == "dialer",
        "no show": lambda r: r["no_show"],
        "foreign": lambda r: r["language"] != "en",
    }
    row = _first(client, predicates[kind])

    response = client.get(f"/api/v1/conversations/{row['engagement_id']}")

    assert response.status_code == 200
    assert _content_type(response) == JSONAPI
    validate(response.json(), response_ref("/api/v1/conversations/{id}", "200", JSONAPI))
    data = response.json()["data"]
    assert (data["type"], data["id"]) == ("recording", row["engagement_id"])


@pytest.mark.parametrize("status", ["processing", "scheduled", "live", "unknown"])
def test_unfinished_conversations_are_recording_docs(
    admin: httpx.Client, fresh_client: httpx.Client, validate: Any, status: str
) -> None:
    row = fresh_client.get("/v3/engagements").json()["engagements"][7]
    patched = admin.patch(f"/_sandbox/meetings/{row['engagement_id']}", json={"status": status})
    assert patched.status_code == 200

    response = fresh_client.get(f"/api/v1/conversations/{row['engagement_id']}")

    assert response.status_code == 200
    validate(response.json(), "#/components/schemas/RecordingDoc")
    attributes = response.json()["data"]["attributes"]
    assert attributes["status"] == status
    assert attributes["recording"]["utterances"] == []


def test_audio_only_meetings_exist_and_conform(client: httpx.Client, validate: Any) -> None:
    rows = client.get("/v3/engagements", params={"engagement_type": "meeting"}).json()
    for row in rows["engagements"]:
        url = f"/api/v1/conversations/{row['engagement_id']}"
        flags = client.get(url, params={"fields": "recording.audio_only"}).json()
        if flags["data"]["attributes"]["recording"]["audio_only"]:
            body = client.get(url).json()
            validate(body, "#/components/schemas/RecordingDoc")
            assert body["data"]["attributes"]["recording"]["thumbnails"] == []
            return
    raise AssertionError("no audio-only meeting on the first page")


def test_meeting_metadata_is_included_on_request(client: httpx.Client, validate: Any) -> None:
    row = _first(client, lambda r: r["engagement_type"] == "meeting")
    url = f"/api/v1/conversations/{row['engagement_id']}"

    plain = client.get(url).json()["data"]["attributes"]["meeting"]
    rich = client.get(url, params={"include_meeting_metadata": "true"}).json()
    validate(rich, "#/components/schemas/RecordingDoc")

    assert plain["meeting_url"] is None
    assert rich["data"]["attributes"]["meeting"]["meeting_url"].startswith("https://")


def test_fields_keep_only_the_requested_attributes(
    client: httpx.Client, validate_sparse: Any
) -> None:
    row = _first(client, lambda r: r["processing_state"] == "done" and not r["no_show"])
    fields = "name,owner.email,recording.utterances,recording.duration,summary,action_items"

    response = client.get(
        f"/api/v1/conversations/{row['engagement_id']}", params={"fields": fields}
    )

    assert response.status_code == 200
    body = response.json()
    validate_sparse(body, "#/components/schemas/RecordingDoc")
    attributes = body["data"]["attributes"]
    assert set(attributes) == {"name", "owner", "recording", "summary", "action_items"}
    assert set(attributes["owner"]) == {"email"}
    assert set(attributes["recording"]) == {"utterances", "duration"}
    assert attributes["recording"]["utterances"]
    assert attributes["summary"]
    assert attributes["action_items"]


def test_deprecated_fields_parameters_are_honoured(client: httpx.Client) -> None:
    row = _first(client, lambda r: r["processing_state"] == "done")
    url = f"/api/v1/conversations/{row['engagement_id']}"

    attributes = client.get(
        url, params={"fields[conversations]": "status", "fields[recordings]": "trackers"}
    ).json()["data"]["attributes"]

    assert set(attributes) == {"status", "recording"}
    assert set(attributes["recording"]) == {"trackers"}


def test_unknown_field_is_a_400_naming_the_parameter(
    client: httpx.Client, validate: Any, response_ref: RefOf
) -> None:
    row = _first(client, lambda r: True)

    response = client.get(
        f"/api/v1/conversations/{row['engagement_id']}", params={"fields": "name,bogus"}
    )

    assert response.status_code == 400
    validate(response.json(), response_ref("/api/v1/conversations/{id}", "400", JSONAPI))
    assert response.json()["errors"][0]["source"]["parameter"] == "fields"


def test_unknown_conversation_is_a_jsonapi_404(
    client: httpx.Client, validate: Any, response_ref: RefOf
) -> None:
    response = client.get("/api/v1/conversations/" + "0" * 32)

    assert response.status_code == 404
    assert _content_type(response) == JSONAPI
    validate(response.json(), response_ref("/api/v1/conversations/{id}", "404", JSONAPI))


def test_engagement_rows_match_the_spec_example(client: httpx.Client, spec: dict[str, Any]) -> None:
    example = _example(spec)
    expected = example["engagements"][0]
    participant = expected["participants"][0]

    body = client.get("/v3/engagements", params={"with_trackers": "true"}).json()

    assert set(body) == set(example)
    assert isinstance(body["continuation_key"], str)
    assert len(body["engagements"]) == 100
    for row in body["engagements"]:
        assert set(row) == set(expected)
        for name, value in expected.items():
            assert type(row[name]) is type(value), name
        assert len(row["engagement_id"]) == 32
        assert row["engagement_id"] == row["engagement_id"].upper()
        assert row["url"].endswith(f"/meeting/{row['engagement_id']}")
        for person in row["participants"]:
            keys = set(participant) if person["type"] == "rep" else set(participant) - {"user_id"}
            assert set(person) == keys
            for name in keys:
                assert type(person[name]) is type(participant[name]), name
        for match in row["tracker_matches"]:
            assert set(match) == {"name", "num_matches", "type"}
            assert isinstance(match["num_matches"], int)
            assert match["num_matches"] > 0


def test_tracker_matches_need_with_trackers(client: httpx.Client) -> None:
    rows = client.get("/v3/engagements").json()["engagements"]

    assert all("tracker_matches" not in row for row in rows)
    assert all(_content_type(r) == "application/json" for r in [client.get("/v3/engagements")])


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("min_date", "yesterday"),
        ("max_date", "2024-13-45"),
        ("engagement_type", "webinar"),
        ("user_id", "abc"),
        ("team_id", "1,x"),
        ("min_duration", "-3"),
        ("max_duration", "long"),
        ("with_trackers", "maybe"),
        ("continuation_key", "not-a-key"),
        ("compliance", "sometimes"),
        ("disposition_voicemail", "perhaps"),
    ],
)
def test_invalid_engagement_filter_is_a_400(
    client: httpx.Client, validate: Any, parameter: str, value: str
) -> None:
    response = client.get("/v3/engagements", params={parameter: value})

    assert response.status_code == 400
    assert _content_type(response) == JSONAPI
    validate(response.json(), ERROR)
    assert response.json()["errors"][0]["source"]["parameter"] == parameter


def test_media_redirects_to_a_signed_url(client: httpx.Client, anon: httpx.Client) -> None:
    row = _first(client, lambda r: r["processing_state"] == "done" and not r["no_show"])

    response = client.get(f"/api/v1/conversations/{row['engagement_id']}/media")

    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(f"{client.base_url}/_media/{row['engagement_id']}?")
    media = anon.get(location)
    assert media.status_code == 200
    assert media.headers["content-type"] == "audio/wav"  # a playable WAV, for both kinds
    assert media.content


def test_media_info_describes_the_download(client: httpx.Client, anon: httpx.Client) -> None:
    row = _first(client, lambda r: r["engagement_type"] == "dialer" and r["duration"] > 0)

    response = client.get(f"/api/v1/conversations/{row['engagement_id']}/media?info=true")

    assert response.status_code == 200
    assert _content_type(response) == "application/json"
    info = response.json()
    assert set(info) >= {"url", "media_type", "expires_at", "duration"}
    assert (info["kind"], info["media_type"]) == ("audio", "audio/wav")  # dialers: no video
    assert info["duration"] == row["duration"]
    assert anon.get(info["url"]).headers["content-type"] == "audio/wav"


@pytest.mark.parametrize("tamper", ["sig", "expires"])
def test_tampered_or_expired_media_url_is_403(
    client: httpx.Client, anon: httpx.Client, tamper: str
) -> None:
    row = _first(client, lambda r: r["processing_state"] == "done" and not r["no_show"])
    url = httpx.URL(
        client.get(f"/api/v1/conversations/{row['engagement_id']}/media?info=true").json()["url"]
    )
    params = dict(url.params)
    params[tamper] = "0" if tamper == "expires" else "f" * 40

    assert anon.get(url.copy_with(params=params)).status_code == 403


def test_media_of_a_call_without_recording_is_a_404(
    client: httpx.Client, validate: Any, response_ref: RefOf
) -> None:
    row = _first(client, lambda r: r["no_show"] is True)

    response = client.get(f"/api/v1/conversations/{row['engagement_id']}/media")

    assert response.status_code == 404
    validate(response.json(), response_ref("/api/v1/conversations/{id}/media", "404", JSONAPI))


def test_unknown_chorus_path_is_a_jsonapi_404(client: httpx.Client, validate: Any) -> None:
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert _content_type(response) == JSONAPI
    validate(response.json(), ERROR)


@pytest.mark.parametrize("shape", ["array", "wrapped", "jsonapi"])
def test_v3_users_answers_in_the_configured_shape(
    shape: str, validate: Any, connect: Callable[..., httpx.Client]
) -> None:
    config = SandboxConfig(meetings=5, users_shape=shape)  # type: ignore[arg-type]
    with SandboxServer(config) as server, connect(server.url, server.token) as http:
        response = http.get("/v3/users")

    assert response.status_code == 200
    assert _content_type(response) == "application/json"
    body = response.json()
    users = {
        "array": lambda: body,
        "wrapped": lambda: body["users"],
        "jsonapi": lambda: body["data"],
    }
    listed = users[shape]()
    assert len(listed) == 12
    if shape == "jsonapi":
        for user in listed:
            validate({"data": user}, "#/components/schemas/UserDoc")
    else:
        expected = {
            "id", "name", "first_name", "last_name", "email", "role", "type", "title",
            "team_ids", "manager_id", "license_type", "invalidated", "created_on",
        }  # fmt: skip
        assert all(expected <= set(user) and isinstance(user["id"], int) for user in listed)
