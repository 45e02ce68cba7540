"""The unified API end to end over HTTP against the sandbox, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from e2e_stack import Stack, call

UNIFIED = "/unified/conversational-intelligence"


def sandbox_meeting_ids(stack: Stack) -> list[str]:
    """Every engagement id the sandbox serves, straight from its Chorus API."""
    ids: list[str] = []
    key: str | None = None
    with httpx.Client(base_url=stack.sandbox.url, timeout=30) as chorus:
        while True:
            params = {"continuation_key": key} if key else {}
            body = chorus.get(
                "/v3/engagements", params=params, headers={"Authorization": stack.sandbox.token}
            ).json()
            if not body["engagements"]:
                return ids
            ids.extend(e["engagement_id"] for e in body["engagements"])
            key = body.get("continuation_key")


@pytest.fixture(scope="module")
def account(stack: Stack) -> str:
    with stack.client() as client:
        return stack.link_account(client)


def list_all(client: httpx.Client, account: str, limit: int) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"integrated_account_id": account, "limit": limit}
        if cursor:
            params["next_cursor"] = cursor
        response = client.get(f"{UNIFIED}/meetings", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["result_count"] == len(body["result"]) <= limit
        seen.extend(body["result"])
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


@pytest.mark.parametrize("limit", [7, 50, 500])
def test_listing_pages_through_every_sandbox_meeting_exactly_once(
    stack: Stack, account: str, limit: int
) -> None:
    with stack.client() as client:
        meetings = list_all(client, account, limit)
    ids = [m["id"] for m in meetings]
    assert len(ids) == len(set(ids))
    assert ids == sandbox_meeting_ids(stack)
    assert all(m["transcript"] is None for m in meetings)


def test_get_meeting_has_transcript_speakers_trackers_and_attendees(
    stack: Stack, account: str
) -> None:
    with stack.client() as client:
        listed = client.get(
            f"{UNIFIED}/meetings", params={"integrated_account_id": account, "limit": 30}
        ).json()["result"]
        done = next(m for m in listed if m["status"] == "completed")
        meeting = client.get(
            f"{UNIFIED}/meetings/{done['id']}", params={"integrated_account_id": account}
        ).json()
    doc = call(
        "GET",
        f"{stack.sandbox.url}/api/v1/conversations/{done['id']}",
        headers={"Authorization": stack.sandbox.token},
    ).json()["data"]["attributes"]
    utterances = doc["recording"]["utterances"]
    assert [e["text"] for e in meeting["transcript"]] == [u["snippet"] for u in utterances]
    assert meeting["transcript"][0]["start_time"] == pytest.approx(utterances[0]["snippet_time"])
    assert {s["speaker_id"] for s in meeting["speakers"]} == {
        str(c["id"]) for c in doc["recording"]["clusters"]
    }
    assert sum(s["talk_ratio"] for s in meeting["speakers"]) == pytest.approx(1.0, abs=1e-6)
    tracker_names = {t["name"] for t in doc["recording"]["trackers"] if t["count"]}
    assert {t["name"] for t in meeting["trackers"] if t["count"]} == tracker_names
    assert {a["name"] for a in meeting["attendees"]} == {p["name"] for p in doc["participants"]}
    assert any(a["type"] == "guest" for a in meeting["attendees"])
    assert meeting["audio_recording_url"].startswith(stack.url)


def test_expand_transcript_fills_list_results(stack: Stack, account: str) -> None:
    with stack.client() as client:
        body = client.get(
            f"{UNIFIED}/meetings",
            params={"integrated_account_id": account, "limit": 12, "expand": "transcript"},
        ).json()
    assert body["result_count"] == 12
    completed = [m for m in body["result"] if m["status"] == "completed"]
    assert completed
    assert all(m["transcript"] for m in completed)


def test_output_options_shape_objects(stack: Stack, account: str) -> None:
    with stack.client() as client:
        base = {"integrated_account_id": account, "limit": 2}
        raw = client.get(f"{UNIFIED}/meetings", params={**base, "response_format": "raw"}).json()
        slim = client.get(
            f"{UNIFIED}/meetings",
            params={**base, "exclude_fields": "attendees,topics", "ignore_remote_data": "true"},
        ).json()
    assert "engagement_id" in str(raw["result"][0])
    assert "attendees" not in slim["result"][0]
    assert "remote_data" not in slim["result"][0]


def test_users_and_teams_list_and_get(stack: Stack, account: str) -> None:
    with stack.client() as client:
        q = {"integrated_account_id": account}
        users = client.get(f"{UNIFIED}/users", params={**q, "limit": 5}).json()
        assert users["result_count"] == 5
        assert users["next_cursor"]
        one = client.get(f"{UNIFIED}/users/{users['result'][0]['id']}", params=q).json()
        assert one["id"] == users["result"][0]["id"]
        teams = client.get(f"{UNIFIED}/teams", params=q).json()
        assert teams["result_count"] == 3
        team = client.get(f"{UNIFIED}/teams/{teams['result'][0]['id']}", params=q).json()
        assert team["name"] == teams["result"][0]["name"]


def test_transcripts_resource_is_truto_shaped(stack: Stack, account: str) -> None:
    with stack.client() as client:
        q = {"integrated_account_id": account}
        listed = client.get(f"{UNIFIED}/meetings", params={**q, "limit": 30}).json()["result"]
        done = next(m for m in listed if m["status"] == "completed")
        body = client.get(f"{UNIFIED}/transcripts", params={**q, "meeting_id": done["id"]}).json()
    transcript = body["result"][0]
    assert transcript["meeting"] == {"id": done["id"]}
    assert transcript["entries"]


def test_transcripts_are_paged_with_signed_cursors(stack: Stack, account: str) -> None:
    with stack.client() as client:
        q = {"integrated_account_id": account}
        listed = client.get(f"{UNIFIED}/meetings", params={**q, "limit": 2}).json()
        transcripts = {**q, "meeting_id": listed["result"][0]["id"]}
        one = client.get(f"{UNIFIED}/transcripts", params={**transcripts, "limit": 1}).json()
        refused = [
            client.get(f"{UNIFIED}/transcripts", params={**transcripts, **bad})
            for bad in (
                {"next_cursor": "forged.cursor"},
                {"next_cursor": listed["next_cursor"]},  # a meetings cursor
                {"limit": 0},
            )
        ]

    assert (one["result_count"], one["next_cursor"]) == (1, None)
    assert [(r.status_code, r.json()["error"]["param"]) for r in refused] == [
        (400, "next_cursor"),
        (400, "next_cursor"),
        (400, "limit"),
    ]
    assert [r.json()["error"]["code"] for r in refused[:2]] == ["invalid_cursor"] * 2


def test_recording_redirects_to_a_fresh_provider_media_url(stack: Stack, account: str) -> None:
    with stack.client() as client:
        q = {"integrated_account_id": account}
        listed = client.get(f"{UNIFIED}/meetings", params={**q, "limit": 30}).json()["result"]
        done = next(m for m in listed if m["status"] == "completed")
        response = client.get(
            f"{UNIFIED}/meetings/{done['id']}/recording", params={**q, "kind": "audio"}
        )
    assert response.status_code == 302
    assert response.headers["location"].startswith(stack.sandbox.url)


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"colour": "red"}, "colour"),
        ({"type": "other"}, "type"),
        ({"limit": 501}, "limit"),
        ({"next_cursor": "forged.cursor"}, "next_cursor"),
        ({"expand": "everything"}, "expand"),
    ],
)
def test_bad_parameters_are_400s_naming_the_parameter(
    stack: Stack, account: str, params: dict[str, Any], param: str
) -> None:
    with stack.client() as client:
        response = client.get(
            f"{UNIFIED}/meetings", params={"integrated_account_id": account, **params}
        )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == param
    assert error["request_id"] == response.headers["x-request-id"]


def test_cursor_from_other_filters_is_rejected(stack: Stack, account: str) -> None:
    with stack.client() as client:
        q = {"integrated_account_id": account, "limit": 3}
        cursor = client.get(f"{UNIFIED}/meetings", params=q).json()["next_cursor"]
        response = client.get(
            f"{UNIFIED}/meetings", params={**q, "type": "call", "next_cursor": cursor}
        )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_unified_responses_carry_budget_and_request_id_headers(stack: Stack, account: str) -> None:
    with stack.client() as client:
        response = client.get(f"{UNIFIED}/teams", params={"integrated_account_id": account})
    assert response.headers["x-request-id"].startswith("req_")
    assert int(response.headers["ratelimit-limit"]) >= 1
    assert "ratelimit-remaining" in response.headers
    assert "ratelimit-reset" in response.headers


def test_a_filter_value_the_provider_refuses_is_a_400_not_a_provider_failure(
    stack: Stack, account: str
) -> None:
    # Chorus takes user ids as integers; it refuses another value with a 400 of its own.
    with stack.client() as client:
        response = client.get(
            f"{UNIFIED}/meetings", params={"integrated_account_id": account, "user_id": "ann"}
        )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "provider_invalid_request"
    assert error["remote"] is True
    assert error["remote_status"] == 400
